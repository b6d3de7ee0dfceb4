import ClientAPI
import Wire

/// The network phases as DESIGN.md §1 defines them, measured by the requester: the round
/// trip to each responder minus the handling time the responder reports, averaged over the
/// responders of the round. Pure bookkeeping: times come in as arguments (µs).
public struct PhaseRecorder: Sendable, Equatable {
    /// One round (a vote round, a pre-vote round, the append of one entry).
    public struct Round: Sendable, Equatable {
        public var sentAt: [NodeID: UInt64] = [:]
        public var networkMicros: [UInt64] = []
        public var handlingMicros: [UInt64] = []

        public init() {}

        public mutating func sent(to peer: NodeID, at now: UInt64) {
            if sentAt[peer] == nil { sentAt[peer] = now }
        }

        /// A response from `peer`; the first one per peer counts.
        public mutating func answered(by peer: NodeID, at now: UInt64, handlingMicros handling: UInt64) {
            guard let sent = sentAt.removeValue(forKey: peer) else { return }
            let roundTrip = now >= sent ? now - sent : 0
            // A peer claiming more handling than the whole round trip is capped (its
            // figure comes from outside).
            let claimed = min(handling, roundTrip)
            networkMicros.append(roundTrip - claimed)
            handlingMicros.append(claimed)
        }

        public var networkMean: UInt64 { Self.mean(networkMicros) }
        public var handlingMean: UInt64 { Self.mean(handlingMicros) }
        public var responders: Int { networkMicros.count }

        static func mean(_ values: [UInt64]) -> UInt64 {
            guard !values.isEmpty else { return 0 }
            var sum: UInt64 = 0
            for value in values { sum = sum.addingReportingOverflow(value).overflow ? .max : sum + value }
            return sum / UInt64(values.count)
        }
    }

    /// What an election this node won cost, kept for the requests that waited for it.
    public struct Election: Sendable, Equatable {
        public var term: UInt64
        public var preVoteNetworkMean: UInt64
        public var networkMean: UInt64
        public var handlingMean: UInt64
    }

    /// The rounds of the current campaign, each with the term it asked for.
    public var preVote = Round()
    public var preVoteTerm: UInt64 = 0
    public var vote = Round()
    public var voteTerm: UInt64 = 0
    public var wonElection: Election?
    /// Append rounds of entries this leader appended, by index.
    public var appends: [UInt64: Round] = [:]
    /// Bound on `appends` (an entry whose round never closes is dropped oldest first).
    public let maxOpenAppends = 1_024

    public init() {}

    /// A vote request for `term` went to `peer` (a new term starts a new round).
    public mutating func voteRequested(from peer: NodeID, term: UInt64, preVote isPreVote: Bool, at now: UInt64) {
        if isPreVote {
            if preVoteTerm != term { preVote = Round(); preVoteTerm = term }
            preVote.sent(to: peer, at: now)
        } else {
            if voteTerm != term { vote = Round(); voteTerm = term }
            vote.sent(to: peer, at: now)
        }
    }

    public mutating func voteAnswered(by peer: NodeID, term: UInt64, preVote isPreVote: Bool, handlingMicros: UInt64, at now: UInt64) {
        if isPreVote {
            if preVoteTerm == term { preVote.answered(by: peer, at: now, handlingMicros: handlingMicros) }
        } else if voteTerm == term {
            vote.answered(by: peer, at: now, handlingMicros: handlingMicros)
        }
    }

    public mutating func won(term: UInt64) {
        let preVoteMean = preVoteTerm == term ? preVote.networkMean : 0
        wonElection = voteTerm == term
            ? Election(term: term, preVoteNetworkMean: preVoteMean, networkMean: vote.networkMean, handlingMean: vote.handlingMean)
            : nil
    }

    public mutating func track(index: UInt64) {
        if appends.count >= maxOpenAppends, let oldest = appends.keys.min() { appends[oldest] = nil }
        appends[index] = Round()
    }

    /// An append carrying entries up to `lastIndex` went to `peer`.
    public mutating func appendSent(to peer: NodeID, through lastIndex: UInt64, firstIndex: UInt64, at now: UInt64) {
        for index in appends.keys where index >= firstIndex && index <= lastIndex {
            appends[index]?.sent(to: peer, at: now)
        }
    }

    /// A successful append response from `peer` acknowledging everything up to `matchIndex`.
    public mutating func appendAcknowledged(by peer: NodeID, through matchIndex: UInt64, handlingMicros: UInt64, at now: UInt64) {
        for index in appends.keys where index <= matchIndex {
            appends[index]?.answered(by: peer, at: now, handlingMicros: handlingMicros)
        }
    }

    /// Closes the round of `index` (at its commit): its figures, and no more tracking.
    public mutating func closeAppend(index: UInt64) -> Round? {
        appends.removeValue(forKey: index)
    }
}
