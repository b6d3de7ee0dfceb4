import ClientAPI
import Wire

/// Turns a client's `DeployBody` into the `DeployRequest` the cluster decides on, or says
/// which field is wrong. Pure: the request id a body leaves out comes from `drawID`.
///
/// Every limit is checked here, before anything reaches Raft, and the encoded request is
/// checked against the wire's own limit (`WireLimits.maxDeployRequestBytes`) with the real
/// encoder and decoder, so a request that passes always fits in its decision entry.
public enum DeployBodyValidation {
    public static let maxImageBytes = 255
    public static let maxArguments = 64
    public static let maxArgumentBytes = 1024
    public static let maxEnvironment = 64
    public static let maxPorts = 32
    public static let maxCPUCores = 1024.0
    /// 1 TiB.
    public static let maxMemoryBytes: UInt64 = 1 << 40
    /// Keys with this prefix are the node's own (it may set them for the service).
    public static let reservedEnvironmentPrefix = "EDGERAFT_"
    public static let maxRequestID: UInt64 = UInt64(Int64.max)

    /// `commandRequired`: the engine runs the request's command (process), so an empty one
    /// is refused here rather than decided and failed on every node it is tried on.
    public static func validate(
        _ body: DeployBody, limits: WireLimits = .default, commandRequired: Bool = false, drawID: () -> UInt64
    ) -> Result<DeployRequest, GatewayError> {
        do throws(GatewayError) {
            let request = DeployRequest(
                requestID: try requestID(body.requestId, drawID: drawID),
                service: try serviceName(body.name),
                image: try image(body.image),
                command: try command(body.command ?? [], required: commandRequired),
                environment: try environment(body.env ?? [], limits: limits),
                ports: try ports(body.ports ?? []),
                cpuMillicores: try cpuMillicores(body.cpu),
                memoryMiB: try memoryMiB(body.memory))
            try checkEncodedSize(request, limits: limits)
            return .success(request)
        } catch {
            return .failure(error)
        }
    }

    // MARK: Fields

    static func serviceName(_ name: String) throws(GatewayError) -> String {
        guard InstanceLabels.isValidServiceName(name) else {
            throw .invalid(field: "name", message: "must be 1–63 of a-z, 0-9, '-', '.', '_', starting with a letter or digit")
        }
        return name
    }

