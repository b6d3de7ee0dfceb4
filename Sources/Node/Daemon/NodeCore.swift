import ClientAPI
import Raft
import Transport
import Wire

/// A node's decisions, as a value: Raft, the replicated service set, placement and
/// verification, the requests this node holds as gateway or leader, the outcomes it owes
/// the log as a chosen node, and the phase timings. Time (µs, monotonic) comes in as an
/// argument; effects come out as values (`NodeEffect`). The shell (`NodeDaemon`) owns the
/// sockets, the disk, the engine and the clock, and performs what this returns.
///
/// The shell's loop: `receive`/`submit`/`advance` as inputs arrive, then `takeReady()` →
/// persist it → `readyPersisted(_:)`, repeated while there is a Ready; then perform the
/// effects, feeding engine results back with `engineStarted`/`engineEvent`.
public struct NodeCore: Sendable {
    public struct Settings: Sendable, Equatable {
        public var me: NodeID
        public var mode: NodeConfig.Mode
        public var tickMicros: UInt64
        public var policy: PlacementPolicy
        /// How long a client's deploy may take before it is answered with a retryable timeout.
        public var requestTimeoutMicros: UInt64 = 10_000_000
        /// How often a held request or an unlogged outcome is sent again to the leader.
        public var resendMicros: UInt64 = 1_000_000
        /// How long the chosen node has to acknowledge a transfer before its decision fails.
        public var transferTimeoutMicros: UInt64 = 2_000_000
        /// How long a new leader waits for workload reports before it says no node fits.
        public var reportGraceMicros: UInt64 = 1_000_000
        /// Decisions tried for one request (refusals and failed starts) before it fails.
        public var maxDecisions: Int = 3
        /// Test-only: the leader lies in each request's first decision (the verification test).
        public var liePlacement = false
        /// This node's own transport address and public key, which no node added later may
        /// take (the roster holds only the other members).
        public var ownAddress: SocketAddress?
        public var ownPublicKey: NodePublicKey?

        public init(me: NodeID, mode: NodeConfig.Mode, tickMicros: UInt64, policy: PlacementPolicy) {
            self.me = me
            self.mode = mode
            self.tickMicros = max(tickMicros, 1)
            self.policy = policy
        }
    }

    /// A report another node sent, and when it arrived.
    struct HeldReport: Sendable, Equatable {
        var report: WorkloadReport
        var receivedAt: UInt64
    }

    public let settings: Settings
    public var me: NodeID { settings.me }
    public internal(set) var raft: RaftNode
    public internal(set) var services: ServiceSet
    /// The shell samples it (it reads files); the core reads its latest sample.
    public var sampler: WorkloadSampler
    /// Wall clock minus the monotonic clock, for the timestamps written into entries.
    public var wallOffsetMicros: Int64 = 0
    /// Reads the monotonic clock (µs) to time this node's own work (ChoosingPhase); tests
    /// give a fake one.
    public var clock: @Sendable () -> UInt64 = { 0 }

    var ledger = PendingLedger()
    var sentReports = SentReports()
    var reports: [NodeID: HeldReport] = [:]
    var phases = PhaseRecorder()
    /// Receipt time of the last request (vote request, append) from each peer this round:
    /// the responses the next Ready sends it report their handling time from it.
    var requestReceivedAt: [NodeID: UInt64] = [:]
    var nextTickAt: UInt64?
    var wasLeader = false
    var leaderSince: UInt64 = 0
    var lastCampaignAt: UInt64?

    var held = GatewayRequests()
    var heldUndeploys: [String: HeldUndeploy] = [:]
    var leading: [UInt64: LeaderRequest] = [:]
    var decisionRequest: [UInt64: UInt64] = [:]
    var owedOutcomes: [OutcomeKey: OwedOutcome] = [:]
    var proposedOutcomes: Set<OutcomeKey> = []
    /// Requests this leader decided whose outcome is not in the log yet, with a deadline:
    /// an on-demand leader stays until then, so the outcome needs no election of its own.
    var awaitingOutcome: [UInt64: UInt64] = [:]
    /// The gateways of requests this leader handed over, which wait for the outcome to
    /// commit: they are told the commit at once (`RaftNode.notifyCommit`).
    var outcomeGateways: [UInt64: Set<NodeID>] = [:]
    var alarms = 0

    /// The roster from the configuration, and the one in force (`LiveRoster`): Transport's.
    let configuredRoster: [NodeID: RosterEntry]
    public internal(set) var roster: [NodeID: RosterEntry]
    /// The membership the roster was last derived for (nil: not yet derived).
    var rosterMembership: Membership?
    /// The log's last index when the roster was last checked: a Ready writing at or below
    /// it cut the log.
    var rosterLogEnd: UInt64 = 0
    /// MemberChange frames refused (not from a committed voter, or about the sender), and
    /// when each peer's refusal was last logged (at most once a second each).
    public internal(set) var refusedMemberChanges = 0
    var memberChangeRefusalLoggedAt: [NodeID: UInt64] = [:]
    /// Membership entries a leader asked this node to append that do not check out.
    public internal(set) var membershipAlarms = 0
    var heldMemberChange: HeldMemberChange?

