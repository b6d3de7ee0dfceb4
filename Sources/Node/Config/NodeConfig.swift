import NetworkModel
import Wire

/// Everything `edgeraft node` runs with, after the config file and the flags are merged
/// and checked (`NodeConfigLoader`). The YAML key of each setting is in brackets; every key
/// is also a flag of the same name (`--tick-ms 20`), and flags override the file.
public struct NodeConfig: Equatable, Sendable {
    public enum Mode: Equatable, Sendable, CustomStringConvertible {
        case stable
        /// The paper's: no leader while idle; a leader retires after `idleMillis` without
        /// requests (0: as soon as its decision commits — every request elects anew).
        case onDemand(idleMillis: UInt64)

        public var description: String {
            switch self {
            case .stable: return "stable"
            case .onDemand(let idle): return "on-demand (idle \(idle) ms)"
            }
        }
    }

    public enum EngineKind: String, Equatable, Sendable, CaseIterable {
        case process
        case dryRun = "dry-run"

        /// Whether a service needs a command to run on this engine.
        public var runsCommand: Bool { self == .process }
    }

    public struct Peer: Equatable, Sendable {
        public var id: NodeID
        /// `HOST:PORT` (IPv4 or `[IPv6]:PORT`).
        public var address: String
        /// 64 hex digits; nil only in insecure mode.
        public var publicKeyHex: String?

        public init(id: NodeID, address: String, publicKeyHex: String?) {
            self.id = id
            self.address = address
            self.publicKeyHex = publicKeyHex
        }
    }

    public struct Gateway: Equatable, Sendable {
        /// [gateway.listen] `HOST:PORT` of the client API; default 127.0.0.1:7700.
        public var listen: String = "127.0.0.1:7700"
        /// [gateway.token-file] The bearer token clients must send (required).
        public var tokenFile: String
        /// [gateway.tls-cert], [gateway.tls-key]: needed to listen beyond loopback...
        public var tlsCertificateFile: String?
        public var tlsKeyFile: String?
        /// [gateway.allow-plaintext-remote] ...or this, which warns at every start.
        public var allowPlaintextRemote: Bool = false
        /// [gateway.max-body-bytes]
        public var maxBodyBytes: Int = 64 * 1024
        /// [gateway.request-timeout-ms] How long a deploy may take before the client gets a
        /// retryable timeout.
        public var requestTimeoutMillis: UInt64 = 10_000
        /// Not a key: set from `engine` when the config is loaded. A deploy without a command
        /// is refused with 400 at once when this node's engine runs one (`process`), instead
        /// of being decided and failing on every node it is tried on.
        public var commandRequired: Bool = false

        public init(tokenFile: String) { self.tokenFile = tokenFile }
    }

    /// [node-id] 1…65535.
    public var nodeID: NodeID
    /// [cluster-id] 1…65535; recorded in the data directory on first start.
    public var clusterID: ClusterID
    /// [listen] UDP `HOST:PORT` for node-to-node traffic.
    public var listen: String
    /// [peers] Every other member at start: id, address, public key.
    public var peers: [Peer]
    /// [private-key] This node's key file (`edgeraft keygen`), 0600.
    public var privateKeyFile: String?
    /// [cluster-key-file] Optional pre-shared key (else `EDGERAFT_CLUSTER_KEY`, else none).
    public var clusterKeyFile: String?
    /// [insecure] No encryption or authentication: local benchmarks only (warned at start).
    public var insecure: Bool = false
    /// [data-dir]
    public var dataDirectory: String
    /// [gateway] nil: this node serves no client API.
    public var gateway: Gateway?
    /// [mode] `stable` | `on-demand`, with [idle-ms] for on-demand (default 2000).
    public var mode: Mode = .stable
    /// [tick-ms] The Raft tick; default from the link profile (10 ms on loopback/LAN).
    public var tickMillis: UInt64 = 10
    /// [election-ticks], [heartbeat-ticks]
    public var electionTicks: Int = 10
    public var heartbeatTicks: Int = 1
    /// [can-lead] false for a weak node that votes but never campaigns.
    public var canLead: Bool = true
    /// [join] This node joins a running cluster: it is not one of the members the cluster
    /// started with (the peers are), so it starts outside the membership, receives the log
    /// once `edgeraft member add` adds it, and votes once promoted.
    public var join: Bool = false
    /// [metric] `cpu` | `memory` | `weighted` with [cpu-weight] 0…1000 ‰. Cluster-wide.
    public var metric: LoadMetric = .cpu
    /// [max-report-age-ms] Cluster-wide: a report older than this is stale.
    public var maxReportAgeMillis: UInt32 = 5_000
    /// [sample-ms] How often the node measures its own load.
    public var samplePeriodMillis: UInt64 = 1_000
    /// [load] An injected load (`cpu=‰ memory=MiB [cores=N] [capacity=MiB]`) or
    /// [load-file] a file of that format re-read at each sample; tests and benchmarks.
    public var injectedLoad: String?
    public var injectedLoadFile: String?
    /// [engine]
    public var engine: EngineKind = .process
    /// [link] Emulated link conditions (a `LinkProfile` name) on every datagram this node
    /// sends; tests and benchmarks only (warned at start).
    public var linkEmulation: String?
    /// [log-level] trace | debug | info | notice | warning | error | critical
    public var logLevel: String = "info"
    /// [test-lie-placement] Test-only: the leader proposes the most loaded node instead of
    /// the least loaded one for each request's first decision (the verification test).
    public var testLiePlacement: Bool = false

    public init(nodeID: NodeID, clusterID: ClusterID, listen: String, peers: [Peer], dataDirectory: String) {
        self.nodeID = nodeID
        self.clusterID = clusterID
        self.listen = listen
        self.peers = peers
        self.dataDirectory = dataDirectory
    }

    /// Every member's id, this node's included, ascending.
    public var memberIDs: [NodeID] { (peers.map(\.id) + [nodeID]).sorted() }
    /// The voters the cluster started with: the peers alone for a joining node.
    public var initialVoters: [NodeID] { join ? peers.map(\.id).sorted() : memberIDs }
}
