import ClientAPI
import Raft
import Wire

/// A client's membership change (`edgeraft member add|promote|remove`), held by its gateway
/// until the gateway's own log commits it.
struct HeldMemberChange: Sendable, Equatable {
    var tickets: [ClientTicket]
    var change: MemberChange
    var deadline: UInt64
    var sentTo: NodeID?
    var sentAt: UInt64 = 0
}

extension NodeCore {
    /// The membership as of this node's commit index.
    public var committedMembership: Membership { raft.membership(asOf: raft.commitIndex) }

    /// A client asks this gateway for a membership change. Checked here against the
    /// membership in force; then the leader proposes it (this node, or the leader it is sent to).
    public mutating func submitMemberChange(_ ticket: ClientTicket, _ change: MemberChange, now: UInt64) -> [NodeEffect] {
        if raft.storageHasFailed {
            return [.replyMember(ticket, .failure(.unavailable("this node's storage failed; send the change to another gateway")))]
        }
        if var held = heldMemberChange {
            guard held.change == change else {
                return [.replyMember(ticket, .failure(.conflict("another membership change (node \(held.change.node)) is in progress at this gateway; retry once it is answered")))]
            }
            held.tickets.append(ticket)
            heldMemberChange = held
            return []
        }
        if let problem = memberChangeProblem(change) { return [.replyMember(ticket, .failure(problem))] }
        // The leader takes a MemberChange frame only from a committed voter, never about
        // the gateway itself: say so now rather than time out.
        let committed = committedMembership
        if raft.role != .leader, change.node == me || !committed.isVoter(me) {
            let why = change.node == me ? "a change of this node itself" : "a change from a node that is not a voter"
            return [.replyMember(ticket, .failure(.conflict("the leader does not take \(why); send it to another voter's gateway")))]
        }
        heldMemberChange = HeldMemberChange(tickets: [ticket], change: change, deadline: now &+ settings.requestTimeoutMicros)
        return driveMemberChange(now: now)
    }

    /// Why `change` cannot be made now (nil: it can), as the client is told.
    func memberChangeProblem(_ change: MemberChange) -> GatewayError? {
        let membership = raft.membership
        if membership != committedMembership {
            return .conflict("a membership change is in progress (not committed yet); retry once it commits")
        }
        switch change {
        case .add(let record, _):
            if record.node == me || membership.contains(record.node) { return .conflict("node \(record.node) is already a member") }
            if record.publicKey == nil, configuredRoster.values.contains(where: { $0.publicKey != nil }) {
                return .invalid(field: "publicKey", message: "is required: this cluster authenticates its nodes by key")
            }
            let entry: RosterEntry
            do { entry = try RosterEntry(record: record) } catch {
                if case .badPublicKey = error { return .invalid(field: "publicKey", message: error.description) }
                return .invalid(field: "address", message: error.description)
            }
            if entry.address == settings.ownAddress || (entry.publicKey != nil && entry.publicKey == settings.ownPublicKey) {
                return .conflict("node \(me) (this gateway) already has that address or public key")
            }
            let taken = roster.filter { $0.value.address == entry.address || ($0.value.publicKey != nil && $0.value.publicKey == entry.publicKey) }
            if let other = taken.keys.min() {
                return .conflict("node \(other) already has that address or public key")
            }
        case .promote(let id):
            guard membership.contains(id) else { return .notFound("node \(id) is not a member") }
            if membership.isVoter(id) { return .conflict("node \(id) is a voter already") }
        case .remove(let id):
            guard membership.contains(id) else { return .notFound("node \(id) is not a member") }
            if membership.voters == [id] { return .conflict("node \(id) is the last voter") }
        }
        return nil
    }

    /// Whether `membership` shows the change made.
    static func shows(_ change: MemberChange, in membership: Membership) -> Bool {
        switch change {
        case .add(let record, let voter): voter ? membership.isVoter(record.node) : membership.contains(record.node)
        case .promote(let id): membership.isVoter(id)
        case .remove(let id): !membership.contains(id)
        }
    }

    /// Answers the change once committed here, times it out, or moves it on: proposes it
    /// as leader, sends it to the leader (again each `resendMicros`), or campaigns.
    mutating func driveMemberChange(now: UInt64) -> [NodeEffect] {
        guard var held = heldMemberChange else { return [] }
        let committed = committedMembership
        if Self.shows(held.change, in: committed) {
            heldMemberChange = nil
            let id = held.change.node
            let role = committed.isVoter(id) ? "voter" : committed.contains(id) ? "learner" : "removed"
            var address = roster[id]?.addressText ?? ""
            if case .add(let record, _) = held.change { address = record.address }
            let view = MemberView(id: id, address: address, role: role)
            return held.tickets.map { .replyMember($0, .success(view)) }
        }
        if now >= held.deadline {
            heldMemberChange = nil
            let message = "the change of node \(held.change.node) was not committed within \(settings.requestTimeoutMicros / 1000) ms; check `edgeraft status` before retrying"
            return held.tickets.map { .replyMember($0, .failure(.timeout(message))) }
        }
        if raft.role == .leader {
            return proposeMemberChange(held.change)
        }
        if let leader = raft.leader {
            guard held.sentTo != leader || now &- held.sentAt >= settings.resendMicros else { return [] }
            held.sentTo = leader
            held.sentAt = now
            heldMemberChange = held
            return [send(.memberChange(held.change), to: leader, now: now)]
        }
        maybeCampaign(now: now)
        return []
    }

    /// A gateway's change reaches this node: the leader proposes it if it still applies.
    /// Taken only from a voter of the committed membership, and never about the gateway
    /// itself (a learner cannot promote itself, nor a node remove or re-add itself).
    mutating func memberChangeArrived(_ change: MemberChange, from gateway: NodeID, now: UInt64) -> [NodeEffect] {
        guard committedMembership.isVoter(gateway), change.node != gateway else {
            refusedMemberChanges += 1
            if let last = memberChangeRefusalLoggedAt[gateway], now &- last < 1_000_000 { return [] }
            memberChangeRefusalLoggedAt[gateway] = now
            let why = change.node == gateway ? "it is about the sender itself" : "the sender is not a voter of the committed membership"
            return [.log(.warning, "membership change frame from node \(gateway) refused: \(why) (\(refusedMemberChanges) refused so far)")]
        }
        guard raft.role == .leader else { return [] }
        if Self.shows(change, in: raft.membership) { return [] }
        if let problem = memberChangeProblem(change) {
            return [.log(.info, "membership change from gateway \(gateway) not made: \(problem)")]
        }
        return proposeMemberChange(change)
    }

    /// As leader: appends the change's entry unless the log shows it already (a change in
    /// progress waits: the gateway's resend or the next drive tries again).
    mutating func proposeMemberChange(_ change: MemberChange) -> [NodeEffect] {
        guard raft.role == .leader, !Self.shows(change, in: raft.membership) else { return [] }
        let outcome: ProposalOutcome
        switch change {
        case .add(let record, let voter):
            guard (try? RosterEntry(record: record)) != nil else { return [] }
            outcome = raft.changeMembership(voter ? .addVoter(record.node) : .addLearner(record.node), record: record.encoded())
        case .promote(let id): outcome = raft.changeMembership(.addVoter(id))
        case .remove(let id): outcome = raft.changeMembership(.remove(id))
        }
        if case .appended(let index, _) = outcome {
            return [.log(.notice, "membership change of node \(change.node) appended at index \(index)")]
        }
        return []
    }
}
