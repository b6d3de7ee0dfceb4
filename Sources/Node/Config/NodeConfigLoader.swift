#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import NetworkModel
import Wire
import Yams

/// Reads a node's YAML config file, merges the flags over it and checks every key's type and
/// range: the result is a complete `NodeConfig`, or every problem found (not just the
/// first). What needs the other settings or the file system (the roster, the key files)
/// is `NodeConfigValidation`'s.
public enum NodeConfigLoader {
    public static let maxFileBytes = 1 << 20
    /// Far above any edge cluster; bounds the work a hostile file can cause.
    public static let maxPeers = 1024
    /// A file of nothing but mistakes is reported up to here (each unknown key costs an
    /// edit-distance search, and a 1 MiB file holds 100,000 keys).
    public static let maxProblems = 100
    public static let defaultIdleMillis = 2_000
    public static let defaultCPUWeight = 500

    /// The Raft tick for a link profile: about a round trip's worth on that link.
    public static func defaultTickMillis(link: String?) -> UInt64 {
        switch link {
        case "pi-wifi": 20
        case "lossy-wifi": 50
        case "cellular": 100
        case "narrowband": 250
        default: 10  // loopback, lan, and no emulation
        }
    }

    /// `file` (if any) with `overrides` over it.
    public static func load(file: String?, overrides: NodeConfigOverrides = NodeConfigOverrides()) throws(ConfigProblems) -> NodeConfig {
        guard let file else { return try resolve(text: nil, path: nil, overrides: overrides) }
        let text = try readFile(file)
        return try resolve(text: text, path: file, overrides: overrides)
    }

    /// The pure part: YAML text (as read from `path`, named in messages) with `overrides`.
    public static func parse(yaml text: String, path: String, overrides: NodeConfigOverrides = NodeConfigOverrides()) throws(ConfigProblems) -> NodeConfig {
        try resolve(text: text, path: path, overrides: overrides)
    }

    static func resolve(text: String?, path: String?, overrides: NodeConfigOverrides) throws(ConfigProblems) -> NodeConfig {
        var settings = ConfigSettings(file: path)
        if let text, let path { try settings.addFile(text: text, path: path) }
        settings.add(overrides)
        var decoder = ConfigDecoder(settings: settings)
        let config = decoder.decode()
        guard let config, decoder.problems.isEmpty else {
            // Every path to no configuration records why; should one ever not, say so.
            throw ConfigProblems(decoder.problems.isEmpty ? [.invalidYAML(path: path ?? "configuration", line: nil, problem: "incomplete")] : decoder.problems)
        }
        return config
    }

    static func readFile(_ path: String) throws(ConfigProblems) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ConfigProblems([.unreadableFile(path: path, reason: String(cString: strerror(errno)))]) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ConfigProblems([.unreadableFile(path: path, reason: String(cString: strerror(errno)))]) }
        guard UInt32(info.st_mode) & UInt32(S_IFMT) == UInt32(S_IFREG) else {
            throw ConfigProblems([.unreadableFile(path: path, reason: "not a regular file")])
        }
        guard info.st_size <= maxFileBytes else {
            throw ConfigProblems([.fileTooLarge(path: path, bytes: Int(info.st_size), limit: maxFileBytes)])
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        // Read past the limit by at most one chunk: the file may grow after the fstat.
        while bytes.count <= maxFileBytes {
            let n = read(fd, &chunk, chunk.count)
            guard n >= 0 else { throw ConfigProblems([.unreadableFile(path: path, reason: String(cString: strerror(errno)))]) }
            if n == 0 { break }
            bytes += chunk.prefix(n)
        }
        guard bytes.count <= maxFileBytes else {
            throw ConfigProblems([.fileTooLarge(path: path, bytes: bytes.count, limit: maxFileBytes)])
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw ConfigProblems([.notUTF8(path: path)]) }
        return text
    }
}

/// One setting's YAML node and where it came from (a flag's value is made a node too, so
/// that both are checked by the same code).
struct ConfigSetting {
    var node: Yams.Node
    var source: ConfigSource
}

/// The file's and the flags' settings by key path (`tick-ms`, `gateway.listen`).
struct ConfigSettings {
    var file: String?
    var values: [String: ConfigSetting] = [:]
    /// Where the gateway was turned on: the file's `gateway:` mapping or a `--gateway-*` flag.
    var gateway: ConfigSource?
    var problems: [ConfigError] = []

