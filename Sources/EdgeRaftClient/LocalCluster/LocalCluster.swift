#if canImport(Glibc)
import Glibc
#endif
import ClientAPI
import Foundation
import Node
import Transport

/// `edgeraft cluster up` / `down`: real node processes on loopback, one directory each
/// (`D/node-N/`: config.yaml, node.key, data/, node.log), a token for the gateways
/// (`D/token`) and the record of what runs (`D/cluster.json`).
public enum LocalCluster {
    public static let defaultDirectory = ".edgeraft-cluster"
    public static let startTimeoutSeconds = 30
    /// How long `down` waits after SIGTERM before SIGKILL.
    public static let stopGraceSeconds = 5.0

    // MARK: up

    /// Creates and starts the cluster, then waits until `ClusterReadiness` says every node
    /// is ready, calling `progress` with the line to show whenever it changes. On a node
    /// that exits, or after the timeout, stops every node it started and throws.
    public static func up(
        _ options: LocalClusterPlan.Options, executable: String, reset: Bool = false, session: APISession,
        timeoutSeconds: Int = startTimeoutSeconds, progress: (String) -> Void = { _ in }
    ) async throws(LocalClusterError) -> ClusterRecord {
        try prepare(directory: options.directory, reset: reset)
        let ports: (udp: [UInt16], tcp: [UInt16])
        do { ports = try FreePorts.pick(udp: options.nodes, tcp: options.gateways) } catch { throw .ports(error) }
        let plan: LocalClusterPlan
        do {
            plan = try LocalClusterPlan(options: options, clusterID: UInt16.random(in: 1...UInt16.max), udpPorts: ports.udp, gatewayPorts: ports.tcp)
        } catch { throw .plan(error) }
        try writeFiles(plan)

        var record = ClusterRecord(
            directory: options.directory, clusterId: plan.clusterID, mode: modeName(options.mode), engine: options.engine.rawValue,
            tokenFile: plan.tokenPath, gateways: plan.gateways.compactMap(\.gatewayListen), nodes: [])
        var children: [(UInt16, ChildProcess)] = []
        do throws(LocalClusterError) {
            for node in plan.nodes {
                let child = try spawnNode(node, executable: executable)
                children.append((node.id, child))
                // Recorded at once, so that `cluster down` (or a Ctrl-C handler) finds every
                // node even if this process dies while the others start.
                record.nodes.append(
                    ClusterRecord.Node(
                        id: node.id, pid: child.pid, listen: node.listen, gateway: node.gatewayListen, config: node.configPath,
                        dataDir: node.dataDirectory, log: node.logPath))
                do { try record.write(directory: options.directory) } catch { throw .record(error) }
            }
            try await waitUntilReady(plan, children: children, session: session, timeoutSeconds: timeoutSeconds, progress: progress)
        } catch {
            _ = terminate(children.map { (id: $0.0, pid: $0.1.pid) })
            try? FileManager.default.removeItem(atPath: plan.recordPath)
            throw error
        }
        return record
    }

    static func modeName(_ mode: NodeConfig.Mode) -> String {
        switch mode {
        case .stable: "stable"
        case .onDemand: "on-demand"
        }
    }

