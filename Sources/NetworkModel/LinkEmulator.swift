/// Emulated network conditions between nodes (the kernel here has no netem): per link a
/// profile's delay, jitter (which also reorders), loss and rate — a token bucket whose
/// queue is bounded — plus duplication and partitions, one-way ones too. Pure and seeded:
/// the same seed and inputs give the same deliveries. The project's one network model:
/// Transport's emulated links (in simulation and in front of real sockets) and Raft's
/// cluster simulation both send through it.
public struct LinkEmulator: Sendable {
    /// A node's number, as Wire's `NodeID` spells it (this module imports nothing).
    public typealias Node = UInt16

    public struct Conditions: Sendable, Equatable {
        public var profile: LinkProfile
        /// Probability that a datagram arrives twice.
        public var duplication: Double
        /// Datagrams waiting for the link's rate beyond this many bytes are dropped
        /// (`Int.max`: the queue is unbounded).
        public var queueLimitBytes: Int

        public init(profile: LinkProfile, duplication: Double = 0, queueLimitBytes: Int = 64 * 1024) {
            self.profile = profile
            self.duplication = duplication
            self.queueLimitBytes = queueLimitBytes
        }
    }

    public var defaultConditions: Conditions
    /// Conditions of particular directed links, by [from, to].
    public var links: [[Node]: Conditions] = [:]
    /// Directed links that drop everything.
    public private(set) var cut: Set<[Node]> = []
    private var rng: SeededRandom
    private var linkFreeAt: [[Node]: UInt64] = [:]
    public private(set) var dropped = DropCounters()

    public struct DropCounters: Sendable, Equatable {
        public var loss = 0
        public var partition = 0
        public var queueFull = 0
    }

    public init(_ conditions: Conditions, seed: UInt64) {
        defaultConditions = conditions
        rng = SeededRandom(seed: seed)
    }

    /// When the datagram of `bytes` sent now from `from` to `to` arrives: no time when it
    /// is lost, two when it is duplicated.
    public mutating func transmit(from: Node, to: Node, bytes: Int, at now: UInt64) -> [UInt64] {
        var generator = rng
        defer { rng = generator }
        return transmit(from: from, to: to, bytes: bytes, at: now, using: &generator)
    }

    /// The same, drawing from the caller's generator: a simulation that draws everything
    /// from one stream replays from one seed.
    public mutating func transmit(from: Node, to: Node, bytes: Int, at now: UInt64, using rng: inout SeededRandom) -> [UInt64] {
        let link = [from, to]
        if cut.contains(link) {
            dropped.partition += 1
            return []
        }
        let conditions = links[link] ?? defaultConditions
        let profile = conditions.profile
        if rng.chance(profile.loss) {
            dropped.loss += 1
            return []
        }
        var departure = now
        if profile.bitsPerSecond > 0 {
            let start = max(now, linkFreeAt[link] ?? 0)
            // Bytes already waiting ahead of this one, at the link's rate (saturating: an
            // unbounded queue may grow long).
            let (bits, overflow) = (start - now).multipliedReportingOverflow(by: profile.bitsPerSecond)
            let backlogBytes = overflow ? Int.max : Int(clamping: bits / 8 / 1_000_000)
            let size = max(bytes, 0)
            guard backlogBytes <= conditions.queueLimitBytes, size <= conditions.queueLimitBytes - backlogBytes else {
                dropped.queueFull += 1
                return []
            }
            departure = start + UInt64(size) * 8 * 1_000_000 / profile.bitsPerSecond
            linkFreeAt[link] = departure
        }
        var arrivals = [departure + delay(profile, &rng)]
        if rng.chance(conditions.duplication) { arrivals.append(departure + delay(profile, &rng)) }
        return arrivals
    }

    /// Cuts every link between the two sides, both ways.
    public mutating func partition(_ a: Set<Node>, _ b: Set<Node>) {
        for x in a { for y in b where x != y { cut.insert([x, y]); cut.insert([y, x]) } }
    }

    /// Cuts one direction of one link.
    public mutating func cutOneWay(from: Node, to: Node) {
        cut.insert([from, to])
    }

    /// Restores one direction of one link.
    public mutating func reconnect(from: Node, to: Node) {
        cut.remove([from, to])
    }

    public mutating func heal() {
        cut = []
    }

    /// Uniform in delay ± jitter. One draw whatever the jitter, as Raft's simulation drew
    /// before it shared this model: its recorded seeds replay the same runs.
    private func delay(_ profile: LinkProfile, _ rng: inout SeededRandom) -> UInt64 {
        let spread = rng.next() % (2 * profile.jitterMicros + 1)
        let total = profile.delayMicros + spread
        return total >= profile.jitterMicros ? total - profile.jitterMicros : 0
    }
}
