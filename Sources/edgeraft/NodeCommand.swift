import ArgumentParser
import Node

struct NodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Run a cluster node from a config file; every setting is also a flag, and flags win.",
        discussion: "See docs/node-config.example.yaml for every key. --check-config validates and prints the resolved configuration without starting.")

    @Option(help: "The YAML config file.")
    var config: String?

    @Flag(help: "Check everything (files, roster, data directory), print the resolved configuration and exit.")
    var checkConfig = false

    @Option(name: .customLong("node-id"), help: "This node's id, 1…65535.") var nodeID: Int?
    @Option(name: .customLong("cluster-id"), help: "The cluster's id, 1…65535 (recorded in the data directory on first start).") var clusterID: Int?
    @Option(help: "UDP HOST:PORT for node-to-node traffic.") var listen: String?
    @Option(help: ArgumentHelp("A member: ID=HOST:PORT[,PUBLIC-KEY] (repeat; replaces the file's peers).", valueName: "peer"))
    var peer: [String] = []
    @Option(name: .customLong("private-key"), help: "This node's key file from `edgeraft keygen` (mode 0600).") var privateKey: String?
    @Option(name: .customLong("cluster-key-file"), help: "Optional pre-shared cluster key file (64 hex digits, mode 0600).") var clusterKeyFile: String?
    @Option(help: "true|false: no encryption or authentication between nodes (local benchmarks only).") var insecure: Bool?
    @Option(name: .customLong("data-dir"), help: "The node's durable state: Raft log, snapshots, service logs (created 0700).") var dataDirectory: String?
    @Option(name: .customLong("gateway-listen"), help: "HOST:PORT of the client API (turns the gateway on; default 127.0.0.1:7700).") var gatewayListen: String?
    @Option(name: .customLong("gateway-token-file"), help: "The bearer token clients must send: a file of mode 0600 (turns the gateway on).") var gatewayTokenFile: String?
    @Option(name: .customLong("gateway-tls-cert"), help: "The client API's TLS certificate (PEM); with --gateway-tls-key.") var gatewayTLSCertificate: String?
    @Option(name: .customLong("gateway-tls-key"), help: "The client API's TLS private key (PEM); with --gateway-tls-cert.") var gatewayTLSKey: String?
    @Option(name: .customLong("gateway-allow-plaintext-remote"), help: "true|false: serve a non-loopback address without TLS (warned at every start).") var gatewayAllowPlaintextRemote: Bool?
    @Option(name: .customLong("gateway-max-body-bytes"), help: "Largest request body, 1024…16777216 bytes (default 65536).") var gatewayMaxBodyBytes: Int?
    @Option(name: .customLong("gateway-request-timeout-ms"), help: "How long a deploy may take before a retryable timeout, 1…600000 ms (default 10000).") var gatewayRequestTimeoutMillis: Int?
    @Option(help: "stable|on-demand: a leader stays, or none while idle (default stable).") var mode: String?
    @Option(name: .customLong("idle-ms"), help: "On-demand: ms without requests before the leader retires, 0…3600000 (default 2000).") var idleMillis: Int?
    @Option(name: .customLong("tick-ms"), help: "The Raft tick, 1…10000 ms (default from the link profile, 10 on loopback).") var tickMillis: Int?
    @Option(name: .customLong("election-ticks"), help: "Election timeout in ticks, 2…1000 (default 10).") var electionTicks: Int?
    @Option(name: .customLong("heartbeat-ticks"), help: "Heartbeat interval in ticks, fewer than --election-ticks (default 1).") var heartbeatTicks: Int?
    @Option(name: .customLong("can-lead"), help: "true|false: false for a node that votes but never campaigns (default true).") var canLead: Bool?
    @Option(help: "true|false: join a running cluster as a non-member that waits for `edgeraft member add` (see docs/node.md).") var join: Bool?
    @Option(help: "cpu|memory|weighted: the load placement ranks by, cluster-wide (default cpu).") var metric: String?
    @Option(name: .customLong("cpu-weight"), help: "Weighted metric: the CPU share in ‰, 0…1000 (default 500).") var cpuWeight: Int?
    @Option(name: .customLong("max-report-age-ms"), help: "A load report older than this is stale, 1…3600000 ms, cluster-wide (default 5000).") var maxReportAgeMillis: Int?
    @Option(name: .customLong("sample-ms"), help: "How often the node measures its load, 10…60000 ms (default 1000).") var sampleMillis: Int?
    @Option(help: "An injected load: 'cpu=‰ memory=MiB [cores=N] [capacity=MiB]'.") var load: String?
    @Option(name: .customLong("load-file"), help: "A file holding an injected load in the --load format, re-read at every sample.") var loadFile: String?
    @Option(help: "process|dry-run: how services run (default process).") var engine: String?
    @Option(help: "A link profile to emulate (tests and benchmarks).") var link: String?
    @Option(name: .customLong("log-level"), help: "trace|debug|info|notice|warning|error|critical (default info).") var logLevel: String?
    @Option(name: .customLong("test-lie-placement"), help: "true|false, test only: as leader, propose the most loaded node.") var testLiePlacement: Bool?

    var overrides: NodeConfigOverrides {
        var o = NodeConfigOverrides()
        o.nodeID = nodeID
        o.clusterID = clusterID
        o.listen = listen
        o.peers = peer.isEmpty ? nil : peer
        o.privateKey = privateKey
        o.clusterKeyFile = clusterKeyFile
        o.insecure = insecure
        o.dataDirectory = dataDirectory
        o.gatewayListen = gatewayListen
        o.gatewayTokenFile = gatewayTokenFile
        o.gatewayTLSCertificate = gatewayTLSCertificate
        o.gatewayTLSKey = gatewayTLSKey
        o.gatewayAllowPlaintextRemote = gatewayAllowPlaintextRemote
        o.gatewayMaxBodyBytes = gatewayMaxBodyBytes
        o.gatewayRequestTimeoutMillis = gatewayRequestTimeoutMillis
        o.mode = mode
        o.idleMillis = idleMillis
        o.tickMillis = tickMillis
        o.electionTicks = electionTicks
        o.heartbeatTicks = heartbeatTicks
        o.canLead = canLead
        o.join = join
        o.metric = metric
        o.cpuWeight = cpuWeight
        o.maxReportAgeMillis = maxReportAgeMillis
        o.sampleMillis = sampleMillis
        o.load = load
        o.loadFile = loadFile
        o.engine = engine
        o.link = link
        o.logLevel = logLevel
        o.testLiePlacement = testLiePlacement
        return o
    }

    func run() throws {
        let check = NodeConfigCheck.run(configFile: config, overrides: overrides)
        for warning in check.warnings { printError("warning: \(warning.description)") }
        guard check.succeeded, let resolved = check.config else {
            for message in check.messages { printError("error: \(message)") }
            throw ExitCode(1)
        }
        if checkConfig {
            print(resolved.renderYAML(), terminator: "")
            switch check.dataDirectory {
            case .matches?: print("# data-dir: recorded for cluster \(resolved.clusterID), node \(resolved.nodeID)")
            case .unrecorded(directoryExists: true)?: print("# data-dir: not recorded yet; the first start records cluster \(resolved.clusterID), node \(resolved.nodeID)")
            case .unrecorded(directoryExists: false)?: print("# data-dir: does not exist yet; the first start creates it (mode 0700) and records it")
            case nil: break
            }
            return
        }
        let status = NodeDaemonLauncher.run(config: resolved, warnings: check.warnings.map(\.description))
        if status != 0 { throw ExitCode(status) }
    }
}
