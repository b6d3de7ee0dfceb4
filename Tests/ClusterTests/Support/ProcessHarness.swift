#if canImport(Glibc)
import Glibc
#endif
import EdgeRaftClient
import Foundation
import Synchronization

/// Real child processes for a test: a temporary directory of its own, every child in its
/// own process group, and all of them killed (SIGKILL to each group) and the directory
/// removed when the harness goes away — `deinit` runs even when the test fails or throws.
final class ProcessHarness: Sendable {
    let root: String
    private let pids = Mutex<[Int32]>([])

    init() throws {
        var template = Array((FileManager.default.temporaryDirectory.path + "/edgeraft-test-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw HarnessError("mkdtemp: \(String(cString: strerror(errno)))") }
        root = String(cString: made)
    }

    deinit {
        killAll()
        try? FileManager.default.removeItem(atPath: root)
    }

    struct HarnessError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// The `edgeraft` executable `swift build` / `swift test` made: beside the test bundle,
    /// or in the package's `.build/debug`; `EDGERAFT_BINARY` overrides both.
    static let edgeraftBinary: String = {
        if let path = ProcessInfo.processInfo.environment["EDGERAFT_BINARY"] { return path }
        var candidates: [String] = []
        let exe = LocalCluster.currentExecutable()
        var directory = URL(fileURLWithPath: exe).deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(directory.appendingPathComponent("edgeraft").path)
            directory = directory.deletingLastPathComponent()
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        candidates.append(packageRoot.appendingPathComponent(".build/debug/edgeraft").path)
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[candidates.count - 1]
    }()

    func path(_ relative: String) -> String { root + "/" + relative }

    /// Starts a child the harness will kill; output to `log` under the root.
    @discardableResult
    func spawn(_ arguments: [String], log: String = "child.log") throws -> ChildProcess {
        let child = try ChildProcess.spawn(arguments, logPath: path(log))
        adopt(child.pid)
        return child
    }

    /// Makes the harness kill this process group in teardown too (nodes `cluster up` started).
    func adopt(_ pid: Int32) { pids.withLock { $0.append(pid) } }

    func adopt(_ record: ClusterRecord) { for node in record.nodes { adopt(node.pid) } }

    func killAll() {
        let all = pids.withLock { pids in
            defer { pids.removeAll() }
            return pids
        }
        for pid in all { kill(-pid, SIGKILL) }
        for pid in all {
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
        }
    }

    struct Run: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `edgeraft ARGS…` to its end and returns what it printed.
    func edgeraft(_ arguments: [String], environment: [String: String]? = nil) throws -> Run {
        try run([Self.edgeraftBinary] + arguments, environment: environment)
    }

    func run(_ arguments: [String], environment: [String: String]? = nil) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        if let environment { process.environment = environment }
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        // Files, not pipes: a chatty child can never block on a full pipe.
        let name = "run-\(UInt32.random(in: 0...UInt32.max))"
        FileManager.default.createFile(atPath: path(name + ".out"), contents: nil)
        FileManager.default.createFile(atPath: path(name + ".err"), contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: path(name + ".out")))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: path(name + ".err")))
        defer {
            try? out.close()
            try? err.close()
        }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let stdout = (try? String(contentsOfFile: path(name + ".out"), encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: path(name + ".err"), encoding: .utf8)) ?? ""
        return Run(status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }

    /// Whether a process with this pid still runs (a zombie does not).
    static func isRunning(_ pid: Int32) -> Bool { !NodeProcessCheck.isGone(pid) }
}
