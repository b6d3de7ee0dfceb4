import Transport

/// Where a setting came from: a line of the config file, or a flag. Messages start with it,
/// so the user knows what to edit.
public enum ConfigSource: Equatable, Sendable, CustomStringConvertible {
    case file(path: String, line: Int?)
    case flag(String)

    public var description: String {
        switch self {
        case .file(let path, let line?): "\(path):\(line)"
        case .file(let path, nil): path
        case .flag(let name): "flag \(name)"
        }
    }
}

/// One thing wrong with a node's configuration. Each description says what is wrong, where
/// (file and key path, or flag) and how to fix it.
public enum ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    // Reading the file.
    case unreadableFile(path: String, reason: String)
    case fileTooLarge(path: String, bytes: Int, limit: Int)
    case notUTF8(path: String)
    case invalidYAML(path: String, line: Int?, problem: String)
    case duplicateKey(key: String, source: ConfigSource)

    // Keys and values.
    case unknownKey(key: String, source: ConfigSource, suggestion: String?)
    case wrongType(key: String, source: ConfigSource, expected: String, found: String)
    case outOfRange(key: String, source: ConfigSource, value: String, allowed: String)
    case unknownName(key: String, source: ConfigSource, value: String, allowed: [String])
    case missingKey(key: String, file: String?, hint: String)
    /// A key that has no meaning with the other settings (`idle-ms` in stable mode…).
    case notApplicable(key: String, source: ConfigSource, reason: String)
    case badPeerFlag(value: String)
    case tooManyProblems(limit: Int)

    // Validation of the merged configuration (`NodeConfigValidation`).
    case selfListedPeer(key: String, id: NodeIDValue, reason: String)
    case duplicatePeerID(id: NodeIDValue, keys: [String])
    case duplicatePeerAddress(address: String, keys: [String])
    case duplicatePeerKey(keys: [String])
    case missingPublicKey(key: String, id: NodeIDValue)
    case badPublicKey(key: String, id: NodeIDValue, reason: String)
    case badAddress(key: String, address: String, reason: String)
    case privateKey(key: String, error: NodeIdentity.LoadError)
    case clusterKey(key: String, error: ClusterKey.LoadError)
    case tokenFile(key: String, path: String, problem: String)
    case tlsFile(key: String, path: String, problem: String)
    case plaintextRemoteGateway(listen: String)
    case injectedLoad(key: String, problem: String)
    case dataDirectory(DataDirectoryIdentity.Failure)

    /// Node ids as they appear in messages (wide, since a peer's id may be out of range).
    public typealias NodeIDValue = Int

    public var description: String {
        switch self {
        case .unreadableFile(let path, let reason):
            return "\(path): cannot read the config file: \(reason); check the path and its permissions"
        case .fileTooLarge(let path, let bytes, let limit):
            return "\(path): the config file has \(bytes) bytes, more than the \(limit) allowed; is it the right file?"
        case .notUTF8(let path):
            return "\(path): the config file is not UTF-8 text; save it as UTF-8"
        case .invalidYAML(let path, let line, let problem):
            let at = line.map { "\(path):\($0)" } ?? path
            return "\(at): not valid YAML: \(problem); fix the syntax (indent with spaces, `key: value`)"
        case .duplicateKey(let key, let source):
            return "\(source): \(key) is given twice; keep one"
        case .unknownKey(let key, let source, let suggestion):
            let hint = suggestion.map { "; did you mean \($0)?" } ?? "; remove it"
            return "\(source): unknown key \(key)\(hint)"
        case .wrongType(let key, let source, let expected, let found):
            return "\(source): \(key) must be \(expected), not \(found)"
        case .outOfRange(let key, let source, let value, let allowed):
            return "\(source): \(key) is \(value), outside \(allowed); change it to a value in that range"
        case .unknownName(let key, let source, let value, let allowed):
            return "\(source): \(key) \"\(value)\" is not known; use one of \(allowed.joined(separator: ", "))"
        case .missingKey(let key, let file, let hint):
            // `hint` is the value's placeholder, then what it is in parentheses.
            let value = hint.components(separatedBy: " (").first ?? hint
            let about = hint.count > value.count ? " " + hint.dropFirst(value.count + 1) : ""
            let place = "add `\(key): \(value)` to \(file ?? "the config file")"
            // A peer's part has no flag of its own (`--peer` gives the whole entry).
            let flag = key.contains("[") ? "" : " or give --\(NodeConfigKeys.flagName(key)) \(value)"
            return "\(file ?? "configuration"): missing required key \(key)\(about): \(place)\(flag)"
        case .notApplicable(let key, let source, let reason):
            return "\(source): \(key) \(reason)"
        case .badPeerFlag(let value):
            return "flag --peer: \"\(value)\" is not ID=HOST:PORT[,PUBLIC-KEY] (e.g. --peer 2=10.0.0.2:7000,<64 hex digits>)"
        case .tooManyProblems(let limit):
            return "stopped after \(limit) problems; fix these first (is it the right file?)"
        case .selfListedPeer(let key, let id, let reason):
            return "\(key): peer \(id) is this node (\(reason)); remove it from peers — the roster lists the other members"
        case .duplicatePeerID(let id, let keys):
            return "\(keys.joined(separator: ", ")): node id \(id) is listed more than once; every peer needs its own id"
        case .duplicatePeerAddress(let address, let keys):
            return "\(keys.joined(separator: ", ")): address \(address) is listed more than once; every member needs its own address"
        case .duplicatePeerKey(let keys):
            return "\(keys.joined(separator: ", ")): the same public key is listed for more than one peer; each member has its own key pair (`edgeraft keygen`)"
        case .missingPublicKey(let key, let id):
            return "\(key): peer \(id) has no public-key; add the 64 hex digits its `edgeraft keygen` printed (or run everything with insecure: true, local benchmarks only)"
        case .badPublicKey(let key, let id, let reason):
            return "\(key): the public key of peer \(id) \(reason); copy the 64 hex digits its `edgeraft keygen` printed"
        case .badAddress(let key, let address, let reason):
            return "\(key): \"\(address)\" is not a usable address: \(reason)"
        case .privateKey(let key, let error):
            return "\(key): \(error.description)\(Self.privateKeyFix(error))"
        case .clusterKey(let key, let error):
            return "\(key): \(error.description); write 64 hex digits to a file of mode 0600 (chmod 600 FILE)"
        case .tokenFile(let key, let path, let problem):
            return "\(key): the gateway token file \(path) \(problem)"
        case .tlsFile(let key, let path, let problem):
            return "\(key): \(path) \(problem)"
        case .plaintextRemoteGateway(let listen):
            return "gateway.listen: \(listen) is beyond loopback, and without TLS its token and requests travel in clear; set gateway.tls-cert and gateway.tls-key, listen on 127.0.0.1, or set gateway.allow-plaintext-remote: true"
        case .injectedLoad(let key, let problem):
            return "\(key): \(problem); write `cpu=‰ memory=MiB [cores=N] [capacity=MiB]`, e.g. `cpu=250 memory=512`"
        case .dataDirectory(let failure):
            return "data-dir: \(failure.description)"
        }
    }

    /// The key path a validation problem is about; nil for the loader's problems, which
    /// name their file line or flag themselves.
    public var settingKey: String? {
        switch self {
        case .selfListedPeer(let key, _, _), .missingPublicKey(let key, _), .badPublicKey(let key, _, _),
             .badAddress(let key, _, _), .privateKey(let key, _), .clusterKey(let key, _),
             .tokenFile(let key, _, _), .tlsFile(let key, _, _), .injectedLoad(let key, _):
            return key
        case .duplicatePeerID(_, let keys), .duplicatePeerAddress(_, let keys), .duplicatePeerKey(let keys):
            return keys.first
        case .plaintextRemoteGateway: return "gateway.listen"
        case .dataDirectory: return "data-dir"
        default: return nil
        }
    }

    private static func privateKeyFix(_ error: NodeIdentity.LoadError) -> String {
        switch error {
        case .unreadable(let path, _), .malformed(let path), .notRegularFile(let path):
            return "; create one with `edgeraft keygen --out \(path)` (or point private-key at the file it wrote)"
        case .tooOpen(let path, _):
            return "; run `chmod 600 \(path)` — and since others could read it, consider the key leaked and make a new one"
        case .wrongOwner(let path, _):
            return "; run the node as the file's owner, or `chown` \(path) to this user"
        case .exists, .unwritable:
            return ""
        }
    }
}

/// Every problem found, in the order found. A single error is thrown as a list of one, so
/// callers print all of them the same way.
public struct ConfigProblems: Error, Equatable, Sendable, CustomStringConvertible {
    public var errors: [ConfigError]

    public init(_ errors: [ConfigError]) { self.errors = errors }

    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
