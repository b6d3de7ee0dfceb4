import Node

/// Everything `edgeraft cluster up` will create, decided before anything is: node ids,
/// ports, paths, and each node's config file. Pure: the ports and the cluster id come in.
public struct LocalClusterPlan: Equatable, Sendable {
    public struct Options: Equatable, Sendable {
        public var nodes: Int
        public var gateways: Int
        public var mode: NodeConfig.Mode
        public var engine: NodeConfig.EngineKind
        /// A link-emulation profile name, checked by the caller.
        public var link: String?
        public var insecure: Bool
        /// Absolute.
        public var directory: String
        public var logLevel: String?
        /// Each node reports an injected load instead of measuring this machine (whose nodes
        /// all share one CPU): node N at (8 + 2N) % CPU busy and 256 × N MiB used of 4 cores
        /// and 4 GiB — distinct and close, so placement's choice and a burst's spreading show.
        public var stagedLoads: Bool

        public init(
            nodes: Int = 6, gateways: Int = 2, mode: NodeConfig.Mode = .stable, engine: NodeConfig.EngineKind = .process, link: String? = nil,
            insecure: Bool = false, directory: String, logLevel: String? = nil, stagedLoads: Bool = false
        ) {
            self.stagedLoads = stagedLoads
            self.nodes = nodes
            self.gateways = gateways
            self.mode = mode
            self.engine = engine
            self.link = link
            self.insecure = insecure
            self.directory = directory
            self.logLevel = logLevel
        }
    }

    public struct NodePlan: Equatable, Sendable {
        public var id: UInt16
        public var udpPort: UInt16
        /// The client API's TCP port, for the first `gateways` nodes.
        public var gatewayPort: UInt16?
        public var directory: String
        public var configPath: String { directory + "/config.yaml" }
        public var dataDirectory: String { directory + "/data" }
        public var keyPath: String { directory + "/node.key" }
        public var logPath: String { directory + "/node.log" }
        public var listen: String { "127.0.0.1:\(udpPort)" }
        public var gatewayListen: String? { gatewayPort.map { "127.0.0.1:\($0)" } }
    }

    public enum PlanError: Error, Equatable, CustomStringConvertible {
        case nodeCount(Int)
        case gatewayCount(gateways: Int, nodes: Int)
        case ports(String)
        case relativeDirectory(String)

        public var description: String {
            switch self {
            case .nodeCount(let count): "--nodes must be 1…\(LocalClusterPlan.maxNodes), not \(count)"
            case .gatewayCount(let gateways, let nodes): "--gateways must be 1…\(nodes) (the number of nodes), not \(gateways)"
            case .ports(let why): "cannot plan the ports: \(why)"
            case .relativeDirectory(let path): "the cluster directory must be an absolute path here, not \(path)"
            }
        }
    }

    /// The injected load of node `node` with `stagedLoads`.
    public static func stagedLoad(node: UInt16) -> String {
        "cpu=\(80 + 20 * Int(node)) memory=\(256 * Int(node)) cores=4 capacity=4096"
    }

    /// A local cluster is for trying things on one machine; more nodes than this is a mistake.
    public static let maxNodes = 32

    public let options: Options
    public let clusterID: UInt16
    public let nodes: [NodePlan]

    public var tokenPath: String { options.directory + "/token" }
    public var recordPath: String { options.directory + "/" + ClusterRecord.fileName }
    public var gateways: [NodePlan] { nodes.filter { $0.gatewayPort != nil } }

    public init(options: Options, clusterID: UInt16, udpPorts: [UInt16], gatewayPorts: [UInt16]) throws(PlanError) {
        guard (1...Self.maxNodes).contains(options.nodes) else { throw .nodeCount(options.nodes) }
        guard (1...options.nodes).contains(options.gateways) else { throw .gatewayCount(gateways: options.gateways, nodes: options.nodes) }
        guard options.directory.hasPrefix("/") else { throw .relativeDirectory(options.directory) }
        guard udpPorts.count == options.nodes, gatewayPorts.count == options.gateways else {
            throw .ports("\(udpPorts.count) UDP and \(gatewayPorts.count) TCP ports for \(options.nodes) nodes and \(options.gateways) gateways")
        }
        guard Set(udpPorts).count == udpPorts.count, Set(gatewayPorts).count == gatewayPorts.count, !udpPorts.contains(0), !gatewayPorts.contains(0) else {
            throw .ports("the ports are not distinct and non-zero")
        }
        self.options = options
        self.clusterID = max(clusterID, 1)
        nodes = udpPorts.enumerated().map { index, port in
            NodePlan(
                id: UInt16(index + 1), udpPort: port, gatewayPort: index < gatewayPorts.count ? gatewayPorts[index] : nil,
                directory: options.directory + "/node-\(index + 1)")
        }
    }

    /// `node-N/config.yaml`, in the keys `NodeConfigLoader` reads. `publicKeys` maps each
    /// node id to its 64 hex digits (empty in insecure mode).
    public func configYAML(for node: NodePlan, publicKeys: [UInt16: String]) -> String {
        var lines = [
            "# Node \(node.id) of the local cluster in \(options.directory), written by `edgeraft cluster up`.",
            "# Start it alone with: edgeraft node --config \(node.configPath)",
            "node-id: \(node.id)",
            "cluster-id: \(clusterID)",
            "listen: \(Self.quoted(node.listen))",
            "data-dir: \(Self.quoted(node.dataDirectory))",
        ]
        if options.insecure {
            lines.append("insecure: true")
        } else {
            lines.append("private-key: \(Self.quoted(node.keyPath))")
        }
        switch options.mode {
        case .stable:
            lines.append("mode: stable")
        case .onDemand(let idle):
            lines.append("mode: on-demand")
            lines.append("idle-ms: \(idle)")
        }
        lines.append("engine: \(options.engine.rawValue)")
        if let link = options.link { lines.append("link: \(Self.quoted(link))") }
        if let level = options.logLevel { lines.append("log-level: \(Self.quoted(level))") }
        if options.stagedLoads { lines.append("load: \(Self.quoted(Self.stagedLoad(node: node.id)))") }
        lines.append("peers:")
        for peer in nodes where peer.id != node.id {
            lines.append("  - id: \(peer.id)")
            lines.append("    address: \(Self.quoted(peer.listen))")
            if let key = publicKeys[peer.id] { lines.append("    public-key: \(Self.quoted(key))") }
        }
        if let listen = node.gatewayListen {
            lines.append("gateway:")
            lines.append("  listen: \(Self.quoted(listen))")
            lines.append("  token-file: \(Self.quoted(tokenPath))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A YAML double-quoted scalar: never read as a number, a bool or a null, whatever the
    /// text (a hex key can be all digits; a path can hold `#` or `: `).
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    out += "\\x" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
