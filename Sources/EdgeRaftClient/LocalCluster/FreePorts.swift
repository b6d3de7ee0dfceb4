#if canImport(Glibc)
import Glibc
#endif

/// Loopback ports no one uses right now, from the kernel: bind port 0, read what it gave.
/// All sockets of one call stay open until every port is read, so the ports are distinct.
/// (Someone may take one before the node binds it; the node then fails with "port in use".)
public enum FreePorts {
    public enum PortError: Error, Equatable, CustomStringConvertible {
        case socket(String)

        public var description: String {
            switch self {
            case .socket(let reason): "cannot find a free loopback port: \(reason)"
            }
        }
    }

    public static func pick(udp: Int, tcp: Int) throws(PortError) -> (udp: [UInt16], tcp: [UInt16]) {
        var sockets: [Int32] = []
        defer { for socket in sockets { close(socket) } }
        func one(_ type: Int32) throws(PortError) -> UInt16 {
            let fd = socket(AF_INET, type, 0)
            guard fd >= 0 else { throw .socket(String(cString: strerror(errno))) }
            sockets.append(fd)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = 0
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                    bind(fd, socketAddress, length) == 0 && getsockname(fd, socketAddress, &length) == 0
                }
            }
            guard bound else { throw .socket(String(cString: strerror(errno))) }
            return UInt16(bigEndian: address.sin_port)
        }
        let udpPorts = try (0..<udp).map { _ throws(PortError) in try one(Int32(SOCK_DGRAM.rawValue)) }
        let tcpPorts = try (0..<tcp).map { _ throws(PortError) in try one(Int32(SOCK_STREAM.rawValue)) }
        return (udpPorts, tcpPorts)
    }
}