    init(file: String?) { self.file = file }

    mutating func addFile(text: String, path: String) throws(ConfigProblems) {
        // Yams expands aliases while composing and hashes every mapping key, so a few
        // hundred aliases nested as keys ("billion laughs") would take forever.
        let aliases = ConfigValue.aliasCount(text)
        guard aliases <= ConfigValue.maxAliases else {
            throw ConfigProblems([.invalidYAML(path: path, line: nil, problem: "\(aliases) aliases (*name), more than the \(ConfigValue.maxAliases) allowed; write the values out")])
        }
        let root: Yams.Node?
        do {
            // The basic resolver: the loader reads each scalar's text and style, never its
            // resolved tag, and the default resolver's seven NSRegularExpressions pull ICU's
            // regex engine and data into every node process (≈ 3 MB resident, for good).
            root = try Yams.compose(yaml: text, .basic)
        } catch let error as YamlError {
            throw ConfigProblems([Self.describe(error, path: path)])
        } catch {
            throw ConfigProblems([.invalidYAML(path: path, line: nil, problem: String(describing: error))])
        }
        guard let root else { return }  // an empty file: the flags must give everything
        if ConfigValue.isNull(root) { return }
        guard case .mapping(let mapping) = root else {
            throw ConfigProblems([.wrongType(key: "the top level", source: .file(path: path, line: root.mark?.line),
                                             expected: "a mapping of `key: value` lines", found: ConfigValue.describe(root))])
        }
        for (keyNode, value) in mapping {
            guard problems.count < NodeConfigLoader.maxProblems else {
                problems.append(.tooManyProblems(limit: NodeConfigLoader.maxProblems))
                break
            }
            let source = ConfigSource.file(path: path, line: keyNode.mark?.line)
            guard let key = ConfigValue.keyName(keyNode) else {
                problems.append(.unknownKey(key: ConfigValue.describe(keyNode), source: source, suggestion: nil))
                continue
            }
            if key == "gateway" {
                addGateway(value, source: source, path: path)
            } else if NodeConfigKeys.topLevel.contains(key) {
                values[key] = ConfigSetting(node: value, source: source)
            } else {
                problems.append(.unknownKey(key: key, source: source, suggestion: NodeConfigKeys.suggestion(for: key, among: NodeConfigKeys.topLevel)))
            }
        }
    }

    private mutating func addGateway(_ value: Yams.Node, source: ConfigSource, path: String) {
        if ConfigValue.isNull(value) { return }
        guard case .mapping(let mapping) = value else {
            problems.append(.wrongType(key: "gateway", source: source, expected: "a mapping (listen, token-file, …), or no gateway key for no client API",
                                       found: ConfigValue.describe(value)))
            return
        }
        gateway = source
        for (keyNode, value) in mapping {
            guard problems.count < NodeConfigLoader.maxProblems else {
                problems.append(.tooManyProblems(limit: NodeConfigLoader.maxProblems))
                break
            }
            let source = ConfigSource.file(path: path, line: keyNode.mark?.line)
            guard let key = ConfigValue.keyName(keyNode) else {
                problems.append(.unknownKey(key: "gateway." + ConfigValue.describe(keyNode), source: source, suggestion: nil))
                continue
            }
            if NodeConfigKeys.gateway.contains(key) {
                values["gateway." + key] = ConfigSetting(node: value, source: source)
            } else {
                problems.append(.unknownKey(key: "gateway." + key, source: source,
                                            suggestion: NodeConfigKeys.suggestion(for: key, among: NodeConfigKeys.gateway, prefix: "gateway.")))
            }
        }
    }

