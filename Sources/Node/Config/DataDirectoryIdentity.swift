#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Wire

/// The cluster and node a data directory belongs to, recorded in `<data-dir>/identity` on
/// first start (`cluster-id=N\nnode-id=M\n`). A node started on another cluster's or
/// another node's directory would replay a foreign log as its own, so it is refused.
public struct DataDirectoryIdentity: Equatable, Sendable, CustomStringConvertible {
    public var clusterID: ClusterID
    public var nodeID: NodeID

    public static let fileName = "identity"
    /// The file is about 30 bytes; anything much larger is not ours.
    public static let maxFileBytes = 256

    public init(clusterID: ClusterID, nodeID: NodeID) {
        self.clusterID = clusterID
        self.nodeID = nodeID
    }

    public var description: String { "cluster \(clusterID), node \(nodeID)" }

    public var fileText: String { "cluster-id=\(clusterID)\nnode-id=\(nodeID)\n" }

    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case belongsToAnother(directory: String, recorded: DataDirectoryIdentity, this: DataDirectoryIdentity)
        case malformed(path: String, detail: String)
        case tooLarge(path: String, bytes: Int)
        case unreadable(path: String, reason: String)
        case notADirectory(path: String)
        case unwritable(path: String, reason: String)

        public var description: String {
            switch self {
            case .belongsToAnother(let directory, let recorded, let this):
                return "\(directory) belongs to \(recorded); this node is \(this): use another data-dir, or empty it to rejoin as a new member"
            case .malformed(let path, let detail):
                return "\(path) is not an identity file (\(detail)); it must read `cluster-id=N` and `node-id=M` — restore it, or empty the directory to rejoin as a new member"
            case .tooLarge(let path, let bytes):
                return "\(path) has \(bytes) bytes, more than an identity file's \(DataDirectoryIdentity.maxFileBytes); is data-dir the right directory?"
            case .unreadable(let path, let reason):
                return "cannot read \(path): \(reason); check data-dir and its permissions"
            case .notADirectory(let path):
                return "\(path) exists and is not a directory; point data-dir at a directory"
            case .unwritable(let path, let reason):
                return "cannot write \(path): \(reason); check data-dir and its permissions"
            }
        }
    }

    /// What a directory holds now.
    public enum Status: Equatable, Sendable {
        /// Nothing recorded yet (`directoryExists` false: it will be created, mode 0700).
        case unrecorded(directoryExists: Bool)
        case matches
    }

    /// Parses the file's bytes; every key once, nothing else.
    public static func parse(_ bytes: [UInt8], path: String) throws(Failure) -> DataDirectoryIdentity {
        guard bytes.count <= maxFileBytes else { throw .tooLarge(path: path, bytes: bytes.count) }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .malformed(path: path, detail: "not UTF-8 text") }
        var cluster: UInt16?, node: UInt16?
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, let key = parts.first, let digits = parts.last else {
                throw .malformed(path: path, detail: "a line without `=`")
            }
            guard key == "cluster-id" || key == "node-id" else { throw .malformed(path: path, detail: "unknown key \(key.prefix(40))") }
            guard (key == "cluster-id" ? cluster : node) == nil else { throw .malformed(path: path, detail: "\(key) given twice") }
            guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = UInt16(digits), value > 0 else {
                throw .malformed(path: path, detail: "\(key) is not a number 1…65535")
            }
            if key == "cluster-id" { cluster = value } else { node = value }
        }
        guard let cluster else { throw .malformed(path: path, detail: "no cluster-id") }
        guard let node else { throw .malformed(path: path, detail: "no node-id") }
        return DataDirectoryIdentity(clusterID: cluster, nodeID: node)
    }

    /// Compares the directory's record with `expected`, writing nothing (`--check-config`).
    public static func check(dataDirectory: String, expected: DataDirectoryIdentity) throws(Failure) -> Status {
        var info = stat()
        if stat(dataDirectory, &info) != 0 {
            if errno == ENOENT { return .unrecorded(directoryExists: false) }
            throw .unreadable(path: dataDirectory, reason: String(cString: strerror(errno)))
        }
        guard UInt32(info.st_mode) & UInt32(S_IFMT) == UInt32(S_IFDIR) else { throw .notADirectory(path: dataDirectory) }
        let path = filePath(in: dataDirectory)
        guard let bytes = try readIfPresent(path) else { return .unrecorded(directoryExists: true) }
        let recorded = try parse(bytes, path: path)
        guard recorded == expected else {
            throw .belongsToAnother(directory: dataDirectory, recorded: recorded, this: expected)
        }
        return .matches
    }

    /// `check`, then on first start creates the directory (0700) and records `expected`
    /// (temporary file, fsync, rename, fsync of the directory: a crash leaves the old state
    /// or the new, never half a file).
    @discardableResult
    public static func recordOrVerify(dataDirectory: String, expected: DataDirectoryIdentity) throws(Failure) -> Status {
        let status = try check(dataDirectory: dataDirectory, expected: expected)
        guard case .unrecorded(let exists) = status else { return status }
        if !exists { try makeDirectories(dataDirectory) }
        let path = filePath(in: dataDirectory)
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .unwritable(path: temporary, reason: String(cString: strerror(errno))) }
        let text = Array(expected.fileText.utf8)
        let written = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = written == text.count && fsync(fd) == 0
        let reason = String(cString: strerror(errno))
        close(fd)
        guard synced else { throw .unwritable(path: temporary, reason: reason) }
        guard rename(temporary, path) == 0 else { throw .unwritable(path: path, reason: String(cString: strerror(errno))) }
        let directory = open(dataDirectory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directory >= 0 else { throw .unwritable(path: dataDirectory, reason: String(cString: strerror(errno))) }
        defer { close(directory) }
        guard fsync(directory) == 0 else { throw .unwritable(path: dataDirectory, reason: String(cString: strerror(errno))) }
        return status
    }

    static func filePath(in directory: String) -> String {
        directory.hasSuffix("/") ? directory + fileName : directory + "/" + fileName
    }

    /// The file's bytes (at most one past the limit), or nil when there is none.
    static func readIfPresent(_ path: String) throws(Failure) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw .unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        guard UInt32(info.st_mode) & UInt32(S_IFMT) == UInt32(S_IFREG) else { throw .malformed(path: path, detail: "not a regular file") }
        guard info.st_size <= maxFileBytes else { throw .tooLarge(path: path, bytes: Int(info.st_size)) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: maxFileBytes + 1)
        while bytes.count <= maxFileBytes {
            let n = read(fd, &chunk, chunk.count)
            guard n >= 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
            if n == 0 { break }
            bytes += chunk.prefix(n)
        }
        return bytes
    }

    /// `mkdir -p` with mode 0700 for every directory it creates.
    static func makeDirectories(_ path: String) throws(Failure) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o700) != 0, errno != EEXIST {
                throw .unwritable(path: prefix, reason: String(cString: strerror(errno)))
            }
            prefix += "/"
        }
        var info = stat()
        guard stat(path, &info) == 0, UInt32(info.st_mode) & UInt32(S_IFMT) == UInt32(S_IFDIR) else { throw .notADirectory(path: path) }
    }
}
