import ClientAPI
import Node

/// When a starting local cluster counts as up, node by node. A gateway is ready when its
/// process runs and its `/v1/health` answers — in stable mode also when its `/v1/cluster`
/// names a leader. Another node cannot be asked directly: it is ready when it runs and a
/// ready gateway has heard from it (a session or a load report), or — since a follower
/// gateway hears only from the leader — when it runs once a ready gateway names a leader
/// (a node that cannot start exits, which `cluster up` reports). In on-demand mode an idle
/// cluster sends nothing, so there a running node is ready once a gateway is.
public enum ClusterReadiness {
    public struct Observation: Equatable, Sendable {
        public var id: UInt16
        public var running: Bool
        public var isGateway: Bool
        /// The gateway's `/v1/health` answered (gateways only).
        public var healthy: Bool
        /// The gateway's `/v1/cluster` (gateways only; nil if not asked or no answer).
        public var view: ClusterView?

        public init(id: UInt16, running: Bool, isGateway: Bool, healthy: Bool = false, view: ClusterView? = nil) {
            self.id = id
            self.running = running
            self.isGateway = isGateway
            self.healthy = healthy
            self.view = view
        }
    }

    /// Whether the mode needs a leader before the cluster is ready.
    public static func needsLeader(_ mode: NodeConfig.Mode) -> Bool { mode == .stable }

    public static func readyNodes(mode: NodeConfig.Mode, _ observations: [Observation]) -> Set<UInt16> {
        let readyGateways = observations.filter { observation in
            observation.isGateway && observation.running && observation.healthy
                && (!needsLeader(mode) || observation.view?.leader != nil)
        }
        var ready = Set(readyGateways.map(\.id))
        let heardOf = Set(readyGateways.compactMap(\.view).flatMap(\.members).filter { member in
            member.load != nil || member.link?.sessionEstablished == true
        }.map(\.id))
        for observation in observations where !observation.isGateway && observation.running {
            if heardOf.contains(observation.id) || !readyGateways.isEmpty { ready.insert(observation.id) }
        }
        return ready
    }
}