    public init(settings: Settings, raft: RaftNode, sampler: WorkloadSampler, roster: [NodeID: RosterEntry] = [:]) {
        self.settings = settings
        self.raft = raft
        self.sampler = sampler
        self.configuredRoster = roster
        self.roster = roster
        self.rosterLogEnd = raft.lastIndex
        // The members before the first entry; the service set follows the committed
        // membership entries from there as it applies the log.
        self.services = ServiceSet(me: settings.me, policy: settings.policy, members: Set(raft.membership(asOf: raft.snapshotPosition.index).members))
    }

    /// On-demand mode: the leader stays while a request it leads is undecided (a new
    /// leader waits for reports before it may answer "no node fits"; retiring first made
    /// every election start that wait again, and the client never got its answer) or its
    /// outcome is not in the log yet (so the outcome needs no election of its own).
    var holdsLeadership: Bool { !awaitingOutcome.isEmpty || !leading.isEmpty }

    /// Misquoted-load alarms raised so far (a follower's own load quoted wrongly).
    public var misquoteAlarms: Int { alarms }

    var wallNow: (UInt64) -> UInt64 {
        let offset = wallOffsetMicros
        return { now in offset >= 0 ? now &+ UInt64(offset) : now &- UInt64(-offset) }
    }

    // MARK: - Inputs

    /// Time passes: Raft ticks that are due, held requests go to the leader (or start a
    /// campaign), deadlines expire, owed outcomes are sent again.
    public mutating func advance(now: UInt64) -> [NodeEffect] {
        var effects: [NodeEffect] = []
        if nextTickAt == nil { nextTickAt = now &+ settings.tickMicros }
        awaitingOutcome = awaitingOutcome.filter { $0.value > now }
        raft.retirementHeld = holdsLeadership
        var ticks = 0
        while let due = nextTickAt, now >= due {
            raft.tick()
            ticks += 1
            // After a long stall, catch up a bounded number of ticks and resynchronise.
            nextTickAt = ticks >= 100 ? now &+ settings.tickMicros : due &+ settings.tickMicros
        }
        noticeRole(now: now)
        effects += driveHeldRequests(now: now)
        effects += driveLeading(now: now)
        effects += driveOwedOutcomes(now: now)
        effects += driveUndeploys(now: now)
        if rosterMembership == nil { effects += refreshRoster() }
        effects += driveMemberChange(now: now)
        return effects
    }

    /// A client's deploy reached this gateway.
    public mutating func submit(_ ticket: ClientTicket, _ request: DeployRequest, elabMicros: UInt64, now: UInt64) -> [NodeEffect] {
        if raft.storageHasFailed {
            return [.reply(ticket, .failure(.unavailable("this node's storage failed; send the request to another gateway")))]
        }
        if let record = services.record(forRequest: request.requestID) {
            if record.request != request {
                return [.reply(ticket, .failure(.conflict("request id \(request.requestID) is already used for another request (service \(record.request.service))")))]
            }
            if record.status == .running {
                return [.reply(ticket, .success(Self.view(of: record, phases: nil)))]
            }
        }
        if let existing = held.requests[request.requestID], existing.request != request {
            return [.reply(ticket, .failure(.conflict("request id \(request.requestID) is in flight for another request")))]
        }
        guard held.add(ticket: ticket, request: request, elabMicros: elabMicros, deadline: now &+ settings.requestTimeoutMicros) else {
            return [.reply(ticket, .failure(.unavailable("too many requests in flight at this gateway; retry later")))]
        }
        return driveHeldRequests(now: now)
    }

    /// A message from a peer (authenticated by Transport, still untrusted in content).
    public mutating func receive(from peer: NodeID, _ message: Message, now: UInt64) -> [NodeEffect] {
        // Anyone in the roster (members in force or committed): Raft's term rules decide the rest.
        guard peer != me, roster[peer] != nil else { return [] }
        switch message {
        case .requestVote, .appendEntries, .installSnapshot, .timeoutNow:
            return stepRequest(from: peer, message, now: now)
        case .voteResponse(let response):
            if let report = response.report { hold(report, from: peer, now: now) }
            phases.voteAnswered(by: peer, term: response.term, preVote: response.preVote, handlingMicros: response.handlingMicros, at: now)
            if let raftMessage = RaftMessage(message) { raft.step(Envelope(from: peer, to: me, raftMessage)) }
            noticeRole(now: now)
            return []
        case .appendResponse(let response):
            if let report = response.report { hold(report, from: peer, now: now) }
            if response.success {
                phases.appendAcknowledged(by: peer, through: response.index, handlingMicros: response.handlingMicros, at: now)
            }
            if let raftMessage = RaftMessage(message) { raft.step(Envelope(from: peer, to: me, raftMessage)) }
            noticeRole(now: now)
            return []
        case .snapshotResponse:
            if let raftMessage = RaftMessage(message) { raft.step(Envelope(from: peer, to: me, raftMessage)) }
            return []
        case .deployRequest(let request):
            return lead(request, gateway: peer, now: now)
        case .deployResult(let result):
            return leaderAnswered(result, from: peer, now: now)
        case .deployTransfer(let transfer):
            return acceptTransfer(transfer, from: peer, now: now)
        case .deployAck(let ack):
            return acknowledged(ack, by: peer, now: now)
        case .memberChange(let change):
            return memberChangeArrived(change, from: peer, now: now)
        case .ack, .fragment, .sequence:
            // Transport's own frames never reach the node.
            return []
        }
    }

