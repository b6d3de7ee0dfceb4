import NetworkModel
import Foundation
import Node
import Testing
import Wire

@Suite struct MonitorParserTests {
    static let stat1 = "cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 50 0 50 350 50 0 0 0 0 0\nintr 1 2 3\n"
    static let stat2 = "cpu  250 0 150 1300 200 0 0 0 0 0\ncpu0 1 1 1 1\n"
    static let meminfo = "MemTotal:        4000000 kB\nMemFree:          100000 kB\nMemAvailable:    3000000 kB\nBuffers: 1 kB\n"

    @Test func cpuBusyComesFromTheDeltaOfTwoReadings() throws {
        let a = try CPUTimes.parse(procStat: Self.stat1)
        let b = try CPUTimes.parse(procStat: Self.stat2)
        #expect(a == CPUTimes(busy: 200, idle: 800))
        // Δbusy 200 of Δtotal 900.
        #expect(try CPUTimes.busyPermille(from: a, to: b) == 222)
        #expect(try CPUTimes.busyPermille(from: a, to: a) == nil)
        #expect(throws: MonitorError.counterWentBackwards(file: "/proc/stat")) { try CPUTimes.busyPermille(from: b, to: a) }
    }

    @Test func oldKernelsWithFourCPUFieldsParse() throws {
        #expect(try CPUTimes.parse(procStat: "cpu 1 2 3 4\n") == CPUTimes(busy: 6, idle: 4))
    }

    @Test func badProcStatGivesTypedErrors() {
        #expect(throws: MonitorError.missingField(file: "/proc/stat", field: "cpu line")) { try CPUTimes.parse(procStat: "cpu0 1 2 3 4\n") }
        #expect(throws: MonitorError.malformed(file: "/proc/stat", field: "cpu line", text: "cpu 1 2 3")) { try CPUTimes.parse(procStat: "cpu 1 2 3\n") }
        #expect(throws: MonitorError.malformed(file: "/proc/stat", field: "cpu time", text: "-2")) { try CPUTimes.parse(procStat: "cpu 1 -2 3 4\n") }
        let huge = "cpu 18446744073709551615 18446744073709551615 1 1\n"
        #expect(throws: MonitorError.self) { try CPUTimes.parse(procStat: huge) }
        #expect(throws: MonitorError.self) { try CPUTimes.parse(procStat: "cpu 1 2 3 184467440737095516150\n") }
    }

    @Test func memInfoGivesTotalAndAvailable() throws {
        let memory = try HostMemory.parse(memInfo: Self.meminfo)
        #expect(memory == HostMemory(totalBytes: 4_000_000 * 1024, availableBytes: 3_000_000 * 1024))
        #expect(memory.usedBytes == 1_000_000 * 1024)
        #expect(throws: MonitorError.missingField(file: "/proc/meminfo", field: "MemAvailable")) { try HostMemory.parse(memInfo: "MemTotal: 1 kB\n") }
        #expect(throws: MonitorError.malformed(file: "/proc/meminfo", field: "MemTotal", text: "MemTotal: 1 MB")) { try HostMemory.parse(memInfo: "MemTotal: 1 MB\nMemAvailable: 1 kB\n") }
        #expect(throws: MonitorError.self) { try HostMemory.parse(memInfo: "MemTotal: 18446744073709551615 kB\nMemAvailable: 1 kB\n") }
    }

    @Test func cgroupV2Files() throws {
        #expect(try CgroupParse.cpuMax("max 100000\n") == nil)
        #expect(try CgroupParse.cpuMax("50000 100000\n") == 500)
        #expect(try CgroupParse.cpuMax("250000 100000") == 2_500)
        #expect(throws: MonitorError.self) { try CgroupParse.cpuMax("50000 0\n") }
        #expect(throws: MonitorError.self) { try CgroupParse.cpuMax("50000\n") }
        // Before: quota × 1000 overflowed, and the fallback trapped.
        #expect(try CgroupParse.cpuMax("18446744073709551615 1\n") == .max)
        #expect(try CgroupParse.cpuMax("18446744073709551615 100000\n") == 184_467_440_737_095_516)
        #expect(try CgroupParse.cfsQuota("18446744073709551615", period: "1") == .max)
        #expect(throws: MonitorError.self) { try CgroupParse.cpuMax("x 100000\n") }
        #expect(try CgroupParse.memoryMax("max\n") == nil)
        #expect(try CgroupParse.memoryMax("536870912\n") == 536_870_912)
        #expect(throws: MonitorError.malformed(file: "memory.max", field: "limit", text: "1G")) { try CgroupParse.memoryMax("1G\n") }
        #expect(try CgroupParse.bytes("12345\n", file: "memory.current") == 12_345)
    }

