/// `GET /v1/health`, which needs no token: `{"status":"ok","node":N}`.
public struct HealthView: Codable, Equatable, Sendable {
    public var status: String
    public var node: UInt16

    public init(status: String, node: UInt16) {
        self.status = status
        self.node = node
    }
}
