import Foundation
import NetworkModel
import Synchronization
import Testing
import Wire
@testable import Transport

/// Real UDP sockets on loopback, each endpoint on its own event-loop thread.
@Suite(.serialized) struct EndpointTests {
    static func pair(emulation: LinkEmulator.Conditions? = nil) throws -> (TransportEndpoint, TransportEndpoint) {
        let key = try ClusterKey(hex: ClusterKey.generateHex(), source: "test")
        let ia = NodeIdentity.generate(), ib = NodeIdentity.generate()
        var ca = TransportEndpoint.Configuration(id: 1, clusterID: 3, protection: .sealed(ia, presharedKey: key), listen: try SocketAddress("127.0.0.1:0"), peers: [:])
        var cb = TransportEndpoint.Configuration(id: 2, clusterID: 3, protection: .sealed(ib, presharedKey: key), listen: try SocketAddress("127.0.0.1:0"), peers: [:])
        ca.emulation = emulation
        cb.emulation = emulation
        let a = try TransportEndpoint(ca), b = try TransportEndpoint(cb)
        a.addPeer(2, at: b.socket.localAddress, publicKey: ib.publicKey)
        b.addPeer(1, at: a.socket.localAddress, publicKey: ia.publicKey)
        return (a, b)
    }

    @Test(arguments: [nil, LinkEmulator.Conditions(profile: .piWifi, duplication: 0.02)])
    func messagesCrossRealSocketsExactlyOnce(emulation: LinkEmulator.Conditions?) throws {
        let (a, b) = try Self.pair(emulation: emulation)
        let received = Mutex<[UInt64]>([])
        let done = DispatchSemaphore(value: 0)
        b.start { _, _, message in
            if case .timeoutNow(let t) = message {
                let count = received.withLock { $0.append(t.term); return $0.count }
                if count == 300 { done.signal() }
            }
        }
        a.start { _, _, _ in }
        for i in 0..<300 {
            a.send(OutgoingMessage(.timeoutNow(TimeoutNow(term: UInt64(i))), deadlineMicros: MonotonicClock.nowMicros() + 30_000_000), to: 2)
        }
        let finished = done.wait(timeout: .now() + 20) == .success
        a.stop()
        b.stop()
        #expect(finished)
        let terms = received.withLock { $0 }
        #expect(terms.count == 300 && Set(terms) == Set((0..<300).map(UInt64.init)))
    }

    @Test func socketAddressesParse() throws {
        #expect(try SocketAddress("127.0.0.1:7000").description == "127.0.0.1:7000")
        #expect(try SocketAddress("[::1]:7000").description == "[::1]:7000")
        #expect(throws: SocketAddress.ParseError.noPort("127.0.0.1")) { try SocketAddress("127.0.0.1") }
        #expect(throws: SocketAddress.ParseError.badPort("h:99999")) { try SocketAddress("h:99999") }
        #expect(throws: SocketAddress.ParseError.badHost("example.org")) { try SocketAddress("example.org:1") }
    }

    @Test func anIPv6SocketBindsOnLoopback() throws {
        let socket = try UDPSocket(binding: SocketAddress("[::1]:0"))
        #expect(socket.localAddress.description.hasPrefix("[::1]:"))
    }
}
