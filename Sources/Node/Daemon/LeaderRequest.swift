import Wire

/// A request this leader is deciding: from which gateways, which decision it is at, and the
/// phase timings measured so far.
struct LeaderRequest: Sendable, Equatable {
    enum Stage: Sendable, Equatable {
        /// Waiting to be decided (or decided again after a refusal).
        case toDecide
        /// The decision entry is appended at `index`, not yet committed.
        case proposed(index: UInt64)
        /// Committed and handed to the chosen node; waiting for its acknowledgement.
        case transferring(index: UInt64, chosen: NodeID, sentAt: UInt64)
    }

    var request: DeployRequest
    var gateways: Set<NodeID>
    var arrivedAt: UInt64
    var stage: Stage = .toDecide
    var decisions = 0
    var lastSentAt: UInt64 = 0
    var timings = PhaseTimings()
}

/// A decision's outcome as its chosen node owes it to the log.
struct OutcomeKey: Hashable, Sendable {
    var requestID: UInt64
    var decisionIndex: UInt64
}

struct OwedOutcome: Sendable, Equatable {
    var service: String
    var status: DeployStatus
    var sentTo: NodeID?
    var sentAt: UInt64 = 0
}
