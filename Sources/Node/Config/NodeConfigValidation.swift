#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Transport
import Wire

/// Everything found wrong with a loaded configuration, and what is allowed but warned about.
public struct NodeConfigReport: Equatable, Sendable {
    public var errors: [ConfigError]
    public var warnings: [ConfigWarning]

    public init(errors: [ConfigError] = [], warnings: [ConfigWarning] = []) {
        self.errors = errors
        self.warnings = warnings
    }
}

/// The checks that need more than one key (the roster against this node, the gateway's
/// security) or the file system (key and token files). The pure checks are separate
/// functions; `validate` runs them all and returns every problem, not just the first.
public enum NodeConfigValidation {
    public static let maxTokenBytes = 4096

    public static func validate(_ config: NodeConfig) -> NodeConfigReport {
        NodeConfigReport(
            errors: rosterProblems(config) + addressProblems(config) + gatewayProblems(config)
                + injectedLoadProblems(config) + fileProblems(config),
            warnings: warnings(config))
    }

    // MARK: Pure checks

    /// Self-listed, duplicate and keyless peers, and keys that are not keys.
    public static func rosterProblems(_ config: NodeConfig) -> [ConfigError] {
        var problems: [ConfigError] = []
        var keysByID: [NodeID: [String]] = [:]
        var keysByAddress: [String: [String]] = [:]
        var keysByPublicKey: [String: [String]] = [:]
        let ownAddress = try? SocketAddress(config.listen)
        for (index, peer) in config.peers.enumerated() {
            let key = "peers[\(index)]"
            if peer.id == config.nodeID {
                problems.append(.selfListedPeer(key: key + ".id", id: Int(peer.id), reason: "node-id is \(config.nodeID)"))
            }
            if let ownAddress, let address = try? SocketAddress(peer.address), address == ownAddress {
                problems.append(.selfListedPeer(key: key + ".address", id: Int(peer.id), reason: "its address is this node's listen address \(config.listen)"))
            }
            keysByID[peer.id, default: []].append(key + ".id")
            // The same endpoint written two ways (`::1` and `0:0::1`) is the same address.
            let canonical = (try? SocketAddress(peer.address)).map(\.description) ?? peer.address
            keysByAddress[canonical, default: []].append(key + ".address")
            if let hex = peer.publicKeyHex {
                if let reason = publicKeyProblem(hex) {
                    problems.append(.badPublicKey(key: key + ".public-key", id: Int(peer.id), reason: reason))
                } else {
                    keysByPublicKey[hex.lowercased(), default: []].append(key + ".public-key")
                }
            } else if !config.insecure {
                problems.append(.missingPublicKey(key: key, id: Int(peer.id)))
            }
        }
        for (id, keys) in keysByID.sorted(by: { $0.key < $1.key }) where keys.count > 1 {
            problems.append(.duplicatePeerID(id: Int(id), keys: keys))
        }
        for (address, keys) in keysByAddress.sorted(by: { $0.key < $1.key }) where keys.count > 1 {
            problems.append(.duplicatePeerAddress(address: address, keys: keys))
        }
        // One key for two members would let either pose as the other.
        for (_, keys) in keysByPublicKey.sorted(by: { $0.key < $1.key }) where keys.count > 1 {
            problems.append(.duplicatePeerKey(keys: keys))
        }
        return problems
    }

    /// Why `hex` is not a roster public key, or nil.
    public static func publicKeyProblem(_ hex: String) -> String? {
        guard hex.utf8.count == 64, hex.allSatisfy(\.isHexDigit) else {
            return "is not 64 hex digits (it has \(hex.count) characters\(hex.allSatisfy(\.isHexDigit) ? "" : ", not all hex"))"
        }
        guard NodePublicKey(hex: hex) != nil else { return "is not a valid X25519 public key" }
        return nil
    }

