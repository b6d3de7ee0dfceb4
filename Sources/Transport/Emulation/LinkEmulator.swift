import Wire

/// Emulated network conditions between nodes (the kernel here has no netem): per link a
/// profile's delay, jitter (which also reorders), loss and rate — a token bucket whose
/// queue is bounded — plus duplication and partitions, one-way ones too. Pure and seeded:
/// the same seed and inputs give the same deliveries, in simulation and in front of real
/// sockets alike.
public struct LinkEmulator: Sendable {
    public struct Conditions: Sendable, Equatable {
        public var profile: LinkProfile
        /// Probability that a datagram arrives twice.
        public var duplication: Double
        /// Datagrams waiting for the link's rate beyond this many bytes are dropped.
        public var queueLimitBytes: Int

        public init(profile: LinkProfile, duplication: Double = 0, queueLimitBytes: Int = 64 * 1024) {
            self.profile = profile
            self.duplication = duplication
            self.queueLimitBytes = queueLimitBytes
        }
    }

    public var defaultConditions: Conditions
    /// Conditions of particular directed links, by [from, to].
    public var links: [[NodeID]: Conditions] = [:]
    /// Directed links that drop everything.
    public private(set) var cut: Set<[NodeID]> = []
    private var rng: SeededRandom
    private var linkFreeAt: [[NodeID]: UInt64] = [:]
    /// What it dropped (`emulatedLoss`, `emulatedPartition`, `emulatedQueueFull`).
    public private(set) var dropped = DropCounters()

    public init(_ conditions: Conditions, seed: UInt64) {
        defaultConditions = conditions
        rng = SeededRandom(seed: seed)
    }

    /// When the datagram of `bytes` sent now from `from` to `to` arrives: no time when it
    /// is lost, two when it is duplicated.
    public mutating func transmit(from: NodeID, to: NodeID, bytes: Int, at now: UInt64) -> [UInt64] {
        let link = [from, to]
        if cut.contains(link) {
            dropped.count(.emulatedPartition)
            return []
        }
        let conditions = links[link] ?? defaultConditions
        let profile = conditions.profile
        if chance(profile.loss) {
            dropped.count(.emulatedLoss)
            return []
        }
        var departure = now
        if profile.bitsPerSecond > 0 {
            let start = max(now, linkFreeAt[link] ?? 0)
            // Bytes already waiting ahead of this one, at the link's rate.
            let backlogBytes = Int((start - now) * profile.bitsPerSecond / 8 / 1_000_000)
            guard backlogBytes + bytes <= conditions.queueLimitBytes else {
                dropped.count(.emulatedQueueFull)
                return []
            }
            departure = start + UInt64(bytes) * 8 * 1_000_000 / profile.bitsPerSecond
            linkFreeAt[link] = departure
        }
        var arrivals = [departure + delay(profile)]
        if chance(conditions.duplication) { arrivals.append(departure + delay(profile)) }
        return arrivals
    }

    /// Cuts every link between the two sides, both ways.
    public mutating func partition(_ a: Set<NodeID>, _ b: Set<NodeID>) {
        for x in a { for y in b where x != y { cut.insert([x, y]); cut.insert([y, x]) } }
    }

    /// Cuts one direction of one link.
    public mutating func cutOneWay(from: NodeID, to: NodeID) {
        cut.insert([from, to])
    }

    public mutating func heal() {
        cut = []
    }

    private mutating func delay(_ profile: LinkProfile) -> UInt64 {
        let spread = profile.jitterMicros == 0 ? 0 : rng.next() % (2 * profile.jitterMicros + 1)
        let total = profile.delayMicros + spread
        return total >= profile.jitterMicros ? total - profile.jitterMicros : 0
    }

    private mutating func chance(_ p: Double) -> Bool {
        p > 0 && Double(rng.next() >> 11) / Double(1 << 53) < p
    }

    /// SeededRandom.
    struct Generator: Sendable {
        var state: UInt64

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
