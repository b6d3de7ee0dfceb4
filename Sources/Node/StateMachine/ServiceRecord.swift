import Wire

/// One service in the replicated set: the decision that placed it and how it stands.
public struct ServiceRecord: Equatable, Sendable {
    public var request: DeployRequest
    public var decisionIndex: UInt64
    public var node: NodeID
    public var status: ServiceStatus

    public init(request: DeployRequest, decisionIndex: UInt64, node: NodeID, status: ServiceStatus) {
        self.request = request
        self.decisionIndex = decisionIndex
        self.node = node
        self.status = status
    }

    public var name: String { request.service }
}
