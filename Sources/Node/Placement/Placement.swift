import Wire

/// The placement rule, one function for the leader that chooses and the followers that
/// verify: among candidates with a fresh report that fit the demand, the lowest projected
/// load; ties go to fewer pending services, then to the lower node id.
public enum Placement {
    public static func choose(
        _ demand: ResourceDemand, among candidates: [Candidate], policy: PlacementPolicy
    ) -> Result<NodeID, PlacementFailure> {
        guard !candidates.isEmpty else { return .failure(.noReports) }
        var seen = Set<NodeID>()
        var stale: [NodeID] = []
        var tooSmall: [NodeID] = []
        var best: (key: RankKey, node: NodeID)?
        for candidate in candidates {
            guard seen.insert(candidate.node).inserted else { return .failure(.duplicateNode(candidate.node)) }
            guard candidate.isFresh(policy) else {
                stale.append(candidate.node)
                continue
            }
            guard candidate.fits(demand) else {
                tooSmall.append(candidate.node)
                continue
            }
            let key = RankKey(load: candidate.projectedLoadPPM(policy), pending: UInt64(candidate.pending.services), node: candidate.node)
            if best.map({ key < $0.key }) ?? true { best = (key, candidate.node) }
        }
        if let best { return .success(best.node) }
        if tooSmall.isEmpty { return .failure(.noFreshReport(stale: stale.sorted())) }
        return .failure(.noNodeFits(demand: demand, tooSmall: tooSmall.sorted(), stale: stale.sorted()))
    }

    /// The request's demand as placement reads it.
    public static func demand(of request: DeployRequest) -> ResourceDemand {
        ResourceDemand(cpuMillicores: request.cpuMillicores, memoryMiB: request.memoryMiB)
    }

    private struct RankKey: Comparable {
        var load: UInt64
        var pending: UInt64
        var node: NodeID

        static func < (a: RankKey, b: RankKey) -> Bool {
            (a.load, a.pending, a.node) < (b.load, b.pending, b.node)
        }
    }
}

extension Placement {
    /// The leader's step: choose, and write the decision entry that records exactly what the
    /// choice was made from, so that `DecisionVerifier` reaches the same node.
    public static func decide(
        _ request: DeployRequest, among candidates: [Candidate], policy: PlacementPolicy,
        leader: NodeID, term: UInt64, timestampMicros: UInt64
    ) -> Result<DecisionEntry, PlacementFailure> {
        choose(demand(of: request), among: candidates, policy: policy).map { chosen in
            DecisionEntry(
                request: request, chosen: chosen, leader: leader, term: term, timestampMicros: timestampMicros,
                loads: candidates.map { NodeLoad(node: $0.node, report: $0.report) },
                pending: candidates.filter { !$0.pending.isEmpty }.sorted { $0.node < $1.node }.map { $0.pending.pendingLoad(on: $0.node) })
        }
    }
}
