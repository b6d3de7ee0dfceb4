#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Crypto
import Foundation

/// A node's public key as the roster carries it: 32 bytes, written as 64 hex digits.
public struct NodePublicKey: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]
    let key: Curve25519.KeyAgreement.PublicKey

    public init?(bytes: [UInt8]) {
        guard bytes.count == 32, let key = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: bytes) else { return nil }
        self.bytes = bytes
        self.key = key
    }

    public init?(hex: String) {
        guard let bytes = NodeIdentity.hexBytes(hex.trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
        self.init(bytes: bytes)
    }

    init(_ key: Curve25519.KeyAgreement.PublicKey) {
        self.key = key
        bytes = Array(key.rawRepresentation)
    }

    public var description: String { NodeIdentity.hex(bytes) }
    public static func == (a: NodePublicKey, b: NodePublicKey) -> Bool { a.bytes == b.bytes }
    public func hash(into hasher: inout Hasher) { hasher.combine(bytes) }
}

/// A node's static X25519 key pair: who the node is to the rest of the cluster. The
/// private key lives in a file only its owner can read (`edgeraft keygen` writes it) —
/// never on the command line, where `ps` shows it to every user.
public struct NodeIdentity: Sendable {
    public enum LoadError: Error, Equatable, CustomStringConvertible {
        case unreadable(path: String, reason: String)
        /// Group or others may read or write it: the key must be treated as leaked.
        case tooOpen(path: String, mode: UInt32)
        /// Not a regular file (a symbolic link, a directory, a device…).
        case notRegularFile(path: String)
        /// Owned by another user, who could have written or replaced it.
        case wrongOwner(path: String, uid: UInt32)
        case malformed(path: String)
        case exists(path: String)
        case unwritable(path: String, reason: String)

        public var description: String {
            switch self {
            case .unreadable(let path, let reason): "cannot read the node key file \(path): \(reason)"
            case .tooOpen(let path, let mode): "the node key file \(path) has mode \(String(mode, radix: 8)); only its owner may have access (chmod 600)"
            case .notRegularFile(let path): "the node key file \(path) is not a regular file (symbolic links are refused)"
            case .wrongOwner(let path, let uid): "the node key file \(path) belongs to uid \(uid), not to this user"
            case .malformed(let path): "the node key file \(path) does not hold a private key (64 hex digits)"
            case .exists(let path): "\(path) exists already; refusing to overwrite a key"
            case .unwritable(let path, let reason): "cannot write the node key file \(path): \(reason)"
            }
        }
    }

    let privateKey: Curve25519.KeyAgreement.PrivateKey
    public let publicKey: NodePublicKey

    init(_ privateKey: Curve25519.KeyAgreement.PrivateKey) {
        self.privateKey = privateKey
        publicKey = NodePublicKey(privateKey.publicKey)
    }

    /// A fresh key pair from the system's random source.
    public static func generate() -> NodeIdentity { NodeIdentity(Curve25519.KeyAgreement.PrivateKey()) }

    /// The key pair whose private key is these 32 bytes (tests, vectors).
    public init?(privateKeyBytes bytes: [UInt8]) {
        guard bytes.count == 32, let key = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: bytes) else { return nil }
        self.init(key)
    }

    /// Writes a new private key to `path` (created with mode 0600, never overwritten) and
    /// returns the identity, whose public key goes into the roster.
    public static func create(at path: String) throws(LoadError) -> NodeIdentity {
        let identity = generate()
        let text = Array((hex(Array(identity.privateKey.rawRepresentation)) + "\n").utf8)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST { throw .exists(path: path) }
            throw .unwritable(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        // The umask can only take permissions away; set them exactly anyway.
        _ = fchmod(fd, 0o600)
        let written = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == text.count, fsync(fd) == 0 else {
            throw .unwritable(path: path, reason: String(cString: strerror(errno)))
        }
        return identity
    }

    /// Reads the private key at `path`; refuses a symbolic link, anything but a regular
    /// file owned by this user, and a file that group or others may access.
    public static func load(from path: String) throws(LoadError) -> NodeIdentity {
        let bytes: [UInt8]
        do {
            // A key file is 65 bytes; anything much larger is not one (and is not read whole).
            bytes = try SecretFile.contents(of: path)
        } catch {
            switch error {
            case .unreadable(let reason): throw .unreadable(path: path, reason: reason)
            case .notRegularFile: throw .notRegularFile(path: path)
            case .wrongOwner(let uid): throw .wrongOwner(path: path, uid: uid)
            case .tooOpen(let mode): throw .tooOpen(path: path, mode: mode)
            case .tooLarge: throw .malformed(path: path)
            }
        }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let bytes = hexBytes(text.trimmingCharacters(in: .whitespacesAndNewlines)),
              let identity = NodeIdentity(privateKeyBytes: bytes)
        else { throw .malformed(path: path) }
        return identity
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// The bytes of an even number of hex digits; nil otherwise.
    static func hexBytes(_ digits: String) -> [UInt8]? {
        guard digits.count % 2 == 0, digits.allSatisfy(\.isHexDigit) else { return nil }
        var bytes: [UInt8] = []
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            guard let byte = UInt8(digits[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
