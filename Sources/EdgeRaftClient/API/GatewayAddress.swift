/// A gateway's client-API address as the CLI takes it: `HOST:PORT`, `[IPv6]:PORT`.
public struct GatewayAddress: Equatable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case malformed(String)

        public var description: String {
            switch self {
            case .malformed(let text): "--gateway must be HOST:PORT (e.g. 127.0.0.1:7700), not \"\(text)\""
            }
        }
    }

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public init(parsing text: String) throws(ParseError) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { throw .malformed(text) }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw .malformed(text) }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            // An unbracketed IPv6 address is ambiguous: which colon starts the port?
            guard !host.contains(":") else { throw .malformed(text) }
        }
        guard !host.isEmpty, (1...5).contains(portText.count), portText.allSatisfy({ $0.isASCII && $0.isNumber }), let port = Int(portText), (1...65535).contains(port)
        else { throw .malformed(text) }
        self.host = String(host)
        self.port = port
    }

    /// As a URL's authority.
    var authority: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    public var description: String { authority }
}