    private static func prepare(directory: String, reset: Bool) throws(LocalClusterError) {
        let files = FileManager.default
        do {
            try files.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch { throw .directory(path: directory, reason: error.localizedDescription) }
        if let record = try? ClusterRecord.read(directory: directory) {
            let alive = record.nodes.filter { !NodeProcessCheck.isGone($0.pid) && isRecordedNode($0) }.map(\.pid)
            if !alive.isEmpty { throw .alreadyRunning(directory: directory, pids: alive) }
        }
        let entries = (try? files.contentsOfDirectory(atPath: directory)) ?? []
        let ours = entries.filter { $0 == "token" || $0 == ClusterRecord.fileName || $0.hasPrefix("node-") }
        guard !ours.isEmpty else { return }
        guard reset else { throw .leftovers(directory: directory) }
        for entry in ours {
            do { try files.removeItem(atPath: directory + "/" + entry) } catch {
                throw .directory(path: directory + "/" + entry, reason: error.localizedDescription)
            }
        }
    }

    private static func writeFiles(_ plan: LocalClusterPlan) throws(LocalClusterError) {
        var publicKeys: [UInt16: String] = [:]
        for node in plan.nodes {
            do {
                try FileManager.default.createDirectory(
                    atPath: node.dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch { throw .directory(path: node.directory, reason: error.localizedDescription) }
            if !plan.options.insecure {
                do { publicKeys[node.id] = try NodeIdentity.create(at: node.keyPath).publicKey.description } catch { throw .key(error) }
            }
        }
        try writeSecret(Array((randomHex(bytes: 32) + "\n").utf8), to: plan.tokenPath)
        for node in plan.nodes {
            try writeSecret(Array(plan.configYAML(for: node, publicKeys: publicKeys).utf8), to: node.configPath)
        }
    }

    /// Mode 0600, never over an existing file.
    private static func writeSecret(_ bytes: [UInt8], to path: String) throws(LocalClusterError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw .directory(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        _ = fchmod(fd, 0o600)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw .directory(path: path, reason: String(cString: strerror(errno))) }
    }

    static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in
            let byte = UInt8.random(in: 0...255, using: &generator)
            return (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }.joined()
    }

    private static func spawnNode(_ node: LocalClusterPlan.NodePlan, executable: String) throws(LocalClusterError) -> ChildProcess {
        do { return try ChildProcess.spawn([executable, "node", "--config", node.configPath], logPath: node.logPath) } catch { throw .spawn(error) }
    }

    private static func waitUntilReady(
        _ plan: LocalClusterPlan, children: [(UInt16, ChildProcess)], session: APISession, timeoutSeconds: Int, progress: (String) -> Void
    ) async throws(LocalClusterError) {
        let token = (try? String(contentsOfFile: plan.tokenPath, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        let started = Date()
        var lastLine = ""
        var ready: Set<UInt16> = []
        while true {
            var observations: [ClusterReadiness.Observation] = []
            for (id, child) in children {
                if let status = child.exitStatusIfEnded() {
                    let node = plan.nodes[Int(id) - 1]
                    throw .nodeExited(logTail(node: id, path: node.logPath), status: status.description)
                }
                let node = plan.nodes[Int(id) - 1]
                var observation = ClusterReadiness.Observation(id: id, running: true, isGateway: node.gatewayPort != nil)
                if let listen = node.gatewayListen, let address = try? GatewayAddress(parsing: listen) {
                    var client = session.client(gateway: address, token: token)
                    // Short: a gateway not listening yet is only known when the deadline passes (the
                    // HTTP client retries a refused connection until then).
                    client.requestTimeoutMillis = 400
                    observation.healthy = (try? await client.health()) != nil
                    if observation.healthy { observation.view = try? await client.cluster() }
                }
                observations.append(observation)
            }
            ready = ClusterReadiness.readyNodes(mode: plan.options.mode, observations)
            let line = "starting \(plan.nodes.count) nodes: \(ready.count)/\(plan.nodes.count) ready"
            if line != lastLine {
                progress(line)
                lastLine = line
            }
            if ready.count == plan.nodes.count { return }
            if Date().timeIntervalSince(started) > Double(timeoutSeconds) {
                let tails = plan.nodes.filter { !ready.contains($0.id) }.prefix(3).map { logTail(node: $0.id, path: $0.logPath) }
                throw .timedOut(seconds: timeoutSeconds, ready: ready.count, of: plan.nodes.count, tails: Array(tails))
            }
            try? await Task.sleep(nanoseconds: 150_000_000)
        }
    }

    /// The last lines of a node's log, read from its end (a log can be large).
    static func logTail(node: UInt16, path: String, lines: Int = 12) -> LocalClusterError.LogTail {
        guard let handle = FileHandle(forReadingAtPath: path) else { return .init(node: node, path: path, lines: ["(no log)"]) }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 8192 ? size - 8192 : 0)
        let data = (try? handle.readToEnd()) ?? Data()
        let text = String(decoding: data, as: UTF8.self)
        let all = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        return .init(node: node, path: path, lines: Array(all.suffix(lines)))
    }

    // MARK: down

    public struct DownReport: Equatable, Sendable {
        /// One line per recorded node: what happened to it.
        public var lines: [String]
        public var stopped: Int
    }

    /// Stops every node `D/cluster.json` records — each only after checking that its pid
    /// still runs `edgeraft node --config D/node-N/config.yaml` — then removes the record.
    /// The data directories and logs stay (`edgeraft log --data-dir D/node-N/data`).
    public static func down(directory: String, graceSeconds: Double = stopGraceSeconds) throws(LocalClusterError) -> DownReport {
        let record: ClusterRecord
        do { record = try ClusterRecord.read(directory: directory) } catch { throw .record(error) }
        var lines: [String] = []
        var targets: [(id: UInt16, pid: Int32)] = []
        for node in record.nodes.sorted(by: { $0.id < $1.id }) {
            if NodeProcessCheck.isGone(node.pid) {
                lines.append("node \(node.id) (pid \(node.pid)) had stopped already")
            } else if !isRecordedNode(node) {
                lines.append("node \(node.id): pid \(node.pid) is no longer its process (another program has that pid now); left it alone")
            } else {
                targets.append((node.id, node.pid))
            }
        }
        let killed = terminate(targets, graceSeconds: graceSeconds)
        for target in targets {
            if let forced = killed[target.id] {
                lines.append(forced ? "stopped node \(target.id) (pid \(target.pid)) with SIGKILL: it ignored SIGTERM for \(String(format: "%g", graceSeconds)) s" : "stopped node \(target.id) (pid \(target.pid))")
            } else {
                lines.append("node \(target.id) (pid \(target.pid)) is still running after SIGKILL")
            }
        }
        try? FileManager.default.removeItem(atPath: directory + "/" + ClusterRecord.fileName)
        return DownReport(lines: lines, stopped: killed.count)
    }

    static func isRecordedNode(_ node: ClusterRecord.Node) -> Bool {
        guard let cmdline = NodeProcessCheck.cmdline(of: node.pid) else { return false }
        return NodeProcessCheck.isNode(cmdline: cmdline, configPath: node.config)
    }

    /// SIGTERM to each process group, SIGKILL to those still there after the grace period.
    /// Returns, per stopped id, whether it took SIGKILL; an id missing is still running.
    static func terminate(_ targets: [(id: UInt16, pid: Int32)], graceSeconds: Double = stopGraceSeconds) -> [UInt16: Bool] {
        var result: [UInt16: Bool] = [:]
        for target in targets { kill(-target.pid, SIGTERM) }
        var waiting = targets
        let started = Date()
        while !waiting.isEmpty, Date().timeIntervalSince(started) < graceSeconds {
            waiting.removeAll { target in
                guard NodeProcessCheck.isGone(target.pid) else { return false }
                result[target.id] = false
                return true
            }
            if !waiting.isEmpty { usleep(20_000) }
        }
        for target in waiting { kill(-target.pid, SIGKILL) }
        let killedAt = Date()
        while !waiting.isEmpty, Date().timeIntervalSince(killedAt) < 2 {
            waiting.removeAll { target in
                guard NodeProcessCheck.isGone(target.pid) else { return false }
                result[target.id] = true
                return true
            }
            if !waiting.isEmpty { usleep(20_000) }
        }
        return result
    }
}

extension LocalCluster {
    /// This program's own executable, so that the nodes run the same build as the CLI.
    public static func currentExecutable() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return CommandLine.arguments.first ?? "edgeraft" }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `path` made absolute against the working directory, without a trailing slash.
    public static func absolute(_ path: String) -> String {
        let joined = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return URL(fileURLWithPath: joined).standardizedFileURL.path
    }
}