    mutating func add(_ overrides: NodeConfigOverrides) {
        for (key, value) in overrides.byKeyPath {
            let source = ConfigSource.flag("--" + NodeConfigKeys.flagName(key))
            let node: Yams.Node
            switch value {
            case .number(let n): node = Yams.Node(String(n), .implicit, .plain)
            case .text(let text): node = Yams.Node(text, .implicit, .doubleQuoted)
            case .flag(let on): node = Yams.Node(on ? "true" : "false", .implicit, .plain)
            case .peers(let specs):
                var entries: [Yams.Node] = []
                for spec in specs {
                    guard let peer = NodeConfigOverrides.splitPeer(spec) else {
                        problems.append(.badPeerFlag(value: ConfigValue.excerpt(spec)))
                        continue
                    }
                    var pairs: [(Yams.Node, Yams.Node)] = [
                        (Yams.Node("id"), Yams.Node(peer.id, .implicit, .plain)),
                        (Yams.Node("address"), Yams.Node(peer.address, .implicit, .doubleQuoted)),
                    ]
                    if let key = peer.publicKey { pairs.append((Yams.Node("public-key"), Yams.Node(key, .implicit, .doubleQuoted))) }
                    entries.append(Yams.Node(pairs))
                }
                node = Yams.Node(entries)
            }
            if key.hasPrefix("gateway."), gateway == nil { gateway = source }
            values[key] = ConfigSetting(node: node, source: source)
        }
    }

    static func describe(_ error: YamlError, path: String) -> ConfigError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return .invalidYAML(path: path, line: mark.line, problem: problem)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let names = duplicates.map { ConfigValue.excerpt($0) }.joined(separator: ", ")
            return .duplicateKey(key: names, source: .file(path: path, line: context.mark.line))
        case .reader(let problem, _, _, _):
            return .invalidYAML(path: path, line: nil, problem: problem)
        default:
            return .invalidYAML(path: path, line: nil, problem: ConfigValue.excerpt(String(describing: error)))
        }
    }
}

/// Reading one YAML value as the type a key needs.
enum ConfigValue {
    static let nullWords: Set<String> = ["", "~", "null", "Null", "NULL"]

    static func isNull(_ node: Yams.Node) -> Bool {
        if case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any, nullWords.contains(scalar.string) { return true }
        return false
    }

    /// A mapping key's text, if it is a plain string.
    static func keyName(_ node: Yams.Node) -> String? {
        guard case .scalar(let scalar) = node else { return nil }
        return excerpt(scalar.string)
    }

    /// What a value is, for "must be X, not Y".
    static func describe(_ node: Yams.Node) -> String {
        switch node {
        case .scalar(let scalar):
            if isNull(node) { return "empty" }
            let quoted = scalar.style == .singleQuoted || scalar.style == .doubleQuoted
            return (quoted ? "the quoted text " : "") + "\"\(excerpt(scalar.string))\""
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    static let maxAliases = 16

    /// How many `*alias` tokens the text has outside comments and quoted text: a
    /// conservative count (a `*` at a token's start), since the parser's own is not exposed.
    static func aliasCount(_ text: String) -> Int {
        var count = 0
        for line in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            var quote: UInt8?
            var previous = UInt8(ascii: " ")
            for byte in line {
                if let open = quote {
                    if byte == open { quote = nil }
                } else if byte == UInt8(ascii: "\""), byte == UInt8(ascii: "'") || previous != UInt8(ascii: "\\") {
                    quote = byte
                } else if byte == UInt8(ascii: "'"), " \t[{,:-?".utf8.contains(previous) {
                    quote = byte
                } else if byte == UInt8(ascii: "#"), previous == UInt8(ascii: " ") || previous == UInt8(ascii: "\t") {
                    break
                } else if byte == UInt8(ascii: "*"), " \t[{,:-?".utf8.contains(previous) {
                    count += 1
                }
                previous = byte
            }
        }
        return count
    }

    /// At most 40 characters of outside text in a message.
    static func excerpt(_ text: String) -> String {
        text.count <= 40 ? text : String(text.prefix(40)) + "…"
    }
}

/// Turns the settings into a `NodeConfig`, collecting every problem.
struct ConfigDecoder {
    let settings: ConfigSettings
    var problems: [ConfigError]

    init(settings: ConfigSettings) {
        self.settings = settings
        problems = settings.problems
    }

    /// The setting, unless absent or empty (an empty value counts as not given).
    func given(_ key: String) -> ConfigSetting? {
        guard let setting = settings.values[key], !ConfigValue.isNull(setting.node) else { return nil }
        return setting
    }

