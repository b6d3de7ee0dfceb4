/// One service as the replicated service set holds it (`GET /v1/services[/{name}]`), and
/// the answer to a deploy.
public struct ServiceView: Codable, Equatable, Sendable {
    public var name: String
    public var requestId: String
    public var image: String
    /// The node chosen to run it.
    public var node: UInt16
    /// The log index of its decision entry.
    public var decisionIndex: UInt64
    /// `decided` | `accepted` | `running` | `failed` | `refused` | `removed`.
    public var status: String
    /// Why it failed or was refused, when it did.
    public var reason: String?
    /// Present on the answer to a deploy: what each phase of the decision cost.
    public var phases: PhaseTable?

    public init(
        name: String, requestId: String, image: String, node: UInt16, decisionIndex: UInt64, status: String,
        reason: String? = nil, phases: PhaseTable? = nil
    ) {
        self.name = name
        self.requestId = requestId
        self.image = image
        self.node = node
        self.decisionIndex = decisionIndex
        self.status = status
        self.reason = reason
        self.phases = phases
    }
}

/// `GET /v1/services`.
public struct ServiceList: Codable, Equatable, Sendable {
    public var services: [ServiceView]
    public init(services: [ServiceView]) { self.services = services }
}
