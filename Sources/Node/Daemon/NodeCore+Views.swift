import ClientAPI
import Raft
import Wire

/// What the client API shows of this node's state.
extension NodeCore {
    public var serviceViews: [ServiceView] {
        services.services.values.sorted { $0.name < $1.name }.map { Self.view(of: $0, phases: nil) }
    }

    public func serviceView(named name: String) -> ServiceView? {
        services.services[name].map { Self.view(of: $0, phases: nil) }
    }

    /// The cluster as this node sees it; `addresses` from the roster, link statistics
    /// filled in by the shell (they live in Transport).
    public func clusterView(clusterID: ClusterID, addresses: [NodeID: String], now: UInt64) -> ClusterView {
        let role = switch raft.role {
        case .follower: "follower"
        case .preCandidate: "preCandidate"
        case .candidate: "candidate"
        case .leader: "leader"
        }
        let mode = switch settings.mode {
        case .stable: "stable"
        case .onDemand: "on-demand"
        }
        let nowMillis = now / 1000
        let members = raft.membership.members.map { node -> ClusterView.Member in
            var load: ClusterView.LoadView?
            if node == me, let report = sampler.report(nowMillis: nowMillis, reserved: ownReservation) {
                load = Self.loadView(report, ageMillis: UInt64(report.sampleAgeMillis))
            } else if let held = reports[node] {
                load = Self.loadView(held.report, ageMillis: UInt64(held.report.sampleAgeMillis) &+ (now &- held.receivedAt) / 1000)
            }
            return ClusterView.Member(id: node, address: addresses[node] ?? "", voter: raft.membership.isVoter(node), load: load)
        }
        return ClusterView(
            node: me, clusterId: clusterID, mode: mode, role: role, leader: raft.role == .leader ? me : raft.leader, term: raft.term,
            commitIndex: raft.commitIndex, appliedIndex: services.appliedIndex, members: members)
    }

    static func loadView(_ report: WorkloadReport, ageMillis: UInt64) -> ClusterView.LoadView {
        ClusterView.LoadView(
            cpuBusyPermille: report.cpuBusyPermille, memoryUsedMiB: report.memoryUsedMiB, loadPermille: report.loadPermille,
            freeCPUMillicores: report.freeCPUMillicores, freeMemoryMiB: report.freeMemoryMiB, ageMillis: ageMillis)
    }
}
