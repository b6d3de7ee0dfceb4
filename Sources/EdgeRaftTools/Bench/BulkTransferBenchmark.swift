import NetworkModel
import Transport
import Wire

/// A snapshot-sized transfer between two `PeerLink`s over an emulated link profile, on
/// emulated time (so a run is repeatable and takes a moment): InstallSnapshot chunks go
/// one way, a few outstanding at a time as a leader pipelines them, each answered by a
/// response; heartbeats are sent meanwhile. Reports goodput against the link rate,
/// retransmitted bytes against the profile's loss, and how late the heartbeats arrive.
public enum BulkTransferBenchmark {
    public struct Options: Sendable {
        public var profile: LinkProfile
        public var totalBytes = 1 << 20
        public var chunkBytes = 16 * 1024
        /// Chunks sent but not yet answered (the reassembly holds four at a time).
        public var chunksInFlight = 4
        public var heartbeatMicros: UInt64 = 100_000
        public var seed: UInt64 = 1
        /// The congestion controller both links run.
        public var congestionControl: CongestionControlAlgorithm = .bandwidthModel

        public init(profile: LinkProfile, totalBytes: Int = 1 << 20, seed: UInt64 = 1, congestionControl: CongestionControlAlgorithm = .bandwidthModel) {
            self.profile = profile
            self.totalBytes = totalBytes
            self.seed = seed
            self.congestionControl = congestionControl
        }

        /// Nil unless the profile exists and has a rate limit (goodput needs one).
        public init?(profileNamed name: String, totalBytes: Int = 1 << 20, seed: UInt64 = 1, congestionControl: CongestionControlAlgorithm = .bandwidthModel) {
            guard let profile = LinkProfile.named(name), profile.bitsPerSecond > 0 else { return nil }
            self.init(profile: profile, totalBytes: totalBytes, seed: seed, congestionControl: congestionControl)
        }
    }

    public struct Result: Sendable {
        public var options: Options
        public var durationMicros: UInt64
        public var bytesSent: Int
        public var bytesRetransmitted: Int
        public var heartbeatsSent: Int
        public var heartbeatLatenciesMicros: [UInt64]
        public var congestionEvents: Int
        public var persistentCongestionEvents: Int
        public var probeTimeouts: Int
        /// The sender's datagrams the link dropped; the packets it declared lost, and of
        /// those, how many were acknowledged after all (overtaken, not lost).
        public var datagramsDropped = 0
        public var packetsDeclaredLost = 0
        public var spuriousLosses = 0
        /// The sender's pacing rate and bottleneck estimate at the end (0 for NewReno).
        public var pacingBitsPerSecond: Int = 0
        public var bandwidthEstimateBitsPerSecond: Int = 0

        /// Snapshot bytes delivered per second over the link's rate.
        public var goodputRatio: Double {
            let bits = Double(options.totalBytes) * 8
            return bits / (Double(max(durationMicros, 1)) / 1e6) / Double(max(options.profile.bitsPerSecond, 1))
        }

        /// Retransmitted bytes over (loss rate × bytes sent): the goal is at most 1.5.
        public var retransmissionRatio: Double {
            Double(bytesRetransmitted) / max(options.profile.loss * Double(bytesSent), 1)
        }

        public var roundTripMicros: UInt64 { 2 * options.profile.delayMicros }

        public func heartbeatPercentile(_ p: Double) -> UInt64 {
            let sorted = heartbeatLatenciesMicros.sorted()
            guard !sorted.isEmpty else { return 0 }
            return sorted[min(sorted.count - 1, Int(p / 100 * Double(sorted.count - 1) + 0.5))]
        }

        public var heartbeatsWithinTwoRoundTrips: Int {
            heartbeatLatenciesMicros.filter { $0 <= 2 * roundTripMicros }.count
        }

        public var meetsGoals: Bool {
            goodputRatio >= 0.8 && retransmissionRatio <= 1.5
                && heartbeatsWithinTwoRoundTrips == heartbeatLatenciesMicros.count
        }

