#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NetworkModel
import Raft
import Wire

/// A disk in memory that does on a crash what a real one may: bytes written since the
/// file's last fsync are lost or torn at any byte (possibly followed by garbage), and
/// names created, renamed or removed since their directory's last fsync are lost — a
/// prefix of them, in order, survives. It can also fail a write (after a prefix of it)
/// or an fsync, with ENOSPC or EIO, and crash in the middle of any call.
///
/// Seeded: the same seed and calls give the same disk.
public final class SimulatedFileSystem: FileSystem {
    enum Node: Equatable {
        case file(Int)
        case directory(Int)
    }

    struct FileData {
        /// What is on the platter.
        var durable: [UInt8] = []
        /// What reads see (the page cache).
        var current: [UInt8] = []
    }

    struct DirectoryData {
        var durable: [String: Node] = [:]
        var current: [String: Node] = [:]
        /// Name changes since the last sync, one group per call (a rename is one group).
        var pending: [[(name: String, node: Node?)]] = []
    }

    /// Which failure the next matching call returns.
    public enum Fault: Equatable, Sendable {
        /// The next append writes `afterBytes` of its bytes and fails with `errno`.
        case write(errno: Int32, afterBytes: Int)
        /// The next fsync of a file fails with `errno` and makes nothing durable.
        case sync(errno: Int32)
    }

    var files: [Int: FileData] = [:]
    var directories: [Int: DirectoryData] = [0: DirectoryData()]
    var nextID = 1
    var rng: SeededRandom
    /// Handles opened before the last crash are dead.
    var generation = 0
    var faults: [Fault] = []
    /// Mutating calls left before a crash in the middle of one (nil: no crash planned).
    public var crashCountdown: Int?
    /// True from a crash until `recoverFromCrash()`: every call fails.
    public private(set) var isCrashed = false
    /// Probability that an append or an fsync fails on its own (ENOSPC or EIO).
    public var randomFailureRate: Double = 0
    public private(set) var mutatingCalls = 0

    public init(seed: UInt64) {
        rng = SeededRandom(seed: seed)
    }

    /// Makes the next matching call fail.
    public func inject(_ fault: Fault) {
        faults.append(fault)
    }

    // MARK: - Paths

