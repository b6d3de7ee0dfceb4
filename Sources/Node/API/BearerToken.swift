/// The client API's shared secret, and the check of an `Authorization` header against it.
struct BearerToken: Sendable {
    private let secret: [UInt8]

    /// Surrounding whitespace (a token file's trailing newline) is not part of the token.
    init(_ token: String) {
        secret = Array(token.trimmingWhitespace().utf8)
    }

    var isEmpty: Bool { secret.isEmpty }

    /// Whether `header` is `Bearer <token>` (the scheme in any case, RFC 6750). The
    /// comparison takes the same time wherever the first difference is, so response
    /// times do not reveal how much of a guess was right.
    func authorizes(_ header: String?) -> Bool {
        guard let header else { return false }
        let bytes = Array(header.utf8)
        let scheme = "bearer "
        guard bytes.count >= scheme.utf8.count,
              String(decoding: bytes.prefix(scheme.utf8.count), as: UTF8.self).lowercased() == scheme
        else { return false }
        return Self.constantTimeEqual(Array(bytes.dropFirst(scheme.utf8.count)), secret)
    }

    /// Loops over all of `expected` whatever `presented` holds; only the length of the
    /// expected token (not secret) decides the time.
    static func constantTimeEqual(_ presented: [UInt8], _ expected: [UInt8]) -> Bool {
        var difference: UInt8 = presented.count == expected.count ? 0 : 1
        for index in expected.indices {
            let byte = index < presented.count ? presented[index] : 0
            difference |= byte ^ expected[index]
        }
        return difference == 0
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0.isWhitespace }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
