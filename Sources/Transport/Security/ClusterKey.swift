import Crypto
import Foundation

/// The optional pre-shared key of a cluster, mixed into every session handshake (Noise's
/// psk, as WireGuard's): not an identity — each node has its own (`NodeIdentity`). 32 bytes, given
/// as 64 hex digits in a file or in the `EDGERAFT_CLUSTER_KEY` environment variable —
/// never on the command line, where `ps` would show it to every user of the machine.
public struct ClusterKey: Sendable {
    public static let environmentVariable = "EDGERAFT_CLUSTER_KEY"
    public static let byteCount = 32

    public enum LoadError: Error, Equatable, CustomStringConvertible {
        case unreadable(path: String, reason: String)
        /// Group or others may access the file, it is not a regular file (symbolic links
        /// are refused), or it belongs to another user.
        case untrusted(path: String, reason: String)
        case notHex(source: String)
        case wrongLength(source: String, bytes: Int)
        case missing

        public var description: String {
            switch self {
            case .unreadable(let path, let reason): "cannot read the cluster key file \(path): \(reason)"
            case .untrusted(let path, let reason): "the cluster key file \(path) is not trusted: \(reason)"
            case .notHex(let source): "the cluster key in \(source) is not hexadecimal"
            case .wrongLength(let source, let bytes): "the cluster key in \(source) has \(bytes) bytes; it must have \(ClusterKey.byteCount) (64 hex digits)"
            case .missing: "no cluster key: give --key-file PATH or set \(ClusterKey.environmentVariable) (or run with --insecure for local benchmarks only)"
            }
        }
    }

    let bytes: [UInt8]

    public init(bytes: [UInt8]) throws(LoadError) {
        guard bytes.count == Self.byteCount else {
            throw .wrongLength(source: "the given bytes", bytes: bytes.count)
        }
        self.bytes = bytes
    }

    /// Parses 64 hex digits (surrounding white space ignored).
    public init(hex: String, source: String) throws(LoadError) {
        let digits = hex.trimmingCharacters(in: .whitespacesAndNewlines)
        guard digits.allSatisfy(\.isHexDigit), digits.count % 2 == 0 else { throw .notHex(source: source) }
        var bytes: [UInt8] = []
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            guard let byte = UInt8(digits[index..<next], radix: 16) else { throw .notHex(source: source) }
            bytes.append(byte)
            index = next
        }
        guard bytes.count == Self.byteCount else {
            throw .wrongLength(source: source, bytes: bytes.count)
        }
        self.bytes = bytes
    }

    /// The key from `file` if given, else from the environment.
    public static func load(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws(LoadError) -> ClusterKey {
        if let file {
            let bytes: [UInt8]
            do {
                bytes = try SecretFile.contents(of: file)
            } catch {
                switch error {
                case .unreadable(let reason): throw .unreadable(path: file, reason: reason)
                case .notRegularFile: throw .untrusted(path: file, reason: "not a regular file")
                case .wrongOwner(let uid): throw .untrusted(path: file, reason: "owned by uid \(uid)")
                case .tooOpen(let mode): throw .untrusted(path: file, reason: "mode \(String(mode, radix: 8)); chmod 600")
                case .tooLarge: throw .notHex(source: file)
                }
            }
            return try ClusterKey(hex: String(decoding: bytes, as: UTF8.self), source: file)
        }
        if let value = environment[environmentVariable] {
            return try ClusterKey(hex: value, source: environmentVariable)
        }
        throw .missing
    }

    /// A fresh random key as hex, for `edgeraft keygen`-style set-up and for tests.
    public static func generateHex() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { raw in raw.map { String(format: "%02x", $0) }.joined() }
    }
}
