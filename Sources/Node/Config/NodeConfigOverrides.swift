/// The settings given as flags; each one, when set, wins over the config file's. Numbers
/// are wide and names are text so that the loader checks a flag exactly as it checks the
/// file (same ranges, same messages).
public struct NodeConfigOverrides: Equatable, Sendable {
    public var nodeID: Int?
    public var clusterID: Int?
    public var listen: String?
    /// `ID=HOST:PORT[,PUBLIC-KEY]` each; when given, they replace the file's whole roster.
    public var peers: [String]?
    public var privateKey: String?
    public var clusterKeyFile: String?
    public var insecure: Bool?
    public var dataDirectory: String?
    public var gatewayListen: String?
    public var gatewayTokenFile: String?
    public var gatewayTLSCertificate: String?
    public var gatewayTLSKey: String?
    public var gatewayAllowPlaintextRemote: Bool?
    public var gatewayMaxBodyBytes: Int?
    public var gatewayRequestTimeoutMillis: Int?
    public var mode: String?
    public var idleMillis: Int?
    public var tickMillis: Int?
    public var electionTicks: Int?
    public var heartbeatTicks: Int?
    public var canLead: Bool?
    public var join: Bool?
    public var metric: String?
    public var cpuWeight: Int?
    public var maxReportAgeMillis: Int?
    public var sampleMillis: Int?
    public var load: String?
    public var loadFile: String?
    public var engine: String?
    public var link: String?
    public var logLevel: String?
    public var testLiePlacement: Bool?

    public init() {}

    /// The set flags by key path, in the file's key order.
    var byKeyPath: [(key: String, value: Value)] {
        var list: [(String, Value)] = []
        func add(_ key: String, _ value: Value?) { if let value { list.append((key, value)) } }
        add("node-id", nodeID.map(Value.number))
        add("cluster-id", clusterID.map(Value.number))
        add("listen", listen.map(Value.text))
        add("peers", peers.map(Value.peers))
        add("private-key", privateKey.map(Value.text))
        add("cluster-key-file", clusterKeyFile.map(Value.text))
        add("insecure", insecure.map(Value.flag))
        add("data-dir", dataDirectory.map(Value.text))
        add("gateway.listen", gatewayListen.map(Value.text))
        add("gateway.token-file", gatewayTokenFile.map(Value.text))
        add("gateway.tls-cert", gatewayTLSCertificate.map(Value.text))
        add("gateway.tls-key", gatewayTLSKey.map(Value.text))
        add("gateway.allow-plaintext-remote", gatewayAllowPlaintextRemote.map(Value.flag))
        add("gateway.max-body-bytes", gatewayMaxBodyBytes.map(Value.number))
        add("gateway.request-timeout-ms", gatewayRequestTimeoutMillis.map(Value.number))
        add("mode", mode.map(Value.text))
        add("idle-ms", idleMillis.map(Value.number))
        add("tick-ms", tickMillis.map(Value.number))
        add("election-ticks", electionTicks.map(Value.number))
        add("heartbeat-ticks", heartbeatTicks.map(Value.number))
        add("can-lead", canLead.map(Value.flag))
        add("join", join.map(Value.flag))
        add("metric", metric.map(Value.text))
        add("cpu-weight", cpuWeight.map(Value.number))
        add("max-report-age-ms", maxReportAgeMillis.map(Value.number))
        add("sample-ms", sampleMillis.map(Value.number))
        add("load", load.map(Value.text))
        add("load-file", loadFile.map(Value.text))
        add("engine", engine.map(Value.text))
        add("link", link.map(Value.text))
        add("log-level", logLevel.map(Value.text))
        add("test-lie-placement", testLiePlacement.map(Value.flag))
        return list
    }

    enum Value {
        case number(Int)
        case text(String)
        case flag(Bool)
        case peers([String])
    }

    /// Splits `ID=HOST:PORT[,PUBLIC-KEY]`; nil when it is not of that shape (the parts
    /// themselves are checked like the file's).
    static func splitPeer(_ spec: String) -> (id: String, address: String, publicKey: String?)? {
        guard let equals = spec.firstIndex(of: "=") else { return nil }
        let id = String(spec[..<equals])
        let rest = spec[spec.index(after: equals)...]
        let parts = rest.split(separator: ",", omittingEmptySubsequences: false)
        guard !id.isEmpty, parts.count == 1 || parts.count == 2, let address = parts.first, !address.isEmpty else { return nil }
        let key = parts.count == 2 ? parts.last.map(String.init) : nil
        if let key, key.isEmpty { return nil }
        return (id, String(address), key)
    }
}
