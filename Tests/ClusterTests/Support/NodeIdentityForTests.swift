import Transport

enum NodeIdentityForTests {
    /// A key file at `path` and its public key's hex.
    static func create(at path: String) throws -> String { try NodeIdentity.create(at: path).publicKey.description }
}
