/// `POST /v1/members`, `POST /v1/members/{id}/promote`, `DELETE /v1/members/{id}`: the
/// member once the change is committed. `role` is `learner`, `voter` or `removed`.
public struct MemberView: Codable, Equatable, Sendable {
    public var id: UInt16
    public var address: String
    public var role: String

    public init(id: UInt16, address: String, role: String) {
        self.id = id
        self.address = address
        self.role = role
    }
}

/// The body of `POST /v1/members`: the node to add, as a learner unless `voter` is true.
public struct MemberBody: Codable, Equatable, Sendable {
    public var id: Int?
    public var address: String?
    /// 64 hex digits of the node's X25519 public key (absent only in an insecure cluster).
    public var publicKey: String?
    public var voter: Bool?

    public init(id: Int?, address: String?, publicKey: String?, voter: Bool? = nil) {
        self.id = id
        self.address = address
        self.publicKey = publicKey
        self.voter = voter
    }
}
