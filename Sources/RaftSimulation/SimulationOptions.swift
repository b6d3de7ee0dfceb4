import NetworkModel
import Raft
import Wire

/// What one seeded simulation run does. Everything random in the run is drawn from
/// `seed`, so the same options replay the same run exactly.
public struct SimulationOptions: Sendable, Equatable {
    public var seed: UInt64
    public var nodes: Int = 5
    public var mode: RaftConfig.LeadershipMode = .stable
    public var profile: LinkProfile = .piWifi
    /// Loss added on top of the profile's, 0…1.
    public var extraLoss: Double = 0
    /// Probability that a datagram is delivered twice.
    public var duplication: Double = 0
    /// Simulated time during which clients send requests (healing and the final check
    /// come after it).
    public var durationMicros: UInt64 = 10_000_000
    /// Length of one Raft tick; by default scaled to the link's round trip.
    public var tickMicros: UInt64
    public var electionTicks: Int = 10
    public var proposalsPerSecond: Double = 10
    public var payloadBytes: Int = 100
    /// Nodes crash (losing everything not on disk) and restart.
    public var crashes: Bool = false
    /// The network splits into two sides, or single links fail one way.
    public var partitions: Bool = false
    /// Some crashes strike in the middle of a storage call (a write, an fsync, a rename, a
    /// roll, recovery itself): the simulated disk loses or tears what was not durable.
    public var tornWrites: Bool = false
    /// Writes and fsyncs now and then fail (ENOSPC, EIO); the node stops and is restarted.
    public var storageFaults: Bool = false
    /// Nodes compact their logs into snapshots after this many applied entries (0: never),
    /// so that followers behind them catch up by snapshot transfer.
    public var compactAfterEntries: Int = 0
    /// The leader now and then adds or removes a member (single-server changes).
    public var membershipChanges: Bool = false
    /// Once a run: a learner is promoted while every link into it is cut, and once the
    /// promotion has committed without it, another voter (the leader if it can) goes down
    /// for good and the learner's links heal. The committed configuration needs the
    /// promoted node's vote before its promotion reaches it. Such runs start with two or
    /// three voters, the other nodes learners.
    public var latePromotions: Bool = false
    /// Crash whichever node leads at this interval (0: never), restarting it an election
    /// timeout later: how long the cluster takes to elect anew.
    public var crashLeaderEveryMicros: UInt64 = 0

    public init(seed: UInt64, profile: LinkProfile = .piWifi) {
        self.seed = seed
        self.profile = profile
        self.tickMicros = Self.defaultTick(for: profile)
    }

    /// A tick of at least 10 ms and at least one worst-case round trip.
    public static func defaultTick(for profile: LinkProfile) -> UInt64 {
        max(10_000, 2 * (profile.delayMicros + profile.jitterMicros))
    }

    /// A run whose every setting comes from its seed: what `swift test` sweeps, and what
    /// `edgeraft sim --seed N` replays.
    public static func chaos(seed: UInt64) -> SimulationOptions {
        var rng = SeededRandom(seed: seed ^ 0xC4A0_5EED)
        let profiles: [LinkProfile] = [.lan, .piWifi, .lossyWifi, .cellular]
        var o = SimulationOptions(seed: seed, profile: profiles[Int(rng.next() % UInt64(profiles.count))])
        o.nodes = 3 + Int(rng.next() % 5)
        switch rng.next() % 3 {
        case 0: o.mode = .stable
        case 1: o.mode = .onDemand(idleTicks: 0)
        default: o.mode = .onDemand(idleTicks: 20)
        }
        o.extraLoss = [0, 0.1, 0.3][Int(rng.next() % 3)]
        o.duplication = rng.next() % 2 == 0 ? 0 : 0.05
        o.crashes = rng.next() % 2 == 0
        o.partitions = rng.next() % 2 == 0
        o.tornWrites = o.crashes && rng.next() % 2 == 0
        o.compactAfterEntries = rng.next() % 2 == 0 ? 0 : 5 + Int(rng.next() % 30)
        o.membershipChanges = rng.next() % 3 == 0
        o.durationMicros = 40 * o.tickMicros * UInt64(o.electionTicks)
        o.proposalsPerSecond = 1_000_000 / Double(o.tickMicros) / 2
        o.storageFaults = o.crashes && rng.next() % 4 == 0
        // Drawn last, so every other setting of a seed is what it was before this fault.
        o.latePromotions = rng.next() % 4 == 0
        return o
    }

    /// The command that replays this run.
    public var replayCommand: String {
        "swift run -c release edgeraft sim --seed \(seed)"
    }
}