    static func components(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    func lookup(_ path: String) -> Node? {
        var node = Node.directory(0)
        for name in Self.components(path) {
            guard case .directory(let id) = node, let next = directories[id]?.current[name] else { return nil }
            node = next
        }
        return node
    }

    /// The directory holding `path`'s last component, and that name.
    func parent(_ path: String, operation: String) throws(StorageError) -> (Int, String) {
        var components = Self.components(path)
        guard let name = components.popLast() else { throw StorageError.io(operation: operation, path: path, errno: EINVAL) }
        guard case .directory(let id)? = lookup("/" + components.joined(separator: "/")) else {
            throw StorageError.io(operation: operation, path: path, errno: ENOENT)
        }
        return (id, name)
    }

    func change(_ directory: Int, _ group: [(name: String, node: Node?)]) {
        for (name, node) in group { directories[directory]?.current[name] = node }
        directories[directory]?.pending.append(group)
    }

    /// Counts a mutating call and crashes in it if its turn has come.
    func enter(_ operation: String, _ path: String) throws(StorageError) {
        guard !isCrashed else { throw StorageError.io(operation: operation, path: path, errno: EIO) }
        mutatingCalls += 1
        if let left = crashCountdown {
            if left <= 0 {
                isCrashed = true
                crashCountdown = nil
                throw StorageError.io(operation: operation, path: path, errno: EIO)
            }
            crashCountdown = left - 1
        }
    }

    func draw(_ bound: Int) -> Int {
        bound <= 0 ? 0 : Int(rng.next() % UInt64(bound))
    }

    // MARK: - FileSystem

    public func makeDirectory(_ path: String) throws(StorageError) {
        try enter("mkdir", path)
        if let existing = lookup(path) {
            guard case .directory = existing else { throw StorageError.io(operation: "mkdir", path: path, errno: ENOTDIR) }
            return
        }
        let (parent, name) = try parent(path, operation: "mkdir")
        let id = nextID
        nextID += 1
        directories[id] = DirectoryData()
        change(parent, [(name, .directory(id))])
    }

    public func list(_ directory: String) throws(StorageError) -> [String] {
        guard !isCrashed else { throw StorageError.io(operation: "opendir", path: directory, errno: EIO) }
        guard case .directory(let id)? = lookup(directory) else {
            throw StorageError.io(operation: "opendir", path: directory, errno: ENOENT)
        }
        return (directories[id]?.current.keys).map { $0.sorted() } ?? []
    }

    public func readAll(_ path: String, limit: Int) throws(StorageError) -> [UInt8]? {
        guard !isCrashed else { throw StorageError.io(operation: "read", path: path, errno: EIO) }
        guard let node = lookup(path) else { return nil }
        guard case .file(let id) = node, let data = files[id] else { throw StorageError.io(operation: "read", path: path, errno: EISDIR) }
        guard data.current.count <= limit else {
            throw StorageError.corrupt(path: path, offset: limit, reason: "file is larger than \(limit) bytes")
        }
        return data.current
    }

    public func openForAppend(_ path: String) throws(StorageError) -> any AppendFile {
        switch lookup(path) {
        case .file(let id)?:
            guard !isCrashed else { throw StorageError.io(operation: "open", path: path, errno: EIO) }
            return SimulatedFile(fileSystem: self, id: id, path: path, generation: generation)
        case .directory?:
            throw StorageError.io(operation: "open", path: path, errno: EISDIR)
        case nil:
            try enter("open", path)
            let (parent, name) = try parent(path, operation: "open")
            let id = nextID
            nextID += 1
            files[id] = FileData()
            change(parent, [(name, .file(id))])
            return SimulatedFile(fileSystem: self, id: id, path: path, generation: generation)
        }
    }

    public func rename(_ from: String, to: String) throws(StorageError) {
        try enter("rename", from)
        guard let node = lookup(from) else { throw StorageError.io(operation: "rename", path: from, errno: ENOENT) }
        let (source, oldName) = try parent(from, operation: "rename")
        let (target, newName) = try parent(to, operation: "rename")
        guard source == target else { throw StorageError.io(operation: "rename", path: from, errno: EXDEV) }
        change(source, [(oldName, nil), (newName, node)])
    }

    public func remove(_ path: String) throws(StorageError) {
        try enter("unlink", path)
        guard let node = lookup(path) else { return }
        guard case .file = node else { throw StorageError.io(operation: "unlink", path: path, errno: EISDIR) }
        let (parent, name) = try parent(path, operation: "unlink")
        change(parent, [(name, nil)])
    }

    public func syncDirectory(_ path: String) throws(StorageError) {
        try enter("fsync", path)
        guard case .directory(let id)? = lookup(path), var directory = directories[id] else {
            throw StorageError.io(operation: "open", path: path, errno: ENOENT)
        }
        directory.durable = directory.current
        directory.pending = []
        directories[id] = directory
    }

    // MARK: - Files

    func append(_ bytes: [UInt8], to id: Int, path: String) throws(StorageError) {
        if crashCountdown == 0 && !isCrashed {
            // The crash comes in the middle of the write.
            files[id]?.current += bytes.prefix(draw(bytes.count + 1))
        }
        try enter("write", path)
        var written = bytes.count
        var failure: Int32?
        if let at = faults.firstIndex(where: { if case .write = $0 { true } else { false } }),
           case .write(let code, let after) = faults[at] {
            faults.remove(at: at)
            written = min(max(after, 0), bytes.count)
            failure = code
        } else if randomFailureRate > 0 && rng.chance(randomFailureRate) {
            written = draw(bytes.count + 1)
            failure = ENOSPC
        }
        files[id]?.current += bytes.prefix(written)
        if let failure { throw StorageError.io(operation: "write", path: path, errno: failure) }
    }

    func sync(_ id: Int, path: String) throws(StorageError) {
        try enter("fsync", path)
        if let at = faults.firstIndex(where: { if case .sync = $0 { true } else { false } }), case .sync(let code) = faults[at] {
            faults.remove(at: at)
            throw StorageError.io(operation: "fsync", path: path, errno: code)
        }
        if randomFailureRate > 0 && rng.chance(randomFailureRate) {
            throw StorageError.io(operation: "fsync", path: path, errno: EIO)
        }
        if let current = files[id]?.current { files[id]?.durable = current }
    }

    func truncate(_ id: Int, to length: Int, path: String) throws(StorageError) {
        try enter("truncate", path)
        guard let current = files[id]?.current else { return }
        if length <= current.count {
            files[id]?.current = Array(current.prefix(length))
        } else {
            files[id]?.current = current + [UInt8](repeating: 0, count: length - current.count)
        }
    }

    func size(of id: Int) -> Int { files[id]?.current.count ?? 0 }

    // MARK: - Crash

    /// Power loss: what was not durable is lost or torn, as a real disk may do. Every open
    /// file handle is dead afterwards, and the disk works again.
    public func crash() {
        for (id, directory) in directories.sorted(by: { $0.key < $1.key }) {
            var entries = directory.durable
            let survive = draw(directory.pending.count + 1)
            for group in directory.pending.prefix(survive) {
                for (name, node) in group { entries[name] = node }
            }
            directories[id] = DirectoryData(durable: entries, current: entries, pending: [])
        }
        for (id, file) in files.sorted(by: { $0.key < $1.key }) {
            let surviving = survivor(of: file)
            files[id] = FileData(durable: surviving, current: surviving)
        }
        generation += 1
        isCrashed = false
        crashCountdown = nil
        faults = []
    }

    func survivor(of file: FileData) -> [UInt8] {
        let common = zip(file.durable, file.current).prefix { $0 == $1 }.count
        if file.current.count >= file.durable.count && common == file.durable.count {
            // Only appends since the last fsync: any prefix of them, perhaps torn.
            let unsynced = file.current.count - common
            let kept = draw(unsynced + 1)
            var result = Array(file.current.prefix(common + kept))
            if kept < unsynced && draw(4) == 0 {
                // The tail of the torn write: a few bytes of garbage.
                result += (0..<(1 + draw(16))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            }
            return result
        }
        // A truncation since the last fsync: it is lost, or it held with some of what followed.
        if draw(2) == 0 { return file.durable }
        return Array(file.current.prefix(common + draw(file.current.count - common + 1)))
    }
}

/// A handle on a `SimulatedFileSystem` file.
final class SimulatedFile: AppendFile {
    let fileSystem: SimulatedFileSystem
    let id: Int
    let path: String
    let generation: Int

    init(fileSystem: SimulatedFileSystem, id: Int, path: String, generation: Int) {
        self.fileSystem = fileSystem
        self.id = id
        self.path = path
        self.generation = generation
    }

    var size: Int { fileSystem.size(of: id) }

    func checkAlive(_ operation: String) throws(StorageError) {
        guard generation == fileSystem.generation else { throw StorageError.io(operation: operation, path: path, errno: EBADF) }
    }

    func append(_ bytes: [UInt8]) throws(StorageError) {
        try checkAlive("write")
        try fileSystem.append(bytes, to: id, path: path)
    }

    func sync() throws(StorageError) {
        try checkAlive("fsync")
        try fileSystem.sync(id, path: path)
    }

    func truncate(to length: Int) throws(StorageError) {
        try checkAlive("truncate")
        try fileSystem.truncate(id, to: length, path: path)
    }
}
