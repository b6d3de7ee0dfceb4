#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 UDP address, parsed from "host:port" or "[v6-host]:port".
public struct SocketAddress: Sendable, Hashable, CustomStringConvertible {
    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case noPort(String)
        case badPort(String)
        case badHost(String)

        public var description: String {
            switch self {
            case .noPort(let s): "\(s) has no port (write host:port, or [v6]:port)"
            case .badPort(let s): "\(s) has no valid port (1–65535)"
            case .badHost(let s): "\(s) is not a numeric IPv4 or IPv6 address"
            }
        }
    }

    var storage = sockaddr_storage()

    public var family: Int32 { Int32(storage.ss_family) }
    var length: socklen_t {
        socklen_t(family == AF_INET6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)
    }

    public init(_ text: String) throws(ParseError) {
        let host: String
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[close...].hasPrefix("]:") else { throw .noPort(text) }
            host = String(text[text.index(after: text.startIndex)..<close])
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw .noPort(text) }
            host = String(text[..<colon])
            portText = text[text.index(after: colon)...]
        }
        guard let port = UInt16(portText) else { throw .badPort(text) }
        try self.init(host: host, port: port)
    }

    public init(host: String, port: UInt16) throws(ParseError) {
        var v4 = sockaddr_in()
        var v6 = sockaddr_in6()
        var raw = sockaddr_storage()
        if inet_pton(AF_INET, host, &v4.sin_addr) == 1 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = port.bigEndian
            withUnsafeBytes(of: v4) { src in
                withUnsafeMutableBytes(of: &raw) { $0.copyMemory(from: src) }
            }
            storage = raw
        } else if inet_pton(AF_INET6, host, &v6.sin6_addr) == 1 {
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = port.bigEndian
            withUnsafeBytes(of: v6) { src in
                withUnsafeMutableBytes(of: &raw) { $0.copyMemory(from: src) }
            }
            storage = raw
        } else {
            throw .badHost(host)
        }
    }

    init(storage: sockaddr_storage) {
        self.storage = storage
    }

    /// The meaningful bytes (the sockaddr_in or sockaddr_in6 part of the storage), lent in
    /// place: every received datagram's sender is looked up by address, and a copy into an
    /// array per comparison and per hash cost three allocations a datagram.
    func withAddressBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        withUnsafeBytes(of: storage) { body(UnsafeRawBufferPointer(rebasing: $0.prefix(Int(length)))) }
    }

    /// The meaningful bytes, copied (for a cookie bound to the address).
    var addressBytes: [UInt8] {
        withAddressBytes { Array($0) }
    }

    /// Formatted on demand: receiving a datagram should not pay for text it never shows.
    public var description: String {
        var host = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        var port: UInt16 = 0
        var copy = storage
        let v6 = family == AF_INET6
        withUnsafePointer(to: &copy) { ptr in
            if v6 {
                ptr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { a in
                    var addr = a.pointee.sin6_addr
                    _ = inet_ntop(AF_INET6, &addr, &host, socklen_t(host.count))
                    port = UInt16(bigEndian: a.pointee.sin6_port)
                }
            } else {
                ptr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { a in
                    var addr = a.pointee.sin_addr
                    _ = inet_ntop(AF_INET, &addr, &host, socklen_t(host.count))
                    port = UInt16(bigEndian: a.pointee.sin_port)
                }
            }
        }
        let text = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return v6 ? "[\(text)]:\(port)" : "\(text):\(port)"
    }

    public static func == (a: SocketAddress, b: SocketAddress) -> Bool {
        // memcmp: a byte-by-byte generic comparison cost ten times as much, on every datagram.
        a.withAddressBytes { x in
            b.withAddressBytes { y in
                guard x.count == y.count, let p = x.baseAddress, let q = y.baseAddress else { return x.count == y.count }
                return memcmp(p, q, x.count) == 0
            }
        }
    }

    public func hash(into hasher: inout Hasher) {
        withAddressBytes { hasher.combine(bytes: $0) }
    }
}
