import ClientAPI
import Dispatch
import Foundation
import Logging
import Node
import Transport
import Wire

/// One deploy end to end: N real nodes in this process (each its own daemon thread, UDP
/// socket on loopback, sealed sessions, write-ahead log on disk, dry-run engine), requests
/// sent one after another to the gateways in turn. Latency is the gateway's: from the
/// request to the answer once the outcome is committed. Bytes are every datagram above UDP
/// that all nodes sent, per decision, beside the idle rate measured first.
public enum DeployBenchmark {
    public struct Options: Sendable {
        public var nodes = 6
        public var gateways = 3
        public var mode: NodeConfig.Mode = .stable
        public var requests = 200
        public var link: String?
        public var idleSeconds = 2.0
        /// Requests before the measured ones (sessions form during these).
        public var warmUp = 6
        public var logLevel: Logger.Level = .warning

        public init() {}
    }

    public struct Result: Sendable {
        public var latencies: [UInt64] = []
        public var phases: [PhaseTable] = []
        public var idleBytesPerSecond: Double = 0
        public var idleDatagramsPerSecond: Double = 0
        public var bytesPerDecision: Double = 0
        public var datagramsPerDecision: Double = 0
        public var seconds: Double = 0
        public var failures: [String] = []
        /// Messages the nodes sent during the measured requests, by kind, per decision.
        public var messagesPerDecision: [(kind: String, count: Double, bytes: Double)] = []
    }

    public static func run(_ options: Options, progress: @escaping @Sendable (String) -> Void) throws -> Result {
        let directory = NSTemporaryDirectory() + "edgeraft-bench-deploy-\(getpid())"
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let ids = (1...options.nodes).map { NodeID($0) }
        var keys: [NodeID: String] = [:]
        var ports: [NodeID: UInt16] = [:]
        for id in ids {
            keys[id] = try NodeIdentity.create(at: "\(directory)/node-\(id).key").publicKey.description
            ports[id] = try freeUDPPort()
        }
        var logger = Logger(label: "edgeraft.bench") { _ in ElapsedLogHandler() }
        logger.logLevel = options.logLevel
        var nodes: [NodeID: NodeDaemonLauncher.RunningNode] = [:]
        for id in ids {
            var config = NodeConfig(
                nodeID: id, clusterID: 9, listen: "127.0.0.1:\(ports[id] ?? 0)",
                peers: ids.filter { $0 != id }.map { NodeConfig.Peer(id: $0, address: "127.0.0.1:\(ports[$0] ?? 0)", publicKeyHex: keys[$0]) },
                dataDirectory: "\(directory)/node-\(id)")
            config.privateKeyFile = "\(directory)/node-\(id).key"
            config.mode = options.mode
            config.engine = .dryRun
            config.linkEmulation = options.link
            // Distinct loads, so that placement has a real choice to make.
            config.injectedLoad = "cpu=\(100 + 100 * Int(id)) memory=\(256 * Int(id)) cores=4 capacity=4096"
            config.samplePeriodMillis = 100
            config.tickMillis = NodeConfigLoader.defaultTickMillis(link: options.link)
            nodes[id] = try NodeDaemonLauncher.start(config: config, logger: logger)
        }
        defer { for node in nodes.values { node.stop() } }
        let daemons = ids.compactMap { nodes[$0]?.daemon }
        let gateways = Array(daemons.prefix(max(1, min(options.gateways, daemons.count))))

        var result = Result()
        let box = ResultBox()
        let done = DispatchSemaphore(value: 0)
        Task {
            // Let sessions form and (stable mode) a leader emerge, then measure the idle rate.
            if case .stable = options.mode {
                for _ in 0..<500 {
                    if await leaderKnown(gateways[0]) { break }
                    try? await Task.sleep(nanoseconds: 10_000_000)
                }
            }
            try? await Task.sleep(nanoseconds: 500_000_000)
            // Warm-up requests (not measured): every session's handshake happens here.
            for index in 0..<options.warmUp {
                let request = DeployRequest(requestID: UInt64(2_000_000 + index), service: "warm-\(index)", image: "bench", command: ["sleep", "60"])
                _ = await gateways[index % gateways.count].deploy(request, elabMicros: 0)
            }
            try? await Task.sleep(nanoseconds: 200_000_000)
            let idleStart = await traffic(daemons)
            let idleClock = MonotonicClock.nowMicros()
            try? await Task.sleep(nanoseconds: UInt64(options.idleSeconds * 1e9))
            let idleEnd = await traffic(daemons)
            let idleSeconds = Double(MonotonicClock.nowMicros() - idleClock) / 1e6
            box.update {
                $0.idleBytesPerSecond = Double(idleEnd.bytes - idleStart.bytes) / idleSeconds
                $0.idleDatagramsPerSecond = Double(idleEnd.datagrams - idleStart.datagrams) / idleSeconds
            }
            let before = await traffic(daemons)
            let kindsBefore = messageCounts(daemons)
            let started = MonotonicClock.nowMicros()
            for index in 0..<options.requests {
                let request = DeployRequest(
                    requestID: UInt64(1_000_000 + index), service: "svc-\(index)", image: "bench", command: ["sleep", "60"],
                    cpuMillicores: 10, memoryMiB: 8)
                let gateway = gateways[index % gateways.count]
                let t0 = MonotonicClock.nowMicros()
                let answer = await gateway.deploy(request, elabMicros: 0)
                let elapsed = MonotonicClock.nowMicros() - t0
                switch answer {
                case .success(let view):
                    box.update {
                        $0.latencies.append(elapsed)
                        if let phases = view.phases { $0.phases.append(phases) }
                    }
                case .failure(let error):
                    box.update { $0.failures.append("request \(index): \(error)") }
                }
                if (index + 1) % 50 == 0 { progress("\(index + 1)/\(options.requests) requests") }
            }
            let seconds = Double(MonotonicClock.nowMicros() - started) / 1e6
            let after = await traffic(daemons)
            let kindsAfter = messageCounts(daemons)
            box.update {
                let idleShare = $0.idleBytesPerSecond * seconds
                let decisions = Double(max($0.latencies.count, 1))
                $0.seconds = seconds
                $0.bytesPerDecision = (Double(after.bytes - before.bytes) - idleShare) / decisions
                $0.datagramsPerDecision = (Double(after.datagrams - before.datagrams) - $0.idleDatagramsPerSecond * seconds) / decisions
                $0.messagesPerDecision = kindsAfter.keys.sorted { $0.rawValue < $1.rawValue }.map { kind in
                    let now = kindsAfter[kind] ?? (0, 0)
                    let then = kindsBefore[kind] ?? (0, 0)
                    return ("\(kind)", Double(now.count - then.count) / decisions, Double(now.bytes - then.bytes) / decisions)
                }
            }
            done.signal()
        }
        done.wait()
        result = box.value
        return result
    }

