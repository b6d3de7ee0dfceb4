#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a small secret (a node's private key, the cluster key) from a file it can trust:
/// opened with `O_NOFOLLOW` (a symbolic link planted in its place is refused), then
/// checked on the open descriptor (`fstat`, so nothing can be swapped in between): a
/// regular file, owned by this process's user, that group and others cannot access.
enum SecretFile {
    enum Failure: Error, Equatable {
        case unreadable(reason: String)
        case notRegularFile
        case wrongOwner(uid: UInt32)
        case tooOpen(mode: UInt32)
        case tooLarge
    }

    /// The file's bytes, at most `limit` of them.
    static func contents(of path: String, limit: Int = 256) throws(Failure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw .unreadable(reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(reason: String(cString: strerror(errno))) }
        guard UInt32(info.st_mode) & UInt32(S_IFMT) == UInt32(S_IFREG) else { throw .notRegularFile }
        guard info.st_uid == geteuid() else { throw .wrongOwner(uid: UInt32(info.st_uid)) }
        let mode = UInt32(info.st_mode) & 0o777
        guard mode & 0o077 == 0 else { throw .tooOpen(mode: mode) }
        guard info.st_size <= limit else { throw .tooLarge }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 128)
        while bytes.count <= limit {
            let n = read(fd, &chunk, chunk.count)
            guard n >= 0 else { throw .unreadable(reason: String(cString: strerror(errno))) }
            if n == 0 { break }
            bytes += chunk.prefix(n)
        }
        guard bytes.count <= limit else { throw .tooLarge }
        return bytes
    }
}