    mutating func integer(_ key: String, _ range: ClosedRange<Int>, unit: String = "") -> Int? {
        guard let setting = given(key) else { return nil }
        return integer(setting, key: key, range, unit: unit)
    }

    mutating func integer(_ setting: ConfigSetting, key: String, _ range: ClosedRange<Int>, unit: String = "") -> Int? {
        let allowed = "\(range.lowerBound)…\(range.upperBound)\(unit)"
        guard case .scalar(let scalar) = setting.node, scalar.style == .plain || scalar.style == .any else {
            var found = ConfigValue.describe(setting.node)
            if case .scalar = setting.node { found += " (write the number without quotes)" }
            problems.append(.wrongType(key: key, source: setting.source, expected: "a whole number (\(allowed))", found: found))
            return nil
        }
        let text = scalar.string
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            problems.append(.wrongType(key: key, source: setting.source, expected: "a whole number (\(allowed))", found: ConfigValue.describe(setting.node)))
            return nil
        }
        guard let value = Int(text), range.contains(value) else {
            problems.append(.outOfRange(key: key, source: setting.source, value: ConfigValue.excerpt(text), allowed: allowed))
            return nil
        }
        return value
    }

    mutating func boolean(_ key: String) -> Bool? {
        guard let setting = given(key) else { return nil }
        if case .scalar(let scalar) = setting.node, scalar.style == .plain || scalar.style == .any {
            if scalar.string == "true" { return true }
            if scalar.string == "false" { return false }
        }
        problems.append(.wrongType(key: key, source: setting.source, expected: "true or false", found: ConfigValue.describe(setting.node)))
        return nil
    }

    mutating func text(_ key: String) -> String? {
        guard let setting = given(key) else { return nil }
        return text(setting, key: key)
    }

    mutating func text(_ setting: ConfigSetting, key: String) -> String? {
        guard case .scalar(let scalar) = setting.node else {
            problems.append(.wrongType(key: key, source: setting.source, expected: "text", found: ConfigValue.describe(setting.node)))
            return nil
        }
        guard scalar.string.utf8.count <= 4096 else {
            problems.append(.outOfRange(key: key, source: setting.source, value: "\(scalar.string.utf8.count) bytes long", allowed: "0…4096 bytes"))
            return nil
        }
        return scalar.string
    }

    /// One of `allowed`.
    mutating func name(_ key: String, allowed: [String]) -> String? {
        guard let setting = given(key), let value = text(setting, key: key) else { return nil }
        guard allowed.contains(value) else {
            problems.append(.unknownName(key: key, source: setting.source, value: ConfigValue.excerpt(value), allowed: allowed))
            return nil
        }
        return value
    }

    mutating func required<T>(_ key: String, hint: String, _ value: T?) -> T? {
        if value == nil, given(key) == nil {
            problems.append(.missingKey(key: key, file: settings.file, hint: hint))
        }
        return value
    }

    func isFlag(_ key: String) -> Bool {
        if case .flag = settings.values[key]?.source { return true }
        return false
    }