        public var render: String {
            func ms(_ us: UInt64) -> String { "\(us / 1000).\((us % 1000) / 100) ms" }
            func pct(_ x: Double) -> String { "\(Int((x * 1000).rounded()) / 10).\(Int((x * 1000).rounded()) % 10) %" }
            let p = options.profile
            return """
                profile \(p.name): \(p.bitsPerSecond / 1000) kbit/s, \(ms(p.delayMicros)) ± \(ms(p.jitterMicros)) one way, \(pct(p.loss)) loss; seed \(options.seed); controller \(options.congestionControl.rawValue)
                transfer     \(options.totalBytes) bytes in \(options.chunkBytes)-byte chunks (\(options.chunksInFlight) outstanding), \(ms(durationMicros)) emulated
                goodput      \(pct(goodputRatio)) of the link rate (goal ≥ 80 %)
                retransmit   \(bytesRetransmitted) of \(bytesSent) bytes sent = \(String(format2: retransmissionRatio)) × loss (goal ≤ 1.5); the link dropped \(datagramsDropped) datagrams, \(packetsDeclaredLost) packets declared lost (\(spuriousLosses) of them overtaken, not lost)
                heartbeats   \(heartbeatLatenciesMicros.count) of \(heartbeatsSent) arrived; median \(ms(heartbeatPercentile(50))), p99 \(ms(heartbeatPercentile(99))), max \(ms(heartbeatPercentile(100))); \(heartbeatsWithinTwoRoundTrips) within 2 × RTT = \(ms(2 * roundTripMicros))
                window       \(congestionEvents) reductions, \(persistentCongestionEvents) collapses, \(probeTimeouts) probe timeouts\(pacingBitsPerSecond > 0 ? "; at the end paced at \(pacingBitsPerSecond / 1000) kbit/s, bottleneck estimate \(bandwidthEstimateBitsPerSecond / 1000) kbit/s" : "")
                goals        \(meetsGoals ? "met" : "MISSED")
                """
        }
    }

    enum Event {
        /// A datagram arrives at node `to` (1: the sender, 2: the receiver).
        case arrive(to: Int, [UInt8])
        case wake(Int)
        case heartbeat
    }