    /// Node and gateway addresses that do not parse, port 0, and wildcard peer addresses.
    public static func addressProblems(_ config: NodeConfig) -> [ConfigError] {
        var problems: [ConfigError] = []
        if let reason = addressProblem(config.listen, wildcardAllowed: true) {
            problems.append(.badAddress(key: "listen", address: ConfigValue.excerpt(config.listen), reason: reason))
        }
        for (index, peer) in config.peers.enumerated() {
            if let reason = addressProblem(peer.address, wildcardAllowed: false) {
                problems.append(.badAddress(key: "peers[\(index)].address", address: ConfigValue.excerpt(peer.address), reason: reason))
            }
        }
        if let gateway = config.gateway, let reason = addressProblem(gateway.listen, wildcardAllowed: true) {
            problems.append(.badAddress(key: "gateway.listen", address: ConfigValue.excerpt(gateway.listen), reason: reason))
        }
        return problems
    }

    static func addressProblem(_ text: String, wildcardAllowed: Bool) -> String? {
        do {
            _ = try SocketAddress(text)
        } catch {
            return error.description
        }
        guard let (host, port) = hostAndPort(text) else { return "write HOST:PORT, or [IPv6]:PORT" }
        if port == 0 { return "port 0 is not a fixed port; give 1…65535" }
        if !wildcardAllowed, host == "0.0.0.0" || host == "::" {
            return "\(host) means any address when listening but reaches no one when sending; give the peer's own address"
        }
        return nil
    }