    mutating func decode() -> NodeConfig? {
        let nodeID = required("node-id", hint: "N (1…65535)", integer("node-id", 1...65_535))
        let clusterID = required("cluster-id", hint: "N (1…65535)", integer("cluster-id", 1...65_535))
        let listen = required("listen", hint: "HOST:PORT", text("listen"))
        let dataDirectory = required("data-dir", hint: "DIRECTORY", text("data-dir"))
        let insecure = boolean("insecure") ?? false
        let privateKey = text("private-key")
        if privateKey == nil, given("private-key") == nil, !insecure {
            problems.append(.missingKey(key: "private-key", file: settings.file, hint: "FILE (from `edgeraft keygen --out FILE`)"))
        }
        let clusterKeyFile = text("cluster-key-file")
        let peers = decodePeers()

        let link = name("link", allowed: LinkProfile.all.map(\.name))
        let tick = integer("tick-ms", 1...10_000, unit: " ms").map(UInt64.init) ?? NodeConfigLoader.defaultTickMillis(link: link)
        let electionTicks = integer("election-ticks", 2...1_000) ?? 10
        var heartbeatTicks = integer("heartbeat-ticks", 1...999) ?? 1
        if heartbeatTicks >= electionTicks, let setting = given("heartbeat-ticks") {
            problems.append(.outOfRange(key: "heartbeat-ticks", source: setting.source, value: String(heartbeatTicks),
                                        allowed: "1…\(electionTicks - 1) (fewer than election-ticks, \(electionTicks))"))
            heartbeatTicks = 1
        }

        var mode = NodeConfig.Mode.stable
        let idle = integer("idle-ms", 0...3_600_000, unit: " ms")
        if name("mode", allowed: NodeConfigKeys.modes) == "on-demand" {
            mode = .onDemand(idleMillis: UInt64(idle ?? NodeConfigLoader.defaultIdleMillis))
        } else if idle != nil, !isFlag("mode"), let setting = given("idle-ms") {
            problems.append(.notApplicable(key: "idle-ms", source: setting.source, reason: "applies only with mode: on-demand; remove it, or set mode: on-demand"))
        }

        var metric = LoadMetric.cpu
        let cpuWeight = integer("cpu-weight", 0...1_000, unit: " ‰")
        switch name("metric", allowed: NodeConfigKeys.metrics) {
        case "memory": metric = .memory
        case "weighted": metric = .weighted(cpuWeightPermille: UInt16(cpuWeight ?? NodeConfigLoader.defaultCPUWeight))
        default:
            if cpuWeight != nil, !isFlag("metric"), let setting = given("cpu-weight") {
                problems.append(.notApplicable(key: "cpu-weight", source: setting.source, reason: "applies only with metric: weighted; remove it, or set metric: weighted"))
            }
        }

        let maxReportAge = integer("max-report-age-ms", 1...3_600_000, unit: " ms") ?? 5_000
        let sample = integer("sample-ms", 10...60_000, unit: " ms") ?? 1_000
        let load = text("load")
        let loadFile = text("load-file")
        if load != nil, loadFile != nil, let setting = given(isFlag("load") ? "load" : "load-file") {
            problems.append(.notApplicable(key: "load", source: setting.source, reason: "and load-file are both given; keep one (load-file is re-read at every sample)"))
        }
        let engine = name("engine", allowed: NodeConfig.EngineKind.allCases.map(\.rawValue)).flatMap(NodeConfig.EngineKind.init(rawValue:)) ?? .process
        let logLevel = name("log-level", allowed: NodeConfigKeys.logLevels) ?? "info"
        let canLead = boolean("can-lead") ?? true
        let join = boolean("join") ?? false
        if join, peers?.isEmpty == true, let setting = given("join") {
            problems.append(.notApplicable(key: "join", source: setting.source, reason: "needs the running members as peers: a node joins a cluster through them"))
        }
        let testLiePlacement = boolean("test-lie-placement") ?? false
        let gateway = decodeGateway()

        guard let nodeID, let clusterID, let listen, let dataDirectory, let peers else { return nil }
        var config = NodeConfig(nodeID: NodeID(nodeID), clusterID: ClusterID(clusterID), listen: listen, peers: peers, dataDirectory: dataDirectory)
        config.privateKeyFile = privateKey
        config.clusterKeyFile = clusterKeyFile
        config.insecure = insecure
        config.gateway = gateway
        config.mode = mode
        config.tickMillis = tick
        config.electionTicks = electionTicks
        config.heartbeatTicks = heartbeatTicks
        config.canLead = canLead
        config.join = join
        config.metric = metric
        config.maxReportAgeMillis = UInt32(maxReportAge)
        config.samplePeriodMillis = UInt64(sample)
        config.injectedLoad = load
        config.injectedLoadFile = loadFile
        config.engine = engine
        config.gateway?.commandRequired = engine.runsCommand
        config.linkEmulation = link
        config.logLevel = logLevel
        config.testLiePlacement = testLiePlacement
        return config
    }

