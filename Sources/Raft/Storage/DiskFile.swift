#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file opened for appending, and the few other POSIX calls durable storage needs, each
/// failing with a typed `StorageError`.
final class DiskFile: AppendFile {
    let path: String
    private let fd: Int32
    private(set) var size: Int

    private init(path: String, fd: Int32, size: Int) {
        self.path = path
        self.fd = fd
        self.size = size
    }

    deinit {
        close(fd)
    }

    /// Opens (creating if needed) `path` for appending at its end.
    static func openForAppend(_ path: String) throws(StorageError) -> DiskFile {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StorageError.io(operation: "open", path: path, errno: errno) }
        let end = lseek(fd, 0, SEEK_END)
        guard end >= 0 else {
            let code = errno
            close(fd)
            throw StorageError.io(operation: "seek", path: path, errno: code)
        }
        return DiskFile(path: path, fd: fd, size: Int(end))
    }

    /// Writes all of `bytes` (retrying short writes).
    func append(_ bytes: [UInt8]) throws(StorageError) {
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                write(fd, raw.baseAddress.map { $0 + written }, raw.count - written)
            }
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                size += written
                throw StorageError.io(operation: "write", path: path, errno: code)
            }
            written += n
        }
        size += written
    }

    func truncate(to length: Int) throws(StorageError) {
        guard ftruncate(fd, off_t(length)) == 0 else {
            throw StorageError.io(operation: "truncate", path: path, errno: errno)
        }
        size = length
    }

    func sync() throws(StorageError) {
        guard fsync(fd) == 0 else { throw StorageError.io(operation: "fsync", path: path, errno: errno) }
    }

    /// Everything in the file at `path` (at most `limit` bytes), or nil if it does not exist.
    static func readAll(_ path: String, limit: Int = Int.max) throws(StorageError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw StorageError.io(operation: "open", path: path, errno: errno)
        }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw StorageError.io(operation: "read", path: path, errno: errno)
            }
            if n == 0 { break }
            guard result.count + n <= limit else {
                throw StorageError.corrupt(path: path, offset: result.count, reason: "file is larger than \(limit) bytes")
            }
            result += chunk[0..<n]
        }
        return result
    }

    static func removeFile(_ path: String) throws(StorageError) {
        guard unlink(path) == 0 || errno == ENOENT else {
            throw StorageError.io(operation: "unlink", path: path, errno: errno)
        }
    }

    static func renameFile(_ from: String, to: String) throws(StorageError) {
        guard rename(from, to) == 0 else {
            throw StorageError.io(operation: "rename", path: from, errno: errno)
        }
    }

    /// Makes a directory's entries (new, renamed or removed files) durable.
    static func syncDirectory(_ path: String) throws(StorageError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw StorageError.io(operation: "open", path: path, errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw StorageError.io(operation: "fsync", path: path, errno: errno) }
    }

    static func makeDirectory(_ path: String) throws(StorageError) {
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw StorageError.io(operation: "mkdir", path: path, errno: errno)
        }
    }

    /// Names of the entries of a directory.
    static func list(_ path: String) throws(StorageError) -> [String] {
        guard let dir = opendir(path) else { throw StorageError.io(operation: "opendir", path: path, errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
