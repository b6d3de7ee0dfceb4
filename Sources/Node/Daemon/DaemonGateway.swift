import ClientAPI
import Transport
import Wire

/// The client API's view of the daemon: every call is carried to the node's loop thread.
public struct DaemonGateway: ClientGateway {
    public let daemon: NodeDaemon

    public init(daemon: NodeDaemon) {
        self.daemon = daemon
    }

    public func deploy(_ request: DeployRequest, elabMicros: UInt64) async -> Result<ServiceView, GatewayError> {
        await daemon.deploy(request, elabMicros: elabMicros)
    }

    public func undeploy(service: String) async -> Result<ServiceView, GatewayError> {
        await daemon.undeploy(service: service)
    }

    public func changeMember(_ change: MemberChange) async -> Result<MemberView, GatewayError> {
        await daemon.changeMember(change)
    }

    public func services() async -> [ServiceView] {
        await daemon.read { $0.serviceViews } ?? []
    }

    public func service(named name: String) async -> ServiceView? {
        await daemon.read { $0.serviceView(named: name) } ?? nil
    }

    public func clusterStatus() async -> ClusterView {
        let clusterID = daemon.clusterID
        let roster = daemon.roster
        var view = await daemon.read { core in
            // The configured addresses, then the log's roster (members added since).
            let addresses = core.roster.reduce(into: roster) { $0[$1.key] = $1.value.addressText }
            return core.clusterView(clusterID: clusterID, addresses: addresses, now: MonotonicClock.nowMicros())
        } ?? ClusterView(node: 0, clusterId: clusterID, mode: "", role: "stopping", leader: nil, term: 0, commitIndex: 0, appliedIndex: 0, members: [])
        for index in view.members.indices where view.members[index].id != view.node {
            view.members[index].link = daemon.linkView(for: view.members[index].id)
        }
        return view
    }
}