    /// nil when the roster could not be read at all.
    mutating func decodePeers() -> [NodeConfig.Peer]? {
        guard let setting = given("peers") else { return [] }
        guard case .sequence(let sequence) = setting.node else {
            problems.append(.wrongType(key: "peers", source: setting.source, expected: "a list of {id, address, public-key}", found: ConfigValue.describe(setting.node)))
            return nil
        }
        guard sequence.count <= NodeConfigLoader.maxPeers else {
            problems.append(.outOfRange(key: "peers", source: setting.source, value: "\(sequence.count) entries", allowed: "0…\(NodeConfigLoader.maxPeers) entries"))
            return nil
        }
        var peers: [NodeConfig.Peer] = []
        var complete = true
        for (index, element) in sequence.enumerated() {
            guard problems.count < NodeConfigLoader.maxProblems else {
                problems.append(.tooManyProblems(limit: NodeConfigLoader.maxProblems))
                return nil
            }
            let path = "peers[\(index)]"
            let elementSource = Self.source(of: element, within: setting.source)
            guard case .mapping(let mapping) = element else {
                problems.append(.wrongType(key: path, source: elementSource, expected: "a mapping {id, address, public-key}", found: ConfigValue.describe(element)))
                complete = false
                continue
            }
            // Aliases can make every entry a huge mapping; a peer has three keys.
            guard mapping.count <= 2 * NodeConfigKeys.peer.count else {
                problems.append(.wrongType(key: path, source: elementSource, expected: "a mapping {id, address, public-key}", found: "a mapping of \(mapping.count) keys"))
                complete = false
                continue
            }
            var id: Int?, address: String?, publicKey: String?
            // Keys whose value was refused already (an empty value is simply missing).
            var refused: Set<String> = []
            for (keyNode, value) in mapping {
                let source = Self.source(of: keyNode, within: setting.source)
                guard let key = ConfigValue.keyName(keyNode) else {
                    problems.append(.unknownKey(key: path + "." + ConfigValue.describe(keyNode), source: source, suggestion: nil))
                    continue
                }
                let field = ConfigSetting(node: value, source: source)
                if ConfigValue.isNull(value), NodeConfigKeys.peer.contains(key) { continue }
                switch key {
                case "id":
                    id = integer(field, key: path + ".id", 1...65_535)
                    if id == nil { refused.insert(key) }
                case "address":
                    address = text(field, key: path + ".address")
                    if address == nil { refused.insert(key) }
                case "public-key": publicKey = text(field, key: path + ".public-key")
                default:
                    problems.append(.unknownKey(key: path + "." + key, source: source, suggestion: NodeConfigKeys.suggestion(for: key, among: NodeConfigKeys.peer, prefix: path + ".")))
                }
            }
            for (key, missing) in [("id", id == nil), ("address", address == nil)] where missing && !refused.contains(key) {
                problems.append(.missingKey(key: path + "." + key, file: settings.file, hint: key == "id" ? "N" : "HOST:PORT"))
            }
            guard let id, let address else { complete = false; continue }
            peers.append(NodeConfig.Peer(id: NodeID(id), address: address, publicKeyHex: publicKey))
        }
        return complete ? peers : nil
    }

    mutating func decodeGateway() -> NodeConfig.Gateway? {
        guard settings.gateway != nil else { return nil }
        let tokenFile = text("gateway.token-file")
        if tokenFile == nil, given("gateway.token-file") == nil {
            problems.append(.missingKey(key: "gateway.token-file", file: settings.file, hint: "FILE (the clients' bearer token)"))
        }
        let listen = text("gateway.listen")
        let certificate = text("gateway.tls-cert")
        let key = text("gateway.tls-key")
        let allowPlaintextRemote = boolean("gateway.allow-plaintext-remote")
        let maxBody = integer("gateway.max-body-bytes", 1_024...16 << 20, unit: " bytes")
        let timeout = integer("gateway.request-timeout-ms", 1...600_000, unit: " ms")
        guard let tokenFile else { return nil }
        var gateway = NodeConfig.Gateway(tokenFile: tokenFile)
        if let listen { gateway.listen = listen }
        gateway.tlsCertificateFile = certificate
        gateway.tlsKeyFile = key
        if let allowPlaintextRemote { gateway.allowPlaintextRemote = allowPlaintextRemote }
        if let maxBody { gateway.maxBodyBytes = maxBody }
        if let timeout { gateway.requestTimeoutMillis = UInt64(timeout) }
        return gateway
    }

    /// A node inside a setting: its own line in a file, the flag otherwise.
    static func source(of node: Yams.Node, within outer: ConfigSource) -> ConfigSource {
        if case .file(let path, let line) = outer { return .file(path: path, line: node.mark?.line ?? line) }
        return outer
    }
}
