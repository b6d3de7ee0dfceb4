/// `GET /v1/cluster`: what the gateway node knows of the cluster.
public struct ClusterView: Codable, Equatable, Sendable {
    public struct Member: Codable, Equatable, Sendable {
        public var id: UInt16
        public var address: String
        public var voter: Bool
        /// The last workload report this node holds from it (the node's own for itself).
        public var load: LoadView?
        /// Transport statistics of this node's link to it (nil for itself).
        public var link: LinkView?

        public init(id: UInt16, address: String, voter: Bool, load: LoadView? = nil, link: LinkView? = nil) {
            self.id = id
            self.address = address
            self.voter = voter
            self.load = load
            self.link = link
        }
    }

    public struct LoadView: Codable, Equatable, Sendable {
        public var cpuBusyPermille: UInt16
        public var memoryUsedMiB: UInt32
        public var loadPermille: UInt16
        public var freeCPUMillicores: UInt32
        public var freeMemoryMiB: UInt32
        public var ageMillis: UInt64

        public init(cpuBusyPermille: UInt16, memoryUsedMiB: UInt32, loadPermille: UInt16, freeCPUMillicores: UInt32, freeMemoryMiB: UInt32, ageMillis: UInt64) {
            self.cpuBusyPermille = cpuBusyPermille
            self.memoryUsedMiB = memoryUsedMiB
            self.loadPermille = loadPermille
            self.freeCPUMillicores = freeCPUMillicores
            self.freeMemoryMiB = freeMemoryMiB
            self.ageMillis = ageMillis
        }
    }

    public struct LinkView: Codable, Equatable, Sendable {
        public var smoothedRTTMicros: UInt64?
        public var retransmissions: UInt64
        public var drops: UInt64
        public var sessionEstablished: Bool
        /// Datagrams and bytes (above UDP) this node sent to it.
        public var datagramsSent: UInt64
        public var bytesSent: UInt64

        public init(
            smoothedRTTMicros: UInt64?, retransmissions: UInt64, drops: UInt64, sessionEstablished: Bool,
            datagramsSent: UInt64 = 0, bytesSent: UInt64 = 0
        ) {
            self.smoothedRTTMicros = smoothedRTTMicros
            self.retransmissions = retransmissions
            self.drops = drops
            self.sessionEstablished = sessionEstablished
            self.datagramsSent = datagramsSent
            self.bytesSent = bytesSent
        }
    }

    /// The node answering.
    public var node: UInt16
    public var clusterId: UInt16
    public var mode: String
    /// `follower` | `preCandidate` | `candidate` | `leader`.
    public var role: String
    public var leader: UInt16?
    public var term: UInt64
    public var commitIndex: UInt64
    public var appliedIndex: UInt64
    public var members: [Member]

    public init(
        node: UInt16, clusterId: UInt16, mode: String, role: String, leader: UInt16?, term: UInt64, commitIndex: UInt64,
        appliedIndex: UInt64, members: [Member]
    ) {
        self.node = node
        self.clusterId = clusterId
        self.mode = mode
        self.role = role
        self.leader = leader
        self.term = term
        self.commitIndex = commitIndex
        self.appliedIndex = appliedIndex
        self.members = members
    }
}
