/// Why durable storage failed. A node that sees one stops voting and leading
/// (`RaftNode.storageFailed()`) rather than acknowledge what it did not store.
public enum StorageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call failed (`errno`).
    case io(operation: String, path: String, errno: Int32)
    /// A record that is not at the tail failed its checksum or does not parse: the log
    /// cannot be trusted and is not repaired automatically.
    case corrupt(path: String, offset: Int, reason: String)
    /// A file's contents break an invariant (entries out of order, a gap between files).
    case inconsistent(String)
    /// Refused before anything was written: recovery would not read it back.
    case tooLarge(what: String, bytes: Int, limit: Int)

    public var description: String {
        switch self {
        case .io(let operation, let path, let errno):
            "\(operation) \(path) failed: \(SystemErrors.text(errno)) (errno \(errno))"
        case .corrupt(let path, let offset, let reason):
            "\(path) is corrupt at byte \(offset): \(reason)"
        case .inconsistent(let text):
            "log is inconsistent: \(text)"
        case .tooLarge(let what, let bytes, let limit):
            "\(what) is \(bytes) bytes, over the limit of \(limit)"
        }
    }
}
