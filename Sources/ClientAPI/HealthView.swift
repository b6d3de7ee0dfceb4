/// `GET /v1/health`, the one route without a token: the gateway answers, and which node it is.
public struct HealthView: Codable, Equatable, Sendable {
    /// Always `ok` (any other state is an error status).
    public var status: String
    public var node: UInt16

    public init(status: String, node: UInt16) {
        self.status = status
        self.node = node
    }
}
