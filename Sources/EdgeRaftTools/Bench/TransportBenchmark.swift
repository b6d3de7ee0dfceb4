import Foundation
import Transport

/// Round trips of a request and its response over real loopback sockets: through
/// Transport (reliable, sealed unless asked otherwise, each endpoint on its own event-loop
/// thread) and — the floor — a bare poll-based UDP ping-pong between the same kind of
/// sockets. The two are measured in alternating blocks of the same run, so that a change
/// in the machine's load while it runs touches both alike.
public enum TransportBenchmark {
    public struct Options: Sendable {
        public var rounds = 20_000
        public var payloadBytes = 64
        public var sealed = true
        /// Keep every core busy at idle priority meanwhile (`BusyCores`).
        public var busyCores = false
        /// Measured blocks per path; one more block each warms up and is not counted.
        public var blocks = 10
        /// Where the client and server threads of both paths run.
        public var placement = ThreadPlacement.split

        public init(rounds: Int = 20_000, payloadBytes: Int = 64, sealed: Bool = true, busyCores: Bool = false, placement: ThreadPlacement = .split) {
            self.rounds = rounds
            self.payloadBytes = payloadBytes
            self.sealed = sealed
            self.busyCores = busyCores
            self.placement = placement
        }
    }

    public struct Result: Sendable {
        public var options: Options
        public var bareNanos: [UInt64]
        public var transportNanos: [UInt64]
        /// Average bytes of one request datagram through Transport (header, frames, tag).
        public var transportDatagramBytes: Double
        /// The cores clients and servers were pinned to (nil: not pinned).
        public var pinned: (client: [Int], server: [Int])?

        public func percentile(_ values: [UInt64], _ p: Double) -> UInt64 {
            let sorted = values.sorted()
            guard !sorted.isEmpty else { return 0 }
            return sorted[min(sorted.count - 1, Int(p / 100 * Double(sorted.count - 1) + 0.5))]
        }

        /// Transport's median round trip over the bare one's.
        public var ratio: Double {
            Double(percentile(transportNanos, 50)) / Double(max(percentile(bareNanos, 50), 1))
        }

        var placementText: String {
            guard let pinned else { return "threads not pinned" }
            return pinned.client == pinned.server
                ? "every thread on core \(pinned.client.map(String.init).joined(separator: ","))"
                : "clients on core \(pinned.client.map(String.init).joined(separator: ",")), servers on core \(pinned.server.map(String.init).joined(separator: ","))"
        }

        public var render: String {
            func us(_ ns: UInt64) -> String {
                let tenths = (ns + 50) / 100
                return "\(tenths / 10).\(tenths % 10)"
            }
            let hundredths = Int((ratio * 100).rounded())
            let mode = options.sealed ? "sealed: \(ChaChaPolyAEAD.implementation)" : "insecure"
            return """
                \(options.payloadBytes)-byte request/response over loopback, \(bareNanos.count) and \(transportNanos.count) round trips \
                in \(options.blocks) alternating blocks, \(placementText)\(options.busyCores ? ", every core kept busy at idle priority" : "")
                | path | p50 µs | p99 µs | bytes per message |
                |---|---:|---:|---:|
                | bare UDP ping-pong (poll) | \(us(percentile(bareNanos, 50))) | \(us(percentile(bareNanos, 99))) | \(options.payloadBytes) |
                | Transport (reliable, \(options.sealed ? "sealed" : "insecure")) | \(us(percentile(transportNanos, 50))) | \(us(percentile(transportNanos, 99))) | \(Int(transportDatagramBytes.rounded())) |
                Transport p50 / bare p50 = \(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)× (\(mode))
                """
        }
    }

    /// Runs the benchmark; `progress` hears of each block done, `warn` of what the
    /// endpoints say at start (insecure mode among it).
    public static func run(
        _ options: Options, progress: (String) -> Void = { _ in }, warn: (String) -> Void = { _ in }
    ) throws -> Result {
        let busy = options.busyCores ? BusyCores() : nil
        defer { busy?.stop() }
        // Threads inherit the pinning of the thread that starts them: servers are started
        // while this thread is pinned to the server cores, then this thread — the bare
        // client — and the Transport client move to the client cores.
        // Reported as pinned only if the system agreed.
        let usable = ThreadPlacement.usableCores
        var pinned = options.placement.cores()
        if let cores = pinned, !ThreadPlacement.pinCallingThread(to: cores.server) { pinned = nil }
        defer { ThreadPlacement.pinCallingThread(to: usable) }
        let bare = try BarePingPong(payloadBytes: options.payloadBytes)
        defer { bare.stop() }
        let transport = try TransportPingPong(payloadBytes: options.payloadBytes, sealed: options.sealed) {
            if let cores = pinned, !ThreadPlacement.pinCallingThread(to: cores.client) { pinned = nil }
        }
        defer { transport.stop() }
        transport.startupWarnings.forEach(warn)

        let perBlock = max(options.rounds / options.blocks, 1)
        _ = bare.roundTrips(perBlock)
        _ = transport.roundTrips(perBlock)
        var bareNanos: [UInt64] = []
        var transportNanos: [UInt64] = []
        for block in 0..<options.blocks {
            // Alternate which path goes first, so neither always follows the other.
            if block % 2 == 0 {
                bareNanos += bare.roundTrips(perBlock)
                transportNanos += transport.roundTrips(perBlock)
            } else {
                transportNanos += transport.roundTrips(perBlock)
                bareNanos += bare.roundTrips(perBlock)
            }
            progress("block \(block + 1) of \(options.blocks)")
        }
        return Result(
            options: options, bareNanos: bareNanos, transportNanos: transportNanos,
            transportDatagramBytes: transport.bytesPerDatagram, pinned: pinned)
    }
}