    public static func run(_ options: Options) -> Result {
        var emulator = LinkEmulator(.init(profile: options.profile), seed: options.seed)
        let keyToTwo = ChaChaPolyAEAD(keyBytes: [UInt8](repeating: 0x12, count: 32))
        let keyToOne = ChaChaPolyAEAD(keyBytes: [UInt8](repeating: 0x21, count: 32))
        var config = PeerLinkConfig()
        config.congestionControl = options.congestionControl
        var links = [
            PeerLink(peer: 2, sealer: DatagramSealer(clusterID: 1, receiverIndex: 2, key: keyToTwo), config: config),
            PeerLink(peer: 1, sealer: DatagramSealer(clusterID: 1, receiverIndex: 1, key: keyToOne), config: config),
        ]
        var openers = [DatagramOpener(key: keyToOne), DatagramOpener(key: keyToTwo)]
        var events = EventQueue<Event>()
        var wakeAt: [UInt64?] = [nil, nil]
        var now: UInt64 = 0
        let chunks = (options.totalBytes + options.chunkBytes - 1) / options.chunkBytes
        var nextChunk = 0
        var chunksDelivered = 0
        var finishedAt: UInt64?
        var heartbeatSentAt: [UInt64: UInt64] = [:]
        var latencies: [UInt64] = []
        var heartbeatTerm: UInt64 = 0
        var droppedDatagrams = 0

        func chunk(_ i: Int) -> Message {
            let start = i * options.chunkBytes
            let count = min(options.chunkBytes, options.totalBytes - start)
            return .installSnapshot(InstallSnapshot(
                term: 1, lastIncludedIndex: 1_000, lastIncludedTerm: 1, offset: UInt64(start), done: i == chunks - 1,
                data: (0..<count).map { UInt8(truncatingIfNeeded: ($0 + start) &* 2_654_435_761 >> 13) }))
        }

        func pump(_ node: Int) {
            let output = links[node].poll(now: now)
            for datagram in output.datagrams {
                let (from, to): (NodeID, NodeID) = node == 0 ? (1, 2) : (2, 1)
                let arrivals = emulator.transmit(from: from, to: to, bytes: datagram.count, at: now)
                if node == 0 && arrivals.isEmpty { droppedDatagrams += 1 }
                for arrival in arrivals {
                    events.push(.arrive(to: 1 - node, datagram), at: arrival)
                }
            }
            if let wake = output.nextWakeupMicros {
                let time = max(wake, now + 1)
                if let pending = wakeAt[node], pending > now, pending <= time { return }
                wakeAt[node] = time
                events.push(.wake(node), at: time)
            }
        }

        func sendChunk() {
            guard nextChunk < chunks else { return }
            links[0].enqueue(OutgoingMessage(chunk(nextChunk), trafficClass: .bulk, deadlineMicros: .max))
            nextChunk += 1
        }

        for _ in 0..<options.chunksInFlight { sendChunk() }
        pump(0)
        events.push(.heartbeat, at: options.heartbeatMicros)
        // Emulated time runs out long after any sane transfer ends.
        let limit: UInt64 = 3_600_000_000
        while finishedAt == nil, let next = events.pop(), next.time <= limit {
            now = max(now, next.time)
            switch next.event {
            case .arrive(let node, let datagram):
                guard case .success(let opened) = openers[node].open(datagram, clusterID: 1) else { continue }
                for message in links[node].receive(opened, now: now) {
                    switch message {
                    case .installSnapshot(let piece) where node == 1:
                        chunksDelivered += 1
                        if chunksDelivered == chunks { finishedAt = now }
                        let response = SnapshotResponse(
                            term: 1, lastIncludedIndex: 1_000, nextOffset: piece.offset + UInt64(piece.data.count), installed: piece.done, handlingMicros: 0)
                        links[1].enqueue(OutgoingMessage(.snapshotResponse(response), trafficClass: .control, deadlineMicros: .max))
                    case .snapshotResponse where node == 0:
                        sendChunk()
                    case .appendEntries(let beat) where node == 1:
                        if let sentAt = heartbeatSentAt.removeValue(forKey: beat.term) { latencies.append(now - sentAt) }
                    default:
                        break
                    }
                }
                pump(node)
            case .wake(let node):
                if wakeAt[node] == next.time { wakeAt[node] = nil }
                pump(node)
            case .heartbeat:
                heartbeatTerm += 1
                heartbeatSentAt[heartbeatTerm] = now
                let beat = AppendEntries(term: heartbeatTerm, prevLogIndex: 1_000, prevLogTerm: 1, leaderCommit: 1_000, entries: [])
                links[0].enqueue(OutgoingMessage(
                    .appendEntries(beat), reliable: false, trafficClass: .control, deadlineMicros: .max, supersedeKey: "heartbeat"))
                pump(0)
                events.push(.heartbeat, at: now + options.heartbeatMicros)
            }
        }
        let stats = links[0].statistics
        return Result(
            options: options, durationMicros: finishedAt ?? now, bytesSent: stats.bytesSent,
            bytesRetransmitted: stats.bytesRetransmitted, heartbeatsSent: Int(heartbeatTerm),
            heartbeatLatenciesMicros: latencies, congestionEvents: stats.congestionEvents,
            persistentCongestionEvents: stats.persistentCongestionEvents, probeTimeouts: stats.probeTimeouts,
            datagramsDropped: droppedDatagrams, packetsDeclaredLost: stats.packetsLost, spuriousLosses: stats.spuriousLosses,
            pacingBitsPerSecond: stats.pacingBitsPerSecond, bandwidthEstimateBitsPerSecond: stats.bandwidthEstimateBitsPerSecond)
    }
}

extension String {
    /// Two decimals, without Foundation.
    init(format2 value: Double) {
        let hundredths = Int((value * 100).rounded())
        let fraction = abs(hundredths % 100)
        self = "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
