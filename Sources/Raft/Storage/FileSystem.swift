/// The file-system calls durable storage makes, and nothing more: the real one
/// (`PosixFileSystem`) or a simulated disk that loses what was not made durable
/// (`SimulatedFileSystem`), so the seeded simulation runs the real storage code.
///
/// Durability follows POSIX: written bytes are durable after the file's `sync`; a new,
/// renamed or removed name after its directory's `syncDirectory`.
public protocol FileSystem: AnyObject {
    /// Creates a directory; one that exists already is fine.
    func makeDirectory(_ path: String) throws(StorageError)
    /// Names of a directory's entries.
    func list(_ directory: String) throws(StorageError) -> [String]
    /// A file's contents (at most `limit` bytes, else `.corrupt`), nil if it does not exist.
    func readAll(_ path: String, limit: Int) throws(StorageError) -> [UInt8]?
    /// Opens a file for appending at its end, creating it if needed.
    func openForAppend(_ path: String) throws(StorageError) -> any AppendFile
    func rename(_ from: String, to: String) throws(StorageError)
    /// Removes a file; one that does not exist is fine.
    func remove(_ path: String) throws(StorageError)
    /// Makes the directory's entries — new, renamed and removed names — durable.
    func syncDirectory(_ path: String) throws(StorageError)
}

/// A file open for appending.
public protocol AppendFile: AnyObject {
    var path: String { get }
    /// Bytes in the file, including any a failed append left behind.
    var size: Int { get }
    /// Writes all of `bytes` at the end; on an error some prefix of them may be written.
    func append(_ bytes: [UInt8]) throws(StorageError)
    /// Makes the file's contents durable.
    func sync() throws(StorageError)
    func truncate(to length: Int) throws(StorageError)
}

extension FileSystem {
    /// Writes `bytes` to `path` so that after a crash either the old file or the whole new
    /// one is there: temporary file, fsync, rename over, fsync of the directory.
    func writeAtomically(_ bytes: [UInt8], to path: String, directory: String) throws(StorageError) {
        let temporary = path + ".tmp"
        try remove(temporary)
        let file = try openForAppend(temporary)
        try file.append(bytes)
        try file.sync()
        try rename(temporary, to: path)
        try syncDirectory(directory)
    }

    /// Creates `path` (and makes its name durable in its parent, which must exist).
    func makeDurableDirectory(_ path: String) throws(StorageError) {
        try makeDirectory(path)
        try syncDirectory(Self.parent(of: path))
    }

    static func parent(of path: String) -> String {
        var components = path.split(separator: "/", omittingEmptySubsequences: true)
        guard !components.isEmpty else { return "/" }
        components.removeLast()
        let joined = components.joined(separator: "/")
        if path.hasPrefix("/") { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }
}

/// The real file system, through POSIX calls (`DiskFile`).
public final class PosixFileSystem: FileSystem {
    public init() {}

    public func makeDirectory(_ path: String) throws(StorageError) { try DiskFile.makeDirectory(path) }
    public func list(_ directory: String) throws(StorageError) -> [String] { try DiskFile.list(directory) }
    public func readAll(_ path: String, limit: Int) throws(StorageError) -> [UInt8]? { try DiskFile.readAll(path, limit: limit) }
    public func openForAppend(_ path: String) throws(StorageError) -> any AppendFile { try DiskFile.openForAppend(path) }
    public func rename(_ from: String, to: String) throws(StorageError) { try DiskFile.renameFile(from, to: to) }
    public func remove(_ path: String) throws(StorageError) { try DiskFile.removeFile(path) }
    public func syncDirectory(_ path: String) throws(StorageError) { try DiskFile.syncDirectory(path) }
}
