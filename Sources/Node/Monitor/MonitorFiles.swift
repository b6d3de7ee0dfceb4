#if canImport(Glibc)
import Glibc
#endif

/// Where the monitor reads from. Everything is a path so that tests point it at a fixture
/// directory; `nil` means "this node has none" (no cgroup of that version).
public struct MonitorPaths: Equatable, Sendable {
    public var procStat: String
    public var procMeminfo: String
    /// The node's own cgroup v2 directory (with cpu.max, memory.max, memory.current).
    public var cgroupV2: String?
    /// Where the v2 hierarchy is mounted: limits are read from `cgroupV2` up to here, since
    /// a parent's limit binds its children too. Nil: only `cgroupV2` itself.
    public var cgroupV2Mount: String?
    /// cgroup v1 controller directories.
    public var cgroupV1CPU: String?
    public var cgroupV1Memory: String?

    public init(
        procStat: String, procMeminfo: String, cgroupV2: String? = nil, cgroupV2Mount: String? = nil,
        cgroupV1CPU: String? = nil, cgroupV1Memory: String? = nil
    ) {
        self.procStat = procStat
        self.procMeminfo = procMeminfo
        self.cgroupV2 = cgroupV2
        self.cgroupV2Mount = cgroupV2Mount
        self.cgroupV1CPU = cgroupV1CPU
        self.cgroupV1Memory = cgroupV1Memory
    }

    /// This machine's files under `root` ("/" normally): v2 when the unified hierarchy is
    /// mounted at sys/fs/cgroup (the node's own cgroup from proc/self/cgroup, else the
    /// mount itself, as inside a container), else v1's cpu and memory controllers.
    public static func system(root: String = "/") -> MonitorPaths {
        let base = root.hasSuffix("/") ? root : root + "/"
        var paths = MonitorPaths(procStat: base + "proc/stat", procMeminfo: base + "proc/meminfo")
        let cgroup = base + "sys/fs/cgroup"
        if MonitorFiles.exists(cgroup + "/cgroup.controllers") {
            paths.cgroupV2Mount = cgroup
            paths.cgroupV2 = cgroup
            let own = (try? MonitorFiles.read(base + "proc/self/cgroup")).flatMap { try? CgroupParse.ownV2Path($0) }
            if let own, own != "/", MonitorFiles.exists(cgroup + own) { paths.cgroupV2 = cgroup + own }
        } else {
            let ownCgroups = (try? MonitorFiles.read(base + "proc/self/cgroup")) ?? ""
            paths.cgroupV1CPU = v1Directory(cgroup + "/cpu", controller: "cpu", marker: "cpu.cfs_quota_us", ownCgroups: ownCgroups)
            paths.cgroupV1Memory = v1Directory(cgroup + "/memory", controller: "memory", marker: "memory.limit_in_bytes", ownCgroups: ownCgroups)
        }
        return paths
    }

    /// A v1 controller's directory for this process: its own cgroup below the controller's
    /// mount (from /proc/self/cgroup), else the mount itself (as inside a container, where
    /// the listed path is not visible); nil without the controller.
    static func v1Directory(_ mount: String, controller: String, marker: String, ownCgroups: String) -> String? {
        guard MonitorFiles.exists(mount + "/" + marker) else { return nil }
        if let own = try? CgroupParse.ownV1Path(ownCgroups, controller: controller), own != "/",
            MonitorFiles.exists(mount + own + "/" + marker) {
            return mount + own
        }
        return mount
    }
}

/// Reads small text files without Foundation, each capped (no monitor file is anywhere
/// near 64 KiB; /proc/stat on a 256-core host is about 30 KiB).
public enum MonitorFiles {
    public static let maxBytes = 64 * 1024

    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    public static func read(_ path: String, limit: Int = maxBytes) throws(MonitorError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .unreadable(file: path, errno: errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadable(file: path, errno: errno)
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk.prefix(count))
            guard bytes.count <= limit else { throw .tooLarge(file: path, limit: limit) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `dir` and its parents up to and including `mount` (only `dir` when it is not below it).
    static func v2Ancestry(from dir: String, mount: String?) -> [String] {
        guard let mount, dir.hasPrefix(mount) else { return [dir] }
        var dirs = [dir]
        var current = Substring(dir)
        while current.count > mount.count, let slash = current.lastIndex(of: "/") {
            current = current[..<slash]
            if current.count >= mount.count { dirs.append(String(current)) }
        }
        return dirs
    }

    /// Reads the cgroup limits the paths name; a node with none has none.
    public static func cgroupLimits(_ paths: MonitorPaths) throws(MonitorError) -> CgroupLimits {
        if let v2 = paths.cgroupV2 {
            var limits = CgroupLimits(
                memoryUsedBytes: try usedWithoutPageCache(v2, usageFile: "memory.current", inactiveKey: "inactive_file"))
            for dir in v2Ancestry(from: v2, mount: paths.cgroupV2Mount) {
                if exists(dir + "/cpu.max"), let cpu = try CgroupParse.cpuMax(read(dir + "/cpu.max")) {
                    limits.cpuMillicores = min(limits.cpuMillicores ?? cpu, cpu)
                }
                if exists(dir + "/memory.max"), let memory = try CgroupParse.memoryMax(read(dir + "/memory.max")) {
                    limits.memoryBytes = min(limits.memoryBytes ?? memory, memory)
                }
            }
            return limits
        }
        var limits = CgroupLimits.none
        if let cpu = paths.cgroupV1CPU {
            limits.cpuMillicores = try CgroupParse.cfsQuota(read(cpu + "/cpu.cfs_quota_us"), period: read(cpu + "/cpu.cfs_period_us"))
        }
        if let memory = paths.cgroupV1Memory {
            limits.memoryBytes = try CgroupParse.memoryLimitInBytes(read(memory + "/memory.limit_in_bytes"))
            limits.memoryUsedBytes = try usedWithoutPageCache(memory, usageFile: "memory.usage_in_bytes", inactiveKey: "total_inactive_file")
        }
        return limits
    }

    /// The cgroup's usage minus the inactive file pages memory.stat lists (the kernel
    /// reclaims those before it fails an allocation); nil without the usage file.
    static func usedWithoutPageCache(_ dir: String, usageFile: String, inactiveKey: String) throws(MonitorError) -> UInt64? {
        guard exists(dir + "/" + usageFile) else { return nil }
        let usage = try CgroupParse.bytes(read(dir + "/" + usageFile), file: usageFile)
        guard exists(dir + "/memory.stat"),
            let inactive = try CgroupParse.inactiveFileBytes(memoryStat: read(dir + "/memory.stat"), key: inactiveKey)
        else { return usage }
        return usage > inactive ? usage - inactive : 0
    }
}