    static func image(_ image: String) throws(GatewayError) -> String {
        let bytes = image.utf8
        guard (1...maxImageBytes).contains(bytes.count) else {
            throw .invalid(field: "image", message: "must be 1–\(maxImageBytes) bytes, is \(bytes.count)")
        }
        // Visible ASCII only: an image reference has no spaces, controls or other scripts.
        guard bytes.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw .invalid(field: "image", message: "must be printable ASCII without spaces")
        }
        return image
    }

    static func command(_ arguments: [String], required: Bool = false) throws(GatewayError) -> [String] {
        guard !required || !(arguments.first ?? "").isEmpty else {
            throw .invalid(field: "command", message: "the process engine runs the service's command: give one (the CLI takes it after --)")
        }
        guard arguments.count <= maxArguments else {
            throw .invalid(field: "command", message: "at most \(maxArguments) arguments, has \(arguments.count)")
        }
        for (index, argument) in arguments.enumerated() {
            let bytes = argument.utf8
            guard bytes.count <= maxArgumentBytes else {
                throw .invalid(field: "command[\(index)]", message: "at most \(maxArgumentBytes) bytes, has \(bytes.count)")
            }
            // argv strings end at NUL: one inside would silently cut the argument.
            guard !bytes.contains(0) else {
                throw .invalid(field: "command[\(index)]", message: "must not contain a NUL character")
            }
        }
        return arguments
    }

    static func environment(_ entries: [String], limits: WireLimits) throws(GatewayError) -> [KeyValue] {
        guard entries.count <= maxEnvironment else {
            throw .invalid(field: "env", message: "at most \(maxEnvironment) variables, has \(entries.count)")
        }
        var pairs: [KeyValue] = []
        var seen: Set<String> = []
        for (index, entry) in entries.enumerated() {
            let field = "env[\(index)]"
            guard let equals = entry.firstIndex(of: "=") else {
                throw .invalid(field: field, message: "must be KEY=VALUE")
            }
            let key = String(entry[..<equals])
            let value = String(entry[entry.index(after: equals)...])
            guard isEnvironmentKey(key) else {
                throw .invalid(field: field, message: "the key must match [A-Za-z_][A-Za-z0-9_]*")
            }
            guard key.utf8.count <= limits.maxNameBytes else {
                throw .invalid(field: field, message: "the key may have at most \(limits.maxNameBytes) bytes (WireLimits.maxNameBytes)")
            }
            guard !key.hasPrefix(reservedEnvironmentPrefix) else {
                throw .invalid(field: field, message: "keys starting \(reservedEnvironmentPrefix) are reserved for the node")
            }
            guard value.utf8.count <= limits.maxTextBytes else {
                throw .invalid(field: field, message: "the value may have at most \(limits.maxTextBytes) bytes (WireLimits.maxTextBytes)")
            }
            guard !value.utf8.contains(0) else {
                throw .invalid(field: field, message: "the value must not contain a NUL character")
            }
            guard seen.insert(key).inserted else {
                throw .invalid(field: field, message: "\(key) is set twice")
            }
            pairs.append(KeyValue(key, value))
        }
        return pairs
    }

    static func isEnvironmentKey(_ key: String) -> Bool {
        let bytes = Array(key.utf8)
        func letter(_ b: UInt8) -> Bool { (65...90).contains(b) || (97...122).contains(b) || b == 95 }
        guard let first = bytes.first, letter(first) else { return false }
        return bytes.allSatisfy { letter($0) || (48...57).contains($0) }
    }

    static func ports(_ entries: [String]) throws(GatewayError) -> [PortMapping] {
        guard entries.count <= maxPorts else {
            throw .invalid(field: "ports", message: "at most \(maxPorts) ports, has \(entries.count)")
        }
        var mappings: [PortMapping] = []
        for (index, entry) in entries.enumerated() {
            let field = "ports[\(index)]"
            var spec = Substring(entry)
            var proto = PortMapping.Proto.tcp
            if let slash = spec.firstIndex(of: "/") {
                switch spec[spec.index(after: slash)...] {
                case "tcp": proto = .tcp
                case "udp": proto = .udp
                default: throw .invalid(field: field, message: "the protocol must be tcp or udp")
                }
                spec = spec[..<slash]
            }
            let parts = spec.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let host = port(parts[0]), let container = port(parts[1]) else {
                throw .invalid(field: field, message: "must be HOST:CONTAINER[/tcp|udp] with ports 1–65535")
            }
            let mapping = PortMapping(containerPort: container, hostPort: host, proto: proto)
            // Two services cannot both hold one host port: a second mapping of it can never start.
            guard !mappings.contains(where: { $0.hostPort == host && $0.proto == proto }) else {
                throw .invalid(field: field, message: "host port \(host)/\(proto) is mapped twice")
            }
            mappings.append(mapping)
        }
        return mappings
    }

    /// 1–65535 in plain decimal digits (at most 5, so no overflow).
    static func port(_ text: Substring) -> UInt16? {
        guard (1...5).contains(text.utf8.count), text.utf8.allSatisfy({ (48...57).contains($0) }),
              let value = UInt32(text), (1...65535).contains(value)
        else { return nil }
        return UInt16(value)
    }

    static func cpuMillicores(_ cores: Double?) throws(GatewayError) -> UInt32 {
        guard let cores else { return 0 }
        guard cores.isFinite, cores >= 0, cores <= maxCPUCores else {
            throw .invalid(field: "cpu", message: "must be 0–\(Int(maxCPUCores)) cores")
        }
        let scaled = cores * 1000
        // Round up, but not a decimal's binary representation error (0.7 × 1000 is not 701).
        let nearest = scaled.rounded()
        let millicores = abs(scaled - nearest) < 1e-6 ? nearest : scaled.rounded(.up)
        return UInt32(millicores)  // ≤ 1,024,000: checked above
    }

    /// Kubernetes' quantity suffixes: k (K), M, G, T are powers of 1000; Ki, Mi, Gi, Ti of
    /// 1024. No suffix: bytes. The result is MiB, rounded up.
    static func memoryMiB(_ text: String?) throws(GatewayError) -> UInt32 {
        guard let text else { return 0 }
        let units: [(suffix: String, multiplier: UInt64)] = [
            ("Ki", 1 << 10), ("Mi", 1 << 20), ("Gi", 1 << 30), ("Ti", 1 << 40),
            ("k", 1_000), ("K", 1_000), ("M", 1_000_000), ("G", 1_000_000_000), ("T", 1_000_000_000_000),
        ]
        var digits = Substring(text)
        var multiplier: UInt64 = 1
        if let unit = units.first(where: { text.hasSuffix($0.suffix) }) {
            digits = digits.dropLast(unit.suffix.count)
            multiplier = unit.multiplier
        }
        let message = "must be a whole number of bytes with an optional unit (k, M, G, T, Ki, Mi, Gi, Ti), at most 1 TiB"
        // At most 13 digits: 1 TiB has 13, and 13 digits times 1024 stay far from overflow.
        guard (1...13).contains(digits.utf8.count), digits.utf8.allSatisfy({ (48...57).contains($0) }),
              let amount = UInt64(digits)
        else { throw .invalid(field: "memory", message: message) }
        let (bytes, overflow) = amount.multipliedReportingOverflow(by: multiplier)
        guard !overflow, bytes <= maxMemoryBytes else { throw .invalid(field: "memory", message: message) }
        let mebibytes = (bytes + (1 << 20) - 1) >> 20  // ≤ 2^20: fits UInt32
        return UInt32(mebibytes)
    }

    static func requestID(_ text: String?, drawID: () -> UInt64) throws(GatewayError) -> UInt64 {
        guard let text else {
            // Any draw is mapped into 1…2^63−1, the range a client may send too.
            let drawn = drawID() & maxRequestID
            return drawn == 0 ? 1 : drawn
        }
        // Plain digits without a leading zero: one spelling per id, so a retry matches.
        let bytes = text.utf8
        guard let first = bytes.first, first != 48, bytes.count <= 19, bytes.allSatisfy({ (48...57).contains($0) }),
              let value = UInt64(text), value <= maxRequestID
        else {
            throw .invalid(field: "requestId", message: "must be a decimal number 1–\(maxRequestID) without leading zeros")
        }
        return value
    }

    // MARK: The wire's limit

    /// Encodes the request as the wire will and reads it back with the wire's decoder, so
    /// what passes here is exactly what a peer's decoder accepts.
    static func checkEncodedSize(_ request: DeployRequest, limits: WireLimits) throws(GatewayError) {
        var bytes: [UInt8] = []
        request.encodeBody(into: &bytes)
        let limit = limits.maxDeployRequestBytes
        let largest = (request.command.reduce(0) { $0 + $1.utf8.count }
            >= request.environment.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }) ? "command" : "env"
        guard bytes.count <= limit else {
            throw .invalid(
                field: largest,
                message: "the request encodes to \(bytes.count) bytes, over the \(limit)-byte limit of a deploy request "
                    + "(WireLimits.maxDeployRequestBytes: a \(limits.maxEntryBytes)-byte log entry less the largest decision around it)")
        }
        let decoded: Result<DeployRequest, WireError> = bytes.withUnsafeBytes { buffer in
            var reader = WireReader(buffer, limits: limits)
            do throws(WireError) {
                return .success(try DeployRequest.decodeBody(from: &reader, flags: 0))
            } catch {
                return .failure(error)
            }
        }
        switch decoded {
        case .success(let back) where back == request:
            return
        case .success:
            throw .invalid(field: largest, message: "the request does not survive the wire encoding")
        case .failure(let error):
            throw .invalid(field: largest, message: "the wire refuses the request: \(error)")
        }
    }
}