    @Test func cgroupV1Files() throws {
        #expect(try CgroupParse.cfsQuota("-1\n", period: "100000\n") == nil)
        #expect(try CgroupParse.cfsQuota("150000\n", period: "100000\n") == 1_500)
        #expect(throws: MonitorError.self) { try CgroupParse.cfsQuota("150000\n", period: "0\n") }
        #expect(throws: MonitorError.self) { try CgroupParse.cfsQuota("-5\n", period: "100000\n") }
        #expect(try CgroupParse.memoryLimitInBytes("9223372036854771712\n") == nil)
        #expect(try CgroupParse.memoryLimitInBytes("536870912\n") == 536_870_912)
    }

    @Test func injectedLoadsParseAndRefuseUnknownKeys() throws {
        #expect(try InjectedLoad.parse("cpu=300 memory=512\n") == InjectedLoad(cpuBusyPermille: 300, memoryUsedMiB: 512))
        #expect(try InjectedLoad.parse("cpu=0 memory=0 cores=2 capacity=1024") == InjectedLoad(cpuBusyPermille: 0, memoryUsedMiB: 0, cores: 2, capacityMiB: 1_024))
        #expect(throws: MonitorError.malformed(file: "injected load", field: "key", text: "cpus")) { try InjectedLoad.parse("cpus=3 memory=1") }
        #expect(throws: MonitorError.missingField(file: "injected load", field: "memory")) { try InjectedLoad.parse("cpu=3") }
        #expect(throws: MonitorError.self) { try InjectedLoad.parse("cpu=1001 memory=1") }
        #expect(throws: MonitorError.self) { try InjectedLoad.parse("cpu=1 memory=1 cores=0") }
    }

    /// Fuzz-like: 4,000 mutations (byte flips, insertions, deletions, cuts) of each valid
    /// file through every parser. Each call returns a value or a MonitorError; none traps.
    @Test func mutatedInputsNeverTrap() {
        var random = SeededRandom(seed: 14)
        let seeds = [Self.stat1, Self.meminfo, "max 100000\n", "50000 100000\n", "536870912\n", "-1\n", "cpu=300 memory=512 cores=2 capacity=1024\n"]
        let alphabet = Array("0123456789 \n-:=kBmaxcpu\u{0}\u{FF}é".utf8)
        var outcomes = 0
        for seed in seeds {
            for _ in 0..<4_000 {
                var bytes = Array(seed.utf8)
                for _ in 0..<Int(random.next() % 4 + 1) {
                    let at = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count))
                    switch random.next() % 4 {
                    case 0 where !bytes.isEmpty: bytes[at] = alphabet[Int(random.next() % UInt64(alphabet.count))]
                    case 1: bytes.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: at)
                    case 2 where !bytes.isEmpty: bytes.remove(at: at)
                    default: bytes = Array(bytes.prefix(at))
                    }
                }
                let text = String(decoding: bytes, as: UTF8.self)
                outcomes += (try? CPUTimes.parse(procStat: text)) == nil ? 1 : 0
                outcomes += (try? HostMemory.parse(memInfo: text)) == nil ? 1 : 0
                outcomes += (try? CgroupParse.cpuMax(text)) == nil ? 1 : 0
                outcomes += (try? CgroupParse.memoryMax(text)) == nil ? 1 : 0
                outcomes += (try? CgroupParse.cfsQuota(text, period: text)) == nil ? 1 : 0
                outcomes += (try? CgroupParse.memoryLimitInBytes(text)) == nil ? 1 : 0
                outcomes += (try? InjectedLoad.parse(text)) == nil ? 1 : 0
            }
        }
        #expect(outcomes > 0)
    }
}

