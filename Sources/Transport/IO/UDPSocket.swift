#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSocketShims

/// A non-blocking UDP socket: our own thin layer over the socket API (measured here, a
/// poll-based ping-pong has about a third of SwiftNIO's round trip).
public final class UDPSocket: @unchecked Sendable {
    public enum SocketError: Error, Equatable, CustomStringConvertible {
        case system(operation: String, errno: Int32)

        public var description: String {
            switch self {
            case .system(let operation, let code):
                "\(operation) failed: \(String(cString: strerror(code))) (errno \(code))"
            }
        }
    }

    public let fd: Int32
    public let localAddress: SocketAddress
    /// Reused by `receiveAll`; a socket is read by one thread only. Allocated once and
    /// held by constant pointers: as arrays in stored `var`s, every read went through the
    /// runtime's exclusivity check (six per call, about 750 instructions a datagram).
    private static let batch = 32
    private static let slot = 2048
    private let receiveBuffers: UnsafeMutablePointer<UInt8>
    private let receiveLengths: UnsafeMutablePointer<Int32>
    private let receiveAddresses: UnsafeMutablePointer<sockaddr_storage>
    /// Set when the kernel gave smaller buffers than asked for (raise net.core.rmem_max).
    public private(set) var bufferWarning: String?

    /// Binds to `address` (port 0: any free port) with socket buffers of `bufferBytes`.
    public init(binding address: SocketAddress, bufferBytes: Int32 = 1 << 20) throws(SocketError) {
        let fd = socket(address.family, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw .system(operation: "socket", errno: errno) }
        var storage = address.storage
        let bound = withUnsafePointer(to: &storage) { ptr in
            ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, address.length) }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw .system(operation: "bind \(address)", errno: code)
        }
        let flags = fcntl(fd, F_GETFL, 0)
        guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 else {
            let code = errno
            close(fd)
            throw .system(operation: "fcntl O_NONBLOCK", errno: code)
        }
        var local = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &local) { ptr in
            ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        self.localAddress = SocketAddress(storage: local)
        receiveBuffers = .allocate(capacity: Self.batch * Self.slot)
        receiveBuffers.initialize(repeating: 0, count: Self.batch * Self.slot)
        receiveLengths = .allocate(capacity: Self.batch)
        receiveLengths.initialize(repeating: 0, count: Self.batch)
        receiveAddresses = .allocate(capacity: Self.batch)
        receiveAddresses.initialize(repeating: sockaddr_storage(), count: Self.batch)
        for (option, name) in [(SO_RCVBUF, "receive"), (SO_SNDBUF, "send")] {
            var size = bufferBytes
            setsockopt(fd, SOL_SOCKET, option, &size, socklen_t(MemoryLayout<Int32>.size))
            var actual: Int32 = 0
            var actualLength = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, option, &actual, &actualLength)
            // Linux reports twice what it grants (bookkeeping overhead included).
            if actual / 2 < bufferBytes {
                bufferWarning = "the kernel clamped the \(name) buffer to \(actual / 2) of \(bufferBytes) bytes"
            }
        }
    }

    deinit {
        close(fd)
        receiveBuffers.deallocate()
        receiveLengths.deallocate()
        receiveAddresses.deallocate()
    }

    /// Sends one datagram; a full buffer drops it (the reliability layer resends).
    @discardableResult
    public func send(_ bytes: [UInt8], to address: SocketAddress) -> Bool {
        var storage = address.storage
        let sent = bytes.withUnsafeBytes { raw in
            withUnsafePointer(to: &storage) { ptr in
                ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, raw.baseAddress, raw.count, 0, $0, address.length)
                }
            }
        }
        return sent == bytes.count
    }

    /// Reads the datagrams waiting (at most `limit`), without blocking: one `recvmmsg`
    /// per batch of up to 32 on Linux. Datagrams longer than 2,048 bytes are cut (and then
    /// fail authentication), which the 1,500-byte datagram limit makes moot.
    public func receiveAll(limit: Int = 64) -> [(bytes: [UInt8], from: SocketAddress)] {
        var result: [(bytes: [UInt8], from: SocketAddress)] = []
        receiveAll(into: &result, limit: limit)
        return result
    }

    /// `receiveAll` appending to a caller's array (an event loop reuses one).
    public func receiveAll(into result: inout [(bytes: [UInt8], from: SocketAddress)], limit: Int = 64) {
        let start = result.count
        while result.count - start < limit {
            let want = UInt32(min(Self.batch, limit - (result.count - start)))
            let received = edgeraft_receive_batch(fd, receiveBuffers, Self.slot, want, receiveLengths, receiveAddresses)
            // At most `want` (≤ batch) slots were written; each length is clamped to its slot.
            guard received > 0 else { break }
            for i in 0..<min(Int(received), Int(want)) {
                let length = min(max(Int(receiveLengths[i]), 0), Self.slot)
                let bytes = Array(UnsafeBufferPointer(start: receiveBuffers + i * Self.slot, count: length))
                result.append((bytes, SocketAddress(storage: receiveAddresses[i])))
            }
            if received < want { break }
        }
    }

    /// Waits until readable or `timeoutMillis` passes (−1: forever); also wakes on `wakeFD`.
    public func waitReadable(timeoutMillis: Int32, wakeFD: Int32? = nil) -> Bool {
        var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0)]
        if let wakeFD { fds.append(pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)) }
        let ready = poll(&fds, nfds_t(fds.count), timeoutMillis)
        return ready > 0 && fds[0].revents & Int16(POLLIN) != 0
    }
}
