#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The file in which a node keeps the high-water mark of its initiation timestamps
/// (decimal µs, one line), so that a node restarted with its clock behind — a Pi without a
/// real-time clock — still sends timestamps newer than any before and is not refused as
/// stale. Written through a temporary file, fsynced and renamed; read with `load()` and
/// passed as `SessionConfig.timestampFloor`.
public struct TimestampStateFile: Sendable {
    public enum LoadError: Error, Equatable, CustomStringConvertible {
        case unreadable(path: String, errno: Int32)
        case malformed(path: String)

        public var description: String {
            switch self {
            case .unreadable(let path, let errno): "cannot read the timestamp state \(path): \(String(cString: strerror(errno)))"
            case .malformed(let path): "the timestamp state \(path) does not hold one decimal number"
            }
        }
    }

    public let path: String

    public init(path: String) { self.path = path }

    /// The stored floor; 0 when the file does not exist yet (the first run).
    public func load() throws(LoadError) -> UInt64 {
        let fd = open(path, O_RDONLY | O_NOFOLLOW)
        guard fd >= 0 else {
            if errno == ENOENT { return 0 }
            throw .unreadable(path: path, errno: errno)
        }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = read(fd, &buffer, buffer.count)
        guard count >= 0 else { throw .unreadable(path: path, errno: errno) }
        let text = buffer.prefix(count).prefix { $0 != UInt8(ascii: "\n") }
        guard count < buffer.count, !text.isEmpty, let value = UInt64(String(decoding: text, as: UTF8.self)) else {
            throw .malformed(path: path)
        }
        return value
    }

    /// Stores `value` durably; false if any step failed (the caller reports it).
    public func store(_ value: UInt64) -> Bool {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { return false }
        let bytes = Array("\(value)\n".utf8)
        let written = write(fd, bytes, bytes.count)
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced else { return false }
        return rename(temporary, path) == 0
    }
}