    private mutating func stepRequest(from peer: NodeID, _ message: Message, now: UInt64) -> [NodeEffect] {
        var effects: [NodeEffect] = []
        if case .appendEntries(let append) = message, let alarm = misquotedDecision(in: append) {
            // Withhold the acknowledgement (do not step) while the entry is not committed:
            // a majority of honest nodes can still refuse the leader's decision.
            alarms += 1
            return [.log(.error, "ALARM: leader \(peer) quotes this node's load wrongly in the decision at index \(alarm.index) (\(alarm.detail)); not acknowledging it")]
        }
        if case .appendEntries(let append) = message, let alarm = unsoundMembershipEntry(in: append) {
            // Likewise: a majority of honest nodes keeps a forged membership out.
            membershipAlarms += 1
            return [.log(.error, "ALARM: leader \(peer) appends a membership entry at index \(alarm.index) that does not check out (\(alarm.detail)); not acknowledging it")]
        }
        requestReceivedAt[peer] = now
        if let raftMessage = RaftMessage(message) { raft.step(Envelope(from: peer, to: me, raftMessage)) }
        noticeRole(now: now)
        if case .appendEntries = message { effects += driveHeldRequests(now: now) }
        return effects
    }

    /// A decision entry in `append`, not yet committed, that misquotes this node's load.
    private func misquotedDecision(in append: AppendEntries) -> (index: UInt64, detail: String)? {
        for (offset, entry) in append.entries.enumerated() where entry.kind == .decision {
            let index = append.prevLogIndex &+ UInt64(offset) &+ 1
            // Only while the entry can still be refused: above this node's commit index and
            // the leader's. Once the leader says a majority holds it, withholding no longer
            // stops it, and would stop this node for good — it could never take the entry,
            // so never commit past it; and a node whose memory of its reports is gone (a
            // restart) meets honest quotes it cannot recognise. A leader that lies about
            // its commit index as well gets past this check, but not past the alarm already
            // logged nor the verdict every node recomputes from the entry.
            guard index > raft.commitIndex, index > append.leaderCommit, let decision = try? DecisionEntry.decode(entry.payload) else { continue }
            if case .misquoted(let quoted) = OwnLoadCheck.check(decision, me: me, sent: sentReports, maxReportAgeMillis: settings.policy.maxReportAgeMillis) {
                return (index, "quoted load \(quoted.loadPermille)‰, cpu \(quoted.cpuBusyPermille)‰, memory \(quoted.memoryUsedMiB) MiB")
            }
        }
        return nil
    }

    /// A membership entry in `append`, not yet committed here, that is no sound
    /// single-server change of the membership before it (`MembershipEntryCheck`).
    private func unsoundMembershipEntry(in append: AppendEntries) -> (index: UInt64, detail: String)? {
        var previous: Membership?
        for (offset, entry) in append.entries.enumerated() where entry.kind == .membership {
            let index = append.prevLogIndex &+ UInt64(offset) &+ 1
            // The membership before it: the append's own earlier entry, else this log's at
            // the append's start (Raft refuses the append if the logs differ there).
            let before = previous ?? raft.membership(asOf: append.prevLogIndex)
            previous = (try? Membership.decodeEntry(entry.payload).membership) ?? before
            guard index > raft.commitIndex else { continue }
            if let problem = MembershipEntryCheck.problem(entry.payload, after: before, roster: roster) {
                return (index, problem)
            }
        }
        return nil
    }

    mutating func hold(_ report: WorkloadReport, from peer: NodeID, now: UInt64) {
        reports[peer] = HeldReport(report: report, receivedAt: now)
        let sampledAt = (now / 1000) >= UInt64(report.sampleAgeMillis) ? now / 1000 - UInt64(report.sampleAgeMillis) : 0
        ledger.reportArrived(from: peer, sampledAtMillis: sampledAt)
    }


    mutating func noticeRole(now: UInt64) {
        let isLeader = raft.role == .leader
        if isLeader && !wasLeader {
            leaderSince = now
            // A won campaign does not hold the next one back (only a lost one is paced).
            lastCampaignAt = nil
            phases.won(term: raft.term)
            // Rounds of an earlier term never close now. (A leader stepping down keeps its
            // open rounds: an on-demand leader retires inside the step that commits.)
            phases.appends = [:]
        }
        if !isLeader && wasLeader {
            // What this leader proposed may be overwritten by the next one: propose again.
            proposedOutcomes = []
        }
        wasLeader = isLeader
    }
}

extension NodeCore {
    /// The disk failed: Raft stops voting and leading (it acknowledges nothing it did not store).
    public mutating func storageFailed() {
        raft.storageFailed()
    }
}
