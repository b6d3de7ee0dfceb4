import Foundation

/// The bearer token a CLI command sends: from `--token-file`, else `EDGERAFT_TOKEN`.
public enum ClientToken {
    public static let environmentVariable = "EDGERAFT_TOKEN"

    public enum LoadError: Error, Equatable, CustomStringConvertible {
        case missing
        case unreadable(path: String, reason: String)
        case empty(source: String)

        public var description: String {
            switch self {
            case .missing:
                return "no API token: pass --token-file FILE or set \(ClientToken.environmentVariable) (`edgeraft cluster up` prints where it wrote one)"
            case .unreadable(let path, let reason):
                return "cannot read the token file \(path): \(reason)"
            case .empty(let source):
                return "the API token from \(source) is empty"
            }
        }
    }

    public static func load(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws(LoadError) -> String {
        if let file {
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw .unreadable(path: file, reason: error.localizedDescription)
            }
            let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else { throw .empty(source: file) }
            return token
        }
        guard let value = environment[environmentVariable] else { throw .missing }
        let token = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw .empty(source: environmentVariable) }
        return token
    }
}
