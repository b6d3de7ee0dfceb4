import ClientAPI

/// The `edgeraft deploy` flags turned into a `DeployBody`, with the mistakes a user makes
/// on the command line caught before anything is sent. The gateway checks everything
/// again (`DeployBodyValidation`); this is only for a quicker, clearer message.
public enum DeployOptions {
    public enum OptionError: Error, Equatable, CustomStringConvertible {
        case env(String)
        case port(String)
        case cpu(Double)
        case requestID(String)

        public var description: String {
            switch self {
            case .env(let text): "--env takes KEY=VALUE with a non-empty KEY, not \"\(text)\""
            case .port(let text): "--port takes HOST:CONTAINER[/tcp|/udp] with ports 1…65535 (e.g. 8080:80), not \"\(text)\""
            case .cpu(let value): "--cpu takes a positive number of cores (e.g. 0.5), not \(value)"
            case .requestID(let text): "--request-id takes a decimal number 1…9223372036854775807, not \"\(text)\""
            }
        }
    }

    public static func body(
        name: String, image: String, command: [String], env: [String], ports: [String], cpu: Double?, memory: String?, requestID: String?
    ) throws(OptionError) -> DeployBody {
        for entry in env {
            guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex else { throw .env(entry) }
        }
        for port in ports where !isPortMapping(port) { throw .port(port) }
        if let cpu, !(cpu.isFinite && cpu > 0) { throw .cpu(cpu) }
        if let requestID {
            guard requestID.allSatisfy(\.isASCII), let value = Int64(requestID), value >= 1, !requestID.hasPrefix("+") else { throw .requestID(requestID) }
        }
        return DeployBody(
            name: name, image: image, command: command.isEmpty ? nil : command, env: env.isEmpty ? nil : env,
            ports: ports.isEmpty ? nil : ports, cpu: cpu, memory: memory, requestId: requestID)
    }

    static func isPortMapping(_ text: String) -> Bool {
        var mapping = Substring(text)
        for suffix in ["/tcp", "/udp"] where mapping.hasSuffix(suffix) { mapping = mapping.dropLast(suffix.count) }
        let parts = mapping.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        return parts.allSatisfy { part in
            part.count <= 5 && part.allSatisfy { $0.isASCII && $0.isNumber } && (Int(part).map { (1...65535).contains($0) } ?? false)
        }
    }
}
