/// `POST /v1/services`: what a client asks to run. Sizes are checked by the gateway
/// (`DeployBodyValidation` in Node), not here: this is only the JSON shape.
public struct DeployBody: Codable, Equatable, Sendable {
    /// 1–63 of `[a-z0-9_.-]`, starting alphanumeric.
    public var name: String
    public var image: String
    /// Overrides the image's command; the process engine runs it as argv.
    public var command: [String]?
    /// `KEY=VALUE` strings.
    public var env: [String]?
    /// `HOST:CONTAINER[/tcp|udp]` strings.
    public var ports: [String]?
    /// Cores, e.g. 0.5.
    public var cpu: Double?
    /// Bytes with an optional unit: `128M`, `1G`, `512Ki`, `1048576`.
    public var memory: String?
    /// The client's idempotency key (decimal, 1 … 2^63−1): a retry with the same id gets the
    /// same decision back. Omitted: the gateway draws one.
    public var requestId: String?

    public init(
        name: String, image: String, command: [String]? = nil, env: [String]? = nil, ports: [String]? = nil,
        cpu: Double? = nil, memory: String? = nil, requestId: String? = nil
    ) {
        self.name = name
        self.image = image
        self.command = command
        self.env = env
        self.ports = ports
        self.cpu = cpu
        self.memory = memory
        self.requestId = requestId
    }
}
