import Raft
import Wire

/// The replicated state every node builds by applying committed entries in log order:
/// service name → decision, node, status. Pure: entries in, effects out.
public struct ServiceSet: Sendable {
    public let me: NodeID
    public let policy: PlacementPolicy
    public private(set) var appliedIndex: UInt64 = 0
    public private(set) var services: [String: ServiceRecord] = [:]
    /// The service name each active request holds, so that a retried request (same id) is
    /// recognised and never decided twice.
    private var activeRequests: [UInt64: String] = [:]

    /// The cluster's members: a decision quoting a load for any other node is refused (a
    /// leader could otherwise invent an idle node and send a service nowhere). nil: not checked.
    /// Follows the committed membership entries, applied in log order like everything else,
    /// so every node judges a decision against the same members.
    public private(set) var members: Set<NodeID>?

    public init(me: NodeID, policy: PlacementPolicy, members: Set<NodeID>? = nil) {
        self.me = me
        self.policy = policy
        self.members = members
    }

    /// The record an active request holds, if any: what a gateway answers a retry with.
    public func record(forRequest requestID: UInt64) -> ServiceRecord? {
        activeRequests[requestID].flatMap { services[$0] }
    }

    /// What this node should run now: the active services decided onto it.
    public var desiredHere: [ServiceRecord] {
        services.values.filter { $0.node == me && $0.status.isActive }.sorted { $0.decisionIndex < $1.decisionIndex }
    }

    /// Applies the entry at `index`. An index at or below `appliedIndex` was applied before
    /// and changes nothing (re-delivery after a restart or a repeated commit notice).
    public mutating func apply(index: UInt64, entry: LogEntry) -> [ServiceEffect] {
        guard index > appliedIndex else { return [] }
        appliedIndex = index
        switch entry.kind {
        case .noop:
            return []
        case .membership:
            if members != nil, let membership = try? Membership.decodeEntry(entry.payload).membership {
                members = Set(membership.members)
            }
            return []
        case .decision:
            do throws(WireError) {
                return applyDecision(try DecisionEntry.decode(entry.payload), index: index)
            } catch {
                return [.malformedEntry(index: index, error: error)]
            }
        case .outcome:
            do throws(WireError) {
                return applyOutcome(try OutcomeEntry.decode(entry.payload))
            } catch {
                return [.malformedEntry(index: index, error: error)]
            }
        }
    }

    private mutating func applyDecision(_ decision: DecisionEntry, index: UInt64) -> [ServiceEffect] {
        let request = decision.request
        // A retry of a request that already holds a decision: that decision stands.
        if activeRequests[request.requestID] != nil { return [] }
        let existing = services[request.service]
        var verdict = DecisionVerifier.verify(decision, policy: policy)
        if verdict == .accepted, let members, let stranger = decision.loads.map(\.node).first(where: { !members.contains($0) }) {
            verdict = .refused(.notAMember(stranger))
        }
        if verdict == .accepted, let unbacked = unbackedPending(decision) { verdict = .refused(unbacked) }
        if case .refused(let refusal) = verdict {
            let reason = "decision at index \(index) refused: \(refusal)"
            if existing.map({ !$0.status.isActive }) ?? true {
                services[request.service] = ServiceRecord(request: request, decisionIndex: index, node: decision.chosen, status: .refused(reason: reason))
            }
            return [.redecide(request: request, reason: reason)]
        }
        if let existing, existing.status.isActive {
            return [.rejected(request: request, reason: "service \(request.service) is already deployed by request \(existing.request.requestID)")]
        }
        let record = ServiceRecord(request: request, decisionIndex: index, node: decision.chosen, status: .decided)
        services[request.service] = record
        activeRequests[request.requestID] = request.service
        var effects: [ServiceEffect] = []
        // An earlier, no longer active instance here is cleaned up before the new one starts.
        if let existing, existing.node == me { effects.append(.stop(service: existing.name, decisionIndex: existing.decisionIndex)) }
        if record.node == me { effects.append(.ensureRunning(record)) }
        return effects
    }

    /// Pending figures steer placement, so a leader could inflate them to push a service off
    /// the node that should get it. Every pending service must be one the log holds as
    /// active on that node (decided before this entry): the claim is checked against them.
    private func unbackedPending(_ decision: DecisionEntry) -> DecisionRefusal? {
        for item in decision.pending {
            let decided = services.values.reduce(into: Reservation.none) { sum, record in
                if record.node == item.node && record.status.isActive { sum = sum.adding(Placement.demand(of: record.request)) }
            }
            if item.services > decided.services || item.cpuMillicores > decided.cpuMillicores || item.memoryMiB > decided.memoryMiB {
                return .pendingNotInLog(node: item.node, claimed: Reservation(item), decided: decided)
            }
        }
        return nil
    }

    private mutating func applyOutcome(_ outcome: OutcomeEntry) -> [ServiceEffect] {
        // Only the chosen node speaks for the current decision; anything else is stale.
        guard let name = activeRequests[outcome.requestID], var record = services[name],
              record.decisionIndex == outcome.decisionIndex, record.node == outcome.node
        else { return [] }
        switch outcome.status {
        case .accepted:
            if record.status == .decided { record.status = .accepted }
            services[name] = record
            return []
        case .running:
            record.status = .running
            services[name] = record
            return []
        case .failed(let reason):
            record.status = .failed(reason: reason)
            services[name] = record
            activeRequests[outcome.requestID] = nil
            var effects: [ServiceEffect] = []
            if record.node == me { effects.append(.stop(service: name, decisionIndex: record.decisionIndex)) }
            effects.append(.redecide(request: record.request, reason: "node \(record.node) failed: \(reason)"))
            return effects
        case .removed:
            record.status = .removed
            services[name] = record
            activeRequests[outcome.requestID] = nil
            return record.node == me ? [.stop(service: name, decisionIndex: record.decisionIndex)] : []
        }
    }
}
