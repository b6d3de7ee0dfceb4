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

    @Option(name: .customLong("node-id")) var nodeID: Int?
    @Option(name: .customLong("cluster-id")) var clusterID: Int?
    @Option(help: "UDP HOST:PORT for node-to-node traffic.") var listen: String?
    @Option(help: ArgumentHelp("A member: ID=HOST:PORT[,PUBLIC-KEY] (repeat; replaces the file's peers).", valueName: "peer"))
    var peer: [String] = []
    @Option(name: .customLong("private-key")) var privateKey: String?
    @Option(name: .customLong("cluster-key-file")) var clusterKeyFile: String?
    @Option(help: "true|false") var insecure: Bool?
    @Option(name: .customLong("data-dir")) var dataDirectory: String?
    @Option(name: .customLong("gateway-listen")) var gatewayListen: String?
    @Option(name: .customLong("gateway-token-file")) var gatewayTokenFile: String?
    @Option(name: .customLong("gateway-tls-cert")) var gatewayTLSCertificate: String?
    @Option(name: .customLong("gateway-tls-key")) var gatewayTLSKey: String?
    @Option(name: .customLong("gateway-allow-plaintext-remote"), help: "true|false") var gatewayAllowPlaintextRemote: Bool?
    @Option(name: .customLong("gateway-max-body-bytes")) var gatewayMaxBodyBytes: Int?
    @Option(name: .customLong("gateway-request-timeout-ms")) var gatewayRequestTimeoutMillis: Int?
    @Option(help: "stable|on-demand") var mode: String?
    @Option(name: .customLong("idle-ms")) var idleMillis: Int?
    @Option(name: .customLong("tick-ms")) var tickMillis: Int?
    @Option(name: .customLong("election-ticks")) var electionTicks: Int?
    @Option(name: .customLong("heartbeat-ticks")) var heartbeatTicks: Int?
    @Option(name: .customLong("can-lead"), help: "true|false") var canLead: Bool?
    @Option(help: "true|false: join a running cluster (see docs/node.md)") var join: Bool?
    @Option(help: "cpu|memory|weighted") var metric: String?
    @Option(name: .customLong("cpu-weight")) var cpuWeight: Int?
    @Option(name: .customLong("max-report-age-ms")) var maxReportAgeMillis: Int?
    @Option(name: .customLong("sample-ms")) var sampleMillis: Int?
    @Option(help: "An injected load: 'cpu=‰ memory=MiB [cores=N] [capacity=MiB]'.") var load: String?
    @Option(name: .customLong("load-file")) var loadFile: String?
    @Option(help: "process|dry-run") var engine: String?
    @Option(help: "A link profile to emulate (tests and benchmarks).") var link: String?
    @Option(name: .customLong("log-level")) var logLevel: String?
    @Option(name: .customLong("test-lie-placement"), help: "true|false") var testLiePlacement: Bool?

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