/// The sampler on a fixture directory laid out like /proc and a cgroup.
@Suite struct WorkloadSamplerTests {
    static func fixture(_ files: [String: String]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("edgeraft-monitor-\(UUID().uuidString)").path
        for (name, text) in files {
            let path = dir + "/" + name
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        return dir
    }

    static let mib: UInt64 = 1 << 20

    @Test func aNodeInA512MiBCgroupHas512MiB() throws {
        let dir = try Self.fixture([
            "proc/stat": MonitorParserTests.stat1, "proc/meminfo": MonitorParserTests.meminfo,
            "sys/fs/cgroup/cgroup.controllers": "cpu memory\n", "sys/fs/cgroup/cpu.max": "150000 100000\n",
            "sys/fs/cgroup/memory.max": "536870912\n", "sys/fs/cgroup/memory.current": "134217728\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let paths = MonitorPaths.system(root: dir)
        #expect(paths.cgroupV2 == dir + "/sys/fs/cgroup")
        var sampler = WorkloadSampler(source: .measured(paths, hostCores: 4), periodMillis: 1_000, metric: .memory)
        try sampler.sample(nowMillis: 0)
        // One reading is no sample: a node that has not measured twice sends no report.
        #expect(sampler.report(nowMillis: 0, reserved: .none) == nil)
        try MonitorParserTests.stat2.write(toFile: dir + "/proc/stat", atomically: true, encoding: .utf8)
        try sampler.sample(nowMillis: 1_000)
        #expect(sampler.latest?.capacity == NodeCapacity(cpuMillicores: 1_500, memoryBytes: 512 * Self.mib))
        let report = try #require(sampler.report(nowMillis: 1_250, reserved: Reservation(cpuMillicores: 100, memoryMiB: 64, services: 1)))
        // 22.2 % of 4 cores = 888 millicores of the 1,500 the cgroup allows.
        #expect(report.cpuBusyPermille == 592)
        #expect(report.memoryUsedMiB == 128)
        #expect(report.loadPermille == 250, "memory metric: 128 of 512 MiB")
        #expect(report.freeCPUMillicores == 1_500 - 888 - 100)
        #expect(report.freeMemoryMiB == 512 - 128 - 64)
        #expect(report.sampleAgeMillis == 250)
    }

    @Test func cgroupV1LimitsApplyAndTheHostBoundsThem() throws {
        let dir = try Self.fixture([
            "proc/stat": MonitorParserTests.stat1, "proc/meminfo": MonitorParserTests.meminfo,
            "sys/fs/cgroup/cpu/cpu.cfs_quota_us": "800000\n", "sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n",
            "sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let paths = MonitorPaths.system(root: dir)
        #expect(paths.cgroupV2 == nil && paths.cgroupV1CPU != nil && paths.cgroupV1Memory != nil)
        let limits = try MonitorFiles.cgroupLimits(paths)
        #expect(limits == CgroupLimits(cpuMillicores: 8_000, memoryBytes: nil))
        let capacity = NodeCapacity.effective(hostCores: 4, hostMemory: try HostMemory.parse(memInfo: MonitorParserTests.meminfo), cgroup: limits)
        #expect(capacity == NodeCapacity(cpuMillicores: 4_000, memoryBytes: 4_000_000 * 1024))
    }

    @Test func aFailedReadKeepsTheOldSampleWhichAgesOut() throws {
        let dir = try Self.fixture(["load": "cpu=100 memory=256\n"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var sampler = WorkloadSampler(source: .injectedFile(dir + "/load"), periodMillis: 500, metric: .cpu)
        #expect(try sampler.sampleIfDue(nowMillis: 0))
        #expect(try !sampler.sampleIfDue(nowMillis: 499))
        #expect(sampler.report(nowMillis: 0, reserved: .none)?.cpuBusyPermille == 100)
        try "cpu=700 memory=256\n".write(toFile: dir + "/load", atomically: true, encoding: .utf8)
        #expect(try sampler.sampleIfDue(nowMillis: 500))
        #expect(sampler.report(nowMillis: 500, reserved: .none)?.cpuBusyPermille == 700)
        try FileManager.default.removeItem(atPath: dir + "/load")
        #expect(throws: MonitorError.self) { try sampler.sampleIfDue(nowMillis: 1_000) }
        let stale = try #require(sampler.report(nowMillis: 9_000, reserved: .none))
        #expect(stale.sampleAgeMillis == 8_500)
        #expect(!Candidate(node: 1, report: stale).isFresh(PlacementPolicy(maxReportAgeMillis: 5_000)))
    }

    @Test func freeCapacityNeverGoesBelowZero() {
        let report = WorkloadReport.from(
            usage: UsageSample(cpuBusyPermille: 1000, memoryUsedBytes: 5_000 * Self.mib), hostCPUMillicores: 2_000,
            capacity: NodeCapacity(cpuMillicores: 2_000, memoryBytes: 4_096 * Self.mib),
            reserved: Reservation(cpuMillicores: .max, memoryMiB: .max, services: 1), metric: .weighted(cpuWeightPermille: 500), sampleAgeMillis: 0)
        #expect(report.freeCPUMillicores == 0 && report.freeMemoryMiB == 0)
        #expect(report.cpuBusyPermille == 1000 && report.loadPermille == 1000)
    }

    @Test func theSystemMonitorReadsThisMachine() throws {
        var sampler = WorkloadSampler(source: .measured(.system(), hostCores: WorkloadSampler.onlineCores), periodMillis: 1, metric: .cpu)
        try sampler.sample(nowMillis: 0)
        usleep(50_000)  // a few clock ticks, so that the two readings differ
        try sampler.sample(nowMillis: 100)
        let report = try #require(sampler.report(nowMillis: 100, reserved: .none))
        #expect(report.memoryUsedMiB > 0)
    }
}

@Suite struct CgroupHierarchyTests {
    @Test func theOwnCgroupComesFromProcSelfCgroup() throws {
        #expect(try CgroupParse.ownV2Path("0::/system.slice/edgeraft.service\n") == "/system.slice/edgeraft.service")
        #expect(try CgroupParse.ownV2Path("12:memory:/x\n11:cpu:/y\n") == nil)
        #expect(throws: MonitorError.self) { try CgroupParse.ownV2Path("0::/a/../../etc\n") }
        #expect(throws: MonitorError.self) { try CgroupParse.ownV2Path("0::relative\n") }
    }

    /// A limit on a parent cgroup binds the node's own cgroup below it: the tightest wins.
    @Test func theTightestLimitFromTheOwnCgroupUpToTheMountWins() throws {
        let dir = try WorkloadSamplerTests.fixture([
            "proc/stat": MonitorParserTests.stat1, "proc/meminfo": MonitorParserTests.meminfo,
            "proc/self/cgroup": "0::/edge.slice/node.service\n",
            "sys/fs/cgroup/cgroup.controllers": "cpu memory\n",
            "sys/fs/cgroup/edge.slice/memory.max": "536870912\n", "sys/fs/cgroup/edge.slice/cpu.max": "max 100000\n",
            "sys/fs/cgroup/edge.slice/node.service/memory.max": "max\n", "sys/fs/cgroup/edge.slice/node.service/cpu.max": "200000 100000\n",
            "sys/fs/cgroup/edge.slice/node.service/memory.current": "1048576\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let paths = MonitorPaths.system(root: dir)
        #expect(paths.cgroupV2 == dir + "/sys/fs/cgroup/edge.slice/node.service")
        #expect(try MonitorFiles.cgroupLimits(paths) == CgroupLimits(cpuMillicores: 2_000, memoryBytes: 536_870_912, memoryUsedBytes: 1_048_576))
    }
}

/// Memory "used" is the node's own cgroup's, page cache taken off — not the controller
/// root's (a v1 host once showed 8.5 GiB used for a node in a 512 MiB cgroup).
@Suite struct CgroupMemoryUsedTests {
    static let gib: UInt64 = 1 << 30, mib: UInt64 = 1 << 20

    @Test func theOwnV1CgroupComesFromProcSelfCgroup() throws {
        let text = "12:cpu,cpuacct:/edge.slice/node.service\n11:memory:/edge.slice/node.service\n1:name=systemd:/x\n0::/\n"
        #expect(try CgroupParse.ownV1Path(text, controller: "memory") == "/edge.slice/node.service")
        #expect(try CgroupParse.ownV1Path(text, controller: "cpu") == "/edge.slice/node.service")
        #expect(try CgroupParse.ownV1Path("0::/a\n", controller: "memory") == nil)
        #expect(throws: MonitorError.self) { try CgroupParse.ownV1Path("4:memory:/a/../b\n", controller: "memory") }
        #expect(try CgroupParse.inactiveFileBytes(memoryStat: "cache 5\ntotal_inactive_file 4096\n", key: "total_inactive_file") == 4_096)
        #expect(try CgroupParse.inactiveFileBytes(memoryStat: "inactive_file 1\n", key: "total_inactive_file") == nil)
        #expect(throws: MonitorError.self) { try CgroupParse.inactiveFileBytes(memoryStat: "inactive_file x\n", key: "inactive_file") }
    }

    @Test func v1ReadsTheNodesOwnCgroupWithoutPageCache() throws {
        let dir = try WorkloadSamplerTests.fixture([
            "proc/stat": MonitorParserTests.stat1, "proc/meminfo": MonitorParserTests.meminfo,
            "proc/self/cgroup": "5:memory:/edge/node\n4:cpu,cpuacct:/edge/node\n",
            "sys/fs/cgroup/cpu/cpu.cfs_quota_us": "-1\n", "sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n",
            "sys/fs/cgroup/cpu/edge/node/cpu.cfs_quota_us": "50000\n", "sys/fs/cgroup/cpu/edge/node/cpu.cfs_period_us": "100000\n",
            "sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n",
            "sys/fs/cgroup/memory/memory.usage_in_bytes": "\(8 * Self.gib + Self.gib / 2)\n",
            "sys/fs/cgroup/memory/edge/node/memory.limit_in_bytes": "\(512 * Self.mib)\n",
            "sys/fs/cgroup/memory/edge/node/memory.usage_in_bytes": "\(300 * Self.mib)\n",
            "sys/fs/cgroup/memory/edge/node/memory.stat": "cache \(150 * Self.mib)\ninactive_file 1\ntotal_inactive_file \(100 * Self.mib)\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let paths = MonitorPaths.system(root: dir)
        #expect(paths.cgroupV1Memory == dir + "/sys/fs/cgroup/memory/edge/node")
        #expect(paths.cgroupV1CPU == dir + "/sys/fs/cgroup/cpu/edge/node")
        let limits = try MonitorFiles.cgroupLimits(paths)
        #expect(limits == CgroupLimits(cpuMillicores: 500, memoryBytes: 512 * Self.mib, memoryUsedBytes: 200 * Self.mib))
        let host = try HostMemory.parse(memInfo: MonitorParserTests.meminfo)
        #expect(limits.memoryUsed(host: host) == 200 * Self.mib)
    }

    @Test func v2TakesInactiveFilePagesOff() throws {
        let dir = try WorkloadSamplerTests.fixture([
            "proc/stat": MonitorParserTests.stat1, "proc/meminfo": MonitorParserTests.meminfo,
            "sys/fs/cgroup/cgroup.controllers": "cpu memory\n", "sys/fs/cgroup/memory.max": "\(512 * Self.mib)\n",
            "sys/fs/cgroup/memory.current": "\(300 * Self.mib)\n",
            "sys/fs/cgroup/memory.stat": "anon 1\nactive_file 2\ninactive_file \(120 * Self.mib)\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try MonitorFiles.cgroupLimits(.system(root: dir)).memoryUsedBytes == 180 * Self.mib)
    }

    /// Without a memory limit the cgroup's usage may be the whole machine's: the host's
    /// MemTotal − MemAvailable counts instead.
    @Test func withoutALimitTheHostsFigureCounts() throws {
        let dir = try WorkloadSamplerTests.fixture([
            "proc/stat": MonitorParserTests.stat1, "proc/meminfo": MonitorParserTests.meminfo,
            "sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n",
            "sys/fs/cgroup/memory/memory.usage_in_bytes": "\(8 * Self.gib)\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var sampler = WorkloadSampler(source: .measured(.system(root: dir), hostCores: 4), periodMillis: 1_000, metric: .memory)
        try sampler.sample(nowMillis: 0)
        try MonitorParserTests.stat2.write(toFile: dir + "/proc/stat", atomically: true, encoding: .utf8)
        try sampler.sample(nowMillis: 1_000)
        #expect(sampler.latest?.usage.memoryUsedBytes == 1_000_000 * 1024)
    }
}
