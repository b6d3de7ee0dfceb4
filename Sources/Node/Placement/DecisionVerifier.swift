import Wire

/// What a node concludes about a decision entry. The verdict depends on the entry and the
/// cluster's policy only, so every node that applies the entry reaches the same one.
public enum DecisionVerdict: Equatable, Sendable, Hashable {
    case accepted
    case refused(DecisionRefusal)
}

public enum DecisionRefusal: Error, Equatable, Sendable, Hashable, CustomStringConvertible {
    /// The rule picks another node from the same loads.
    case wrongNode(chosen: NodeID, expected: NodeID)
    /// The rule picks no node at all from these loads.
    case nothingFits(PlacementFailure)
    /// Pending reservations are given for a node without a recorded load.
    case pendingWithoutLoad(NodeID)
    /// The pending figures for a node exceed what the log has decided onto it (checked by
    /// the service set, which knows the log; see `ServiceSet`).
    case pendingNotInLog(node: NodeID, claimed: Reservation, decided: Reservation)
    /// A load is recorded for a node that is not a member of the cluster (checked by the
    /// service set, which knows the members).
    case notAMember(NodeID)

    public var description: String {
        switch self {
        case .wrongNode(let chosen, let expected):
            return "chose node \(chosen) but the recorded loads pick node \(expected)"
        case .nothingFits(let failure):
            return "chose a node but the recorded loads pick none: \(failure)"
        case .pendingWithoutLoad(let node):
            return "pending services given for node \(node), which has no recorded load"
        case .pendingNotInLog(let node, let claimed, let decided):
            return "node \(node) has \(claimed.services) services (\(claimed.cpuMillicores) millicores, \(claimed.memoryMiB) MiB) pending"
                + " but the log decided \(decided.services) (\(decided.cpuMillicores) millicores, \(decided.memoryMiB) MiB) onto it"
        case .notAMember(let node):
            return "a load is recorded for node \(node), which is not a member of the cluster"
        }
    }
}

/// Followers' (and the leader's own) check of a decision: re-run `Placement.choose` on the
/// recorded loads and compare.
public enum DecisionVerifier {
    public static func verify(_ entry: DecisionEntry, policy: PlacementPolicy) -> DecisionVerdict {
        let recorded = Set(entry.loads.map(\.node))
        if let stray = entry.pending.first(where: { !recorded.contains($0.node) }) {
            return .refused(.pendingWithoutLoad(stray.node))
        }
        let demand = Placement.demand(of: entry.request)
        switch Placement.choose(demand, among: Candidate.recorded(in: entry), policy: policy) {
        case .failure(let failure):
            return .refused(.nothingFits(failure))
        case .success(let expected):
            return expected == entry.chosen ? .accepted : .refused(.wrongNode(chosen: entry.chosen, expected: expected))
        }
    }
}