    private final class ResultBox: @unchecked Sendable {
        private let lock = NSLock()
        private var result = Result()
        func update(_ body: (inout Result) -> Void) { lock.lock(); body(&result); lock.unlock() }
        var value: Result { lock.lock(); defer { lock.unlock() }; return result }
    }

    private static func messageCounts(_ daemons: [NodeDaemon]) -> [FrameKind: (count: Int, bytes: Int)] {
        var all: [FrameKind: (count: Int, bytes: Int)] = [:]
        for daemon in daemons {
            for (kind, value) in daemon.messagesSent {
                let old = all[kind] ?? (0, 0)
                all[kind] = (old.count + value.count, old.bytes + value.bytes)
            }
        }
        return all
    }

    private static func leaderKnown(_ daemon: NodeDaemon) async -> Bool {
        await daemon.read { $0.raft.leader != nil || $0.raft.role == .leader } ?? false
    }

    private static func traffic(_ daemons: [NodeDaemon]) async -> (bytes: Int, datagrams: Int) {
        var bytes = 0
        var datagrams = 0
        for daemon in daemons {
            for peer in daemon.roster.keys {
                if let link = daemon.linkView(for: peer) {
                    bytes += Int(link.bytesSent)
                    datagrams += Int(link.datagramsSent)
                }
            }
        }
        return (bytes, datagrams)
    }

    static func freeUDPPort() throws -> UInt16 {
        // Bound and released: another process could take it before the node binds it,
        // which a benchmark on this machine can live with.
        let socket = try UDPSocket(binding: try SocketAddress("127.0.0.1:0"))
        return socket.localAddress.description.split(separator: ":").last.flatMap { UInt16($0) } ?? 0
    }

    public static func percentile(_ sorted: [UInt64], _ p: Double) -> UInt64 {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((p * Double(sorted.count - 1)).rounded())
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }

    public static func render(_ result: Result, options: Options) -> String {
        let sorted = result.latencies.sorted()
        var lines: [String] = []
        lines.append("deploy, \(options.nodes) nodes, \(options.gateways) gateways, mode \(options.mode), link \(options.link ?? "loopback"), dry-run engine")
        lines.append("requests answered: \(result.latencies.count) of \(options.requests) in \(String(format: "%.1f", result.seconds)) s; failures: \(result.failures.count)")
        lines.append(String(format: "latency p50 %.2f ms, p99 %.2f ms", Double(percentile(sorted, 0.5)) / 1000, Double(percentile(sorted, 0.99)) / 1000))
        lines.append("phase medians (µs):")
        for (position, name) in PhaseTable().rows.map(\.name).enumerated() {
            let values = result.phases.map { $0.rows[position].micros }.sorted()
            lines.append("  \(name.padding(toLength: 20, withPad: " ", startingAt: 0)) p50 \(percentile(values, 0.5))  p99 \(percentile(values, 0.99))")
        }
        lines.append(String(format: "idle traffic: %.0f B/s, %.1f datagrams/s (all nodes)", result.idleBytesPerSecond, result.idleDatagramsPerSecond))
        lines.append(String(format: "per decision (idle traffic taken off): %.0f B in %.1f datagrams", result.bytesPerDecision, result.datagramsPerDecision))
        lines.append("messages per decision, by kind (frame bytes, before datagram headers, tags and acks):")
        for row in result.messagesPerDecision where row.count > 0 {
            lines.append(String(format: "  %-18@ %6.1f  %7.0f B", row.kind as NSString, row.count, row.bytes))
        }
        for failure in result.failures.prefix(5) { lines.append("failure: \(failure)") }
        return lines.joined(separator: "\n")
    }
}


/// Log lines stamped with milliseconds since the benchmark started, so that a debug run
/// shows where a request's time goes.
struct ElapsedLogHandler: LogHandler {
    static let start = MonotonicClock.nowMicros()
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let elapsed = Double(MonotonicClock.nowMicros() &- Self.start) / 1000
        FileHandle.standardError.write(Data(String(format: "%10.1f ms %@ %@\n", elapsed, "\(event.level)" as NSString, "\(event.message)" as NSString).utf8))
    }
}