    /// The host and port of a text `SocketAddress` accepted.
    static func hostAndPort(_ text: String) -> (host: String, port: UInt16)? {
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[close...].dropFirst(2)
            return UInt16(rest).map { (host, $0) }
        }
        guard let colon = text.lastIndex(of: ":") else { return nil }
        return UInt16(text[text.index(after: colon)...]).map { (String(text[..<colon]), $0) }
    }

    /// True for 127.0.0.0/8 and ::1.
    public static func isLoopback(_ address: String) -> Bool {
        guard let (host, _) = hostAndPort(address) else { return false }
        if host.hasPrefix("127."), host.split(separator: ".").count == 4 { return true }
        var v6 = in6_addr()
        var loopback = in6_addr()
        guard inet_pton(AF_INET6, host, &v6) == 1, inet_pton(AF_INET6, "::1", &loopback) == 1 else { return false }
        return withUnsafeBytes(of: v6) { a in withUnsafeBytes(of: loopback) { b in a.elementsEqual(b) } }
    }

    /// A client API beyond loopback needs TLS or the explicit flag; TLS needs both files.
    public static func gatewayProblems(_ config: NodeConfig) -> [ConfigError] {
        guard let gateway = config.gateway else { return [] }
        var problems: [ConfigError] = []
        let hasTLS = gateway.tlsCertificateFile != nil && gateway.tlsKeyFile != nil
        if gateway.tlsCertificateFile != nil, gateway.tlsKeyFile == nil {
            problems.append(.missingKey(key: "gateway.tls-key", file: nil, hint: "FILE (tls-cert needs its key)"))
        }
        if gateway.tlsKeyFile != nil, gateway.tlsCertificateFile == nil {
            problems.append(.missingKey(key: "gateway.tls-cert", file: nil, hint: "FILE (tls-key needs its certificate)"))
        }
        if (try? SocketAddress(gateway.listen)) != nil, !isLoopback(gateway.listen), !hasTLS, !gateway.allowPlaintextRemote {
            problems.append(.plaintextRemoteGateway(listen: ConfigValue.excerpt(gateway.listen)))
        }
        return problems
    }

    /// The injected load given inline (the file's content is checked by `fileProblems`).
    public static func injectedLoadProblems(_ config: NodeConfig) -> [ConfigError] {
        guard let load = config.injectedLoad else { return [] }
        do {
            _ = try InjectedLoad.parse(load, file: "load")
            return []
        } catch {
            return [.injectedLoad(key: "load", problem: error.description)]
        }
    }

    public static func warnings(_ config: NodeConfig) -> [ConfigWarning] {
        var warnings: [ConfigWarning] = []
        if config.insecure { warnings.append(.insecure) }
        if let link = config.linkEmulation { warnings.append(.linkEmulation(profile: link)) }
        if let gateway = config.gateway, gateway.allowPlaintextRemote {
            warnings.append(.plaintextRemoteGateway(listen: ConfigValue.excerpt(gateway.listen)))
        }
        if config.testLiePlacement { warnings.append(.testLiePlacement) }
        return warnings
    }

    // MARK: File checks

    /// The private key, cluster key, gateway token, TLS and injected-load files.
    public static func fileProblems(_ config: NodeConfig) -> [ConfigError] {
        var problems: [ConfigError] = []
        if let path = config.privateKeyFile {
            do {
                let identity = try NodeIdentity.load(from: path)
                for (index, peer) in config.peers.enumerated() where peer.publicKeyHex.flatMap(NodePublicKey.init(hex:)) == identity.publicKey {
                    problems.append(.selfListedPeer(key: "peers[\(index)].public-key", id: Int(peer.id), reason: "its public key is this node's own"))
                }
            } catch {
                // A symbolic link fails to open (O_NOFOLLOW) with ELOOP; name the real cause.
                var info = stat()
                let isLink = lstat(path, &info) == 0 && UInt32(info.st_mode) & UInt32(S_IFMT) == UInt32(S_IFLNK)
                problems.append(.privateKey(key: "private-key", error: isLink ? .notRegularFile(path: path) : error))
            }
        }
        if let path = config.clusterKeyFile {
            do {
                _ = try ClusterKey.load(file: path)
            } catch {
                problems.append(.clusterKey(key: "cluster-key-file", error: error))
            }
        }
        if let gateway = config.gateway {
            if let problem = tokenFileProblem(gateway.tokenFile) {
                problems.append(.tokenFile(key: "gateway.token-file", path: gateway.tokenFile, problem: problem))
            }
            if let path = gateway.tlsCertificateFile, let problem = readableFileProblem(path, secret: false) {
                problems.append(.tlsFile(key: "gateway.tls-cert", path: path, problem: problem))
            }
            if let path = gateway.tlsKeyFile, let problem = readableFileProblem(path, secret: true) {
                problems.append(.tlsFile(key: "gateway.tls-key", path: path, problem: problem))
            }
        }
        if let path = config.injectedLoadFile {
            do {
                _ = try InjectedLoad.parse(MonitorFiles.read(path), file: path)
            } catch {
                problems.append(.injectedLoad(key: "load-file", problem: error.description))
            }
        }
        return problems
    }

    /// Why the token file cannot serve: missing, not a plain file, open to others, empty.
    static func tokenFileProblem(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return "does not exist; write a random token into it (`edgeraft cluster up` writes one) and chmod 600 it" }
            if errno == ELOOP { return "is a symbolic link; point gateway.token-file at the file itself" }
            return "cannot be read (\(String(cString: strerror(errno)))); check the path and its permissions"
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return "cannot be read (\(String(cString: strerror(errno))))" }
        guard UInt32(info.st_mode) & UInt32(S_IFMT) == UInt32(S_IFREG) else { return "is not a regular file" }
        let mode = UInt32(info.st_mode) & 0o777
        guard mode & 0o077 == 0 else { return "has mode \(String(mode, radix: 8)), so others can read the token; run `chmod 600 \(path)`" }
        guard info.st_size <= maxTokenBytes else { return "has \(info.st_size) bytes, more than a token's \(maxTokenBytes); is it the right file?" }
        var chunk = [UInt8](repeating: 0, count: maxTokenBytes)
        let count = read(fd, &chunk, chunk.count)
        guard count >= 0 else { return "cannot be read (\(String(cString: strerror(errno))))" }
        let blank: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0D]
        guard chunk.prefix(count).contains(where: { !blank.contains($0) }) else {
            return "is empty; write the clients' bearer token into it"
        }
        return nil
    }

    static func readableFileProblem(_ path: String, secret: Bool) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return "cannot be read (\(String(cString: strerror(errno)))); check the path" }
        guard UInt32(info.st_mode) & UInt32(S_IFMT) == UInt32(S_IFREG) else { return "is not a regular file" }
        guard access(path, R_OK) == 0 else { return "is not readable by this user" }
        let mode = UInt32(info.st_mode) & 0o777
        if secret, mode & 0o077 != 0 { return "has mode \(String(mode, radix: 8)), so others can read the TLS key; run `chmod 600 \(path)`" }
        return nil
    }
}
