import ClientAPI
import Wire

/// The client requests a gateway holds until their outcome is committed: which leader each
/// went to and when, what the leader answered, and the clients waiting for it (a retry of
/// the same request id joins the waiting list instead of starting a second decision).
struct GatewayRequests: Sendable, Equatable {
    struct Held: Sendable, Equatable {
        var request: DeployRequest
        var tickets: [ClientTicket]
        var elabMicros: UInt64
        var deadline: UInt64
        var sentTo: NodeID?
        var sentAt: UInt64 = 0
        /// The node that answered it is not the leader (while this node still thinks it is).
        var refusedBy: NodeID?
        /// The leader's answer: where it went, with the phase timings.
        var placement: DeployPlacement?
        var preVoteNetworkMicros: UInt64 = 0
        /// Decisions that did not hold (their node failed to start it).
        var failedDecisions = 0
    }

    /// Requests held at once; more are refused as unavailable (retryable).
    static let maxHeld = 1_024
    /// Clients waiting on one request id.
    static let maxTicketsPerRequest = 16

    private(set) var requests: [UInt64: Held] = [:]

    var isFull: Bool { requests.count >= Self.maxHeld }

    mutating func add(ticket: ClientTicket, request: DeployRequest, elabMicros: UInt64, deadline: UInt64) -> Bool {
        if var held = requests[request.requestID] {
            guard held.tickets.count < Self.maxTicketsPerRequest else { return false }
            held.tickets.append(ticket)
            held.deadline = max(held.deadline, deadline)
            requests[request.requestID] = held
            return true
        }
        guard !isFull else { return false }
        requests[request.requestID] = Held(request: request, tickets: [ticket], elabMicros: elabMicros, deadline: deadline)
        return true
    }

    subscript(id: UInt64) -> Held? {
        get { requests[id] }
        set { requests[id] = newValue }
    }

    var ids: [UInt64] { requests.keys.sorted() }

    mutating func remove(_ id: UInt64) -> Held? { requests.removeValue(forKey: id) }
}
