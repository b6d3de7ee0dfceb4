import Foundation
import Synchronization
import Testing
import Wire
@testable import Transport

/// The shell's half of the timestamp rule (review finding b): the high-water mark of the
/// initiation timestamps survives a restart in a file.
@Suite struct TimestampStateFileTests {
    static func temporaryPath(_ name: String) -> String {
        NSTemporaryDirectory() + "edgeraft-ts-\(UInt32.random(in: 0...UInt32.max))-\(name)"
    }

    @Test func storesLoadsAndRefusesWhatItCannotTrust() throws {
        let path = Self.temporaryPath("state")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = TimestampStateFile(path: path)
        #expect(try file.load() == 0, "no file yet: the first run")
        #expect(file.store(1_800_000_123_456_789))
        #expect(try file.load() == 1_800_000_123_456_789)
        try "12x\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: TimestampStateFile.LoadError.malformed(path: path)) { try file.load() }
        let link = Self.temporaryPath("link")
        defer { try? FileManager.default.removeItem(atPath: link) }
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: path)
        #expect(throws: TimestampStateFile.LoadError.self) { try TimestampStateFile(path: link).load() }
    }

    /// An endpoint given the file writes the reservation before its first initiation goes
    /// out; a restart with the clock an hour behind and that floor is not refused as stale.
    @Test func anEndpointPersistsItsFloorAndARestartBehindUsesIt() throws {
        let path = Self.temporaryPath("endpoint")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let a = NodeIdentity.generate(), b = NodeIdentity.generate()
        let received = Mutex<[UInt64]>([])
        func endpoint(_ id: NodeID, _ identity: NodeIdentity, floor: UInt64 = 0, behind: UInt64 = 0) throws -> TransportEndpoint {
            var configuration = TransportEndpoint.Configuration(
                id: id, clusterID: 4, protection: .sealed(identity, presharedKey: nil), listen: try SocketAddress("127.0.0.1:0"), peers: [:])
            if id == 1 {
                configuration.timestampState = TimestampStateFile(path: path)
                configuration.sessions.timestampFloor = floor
            }
            return try TransportEndpoint(configuration, wallClockMicros: { WallClock.nowMicros() - behind })
        }
        let two = try endpoint(2, b)
        two.start(onMessage: { _, _, message in
            if case .timeoutNow(let t) = message { received.withLock { $0.append(t.term) } }
        })
        defer { two.stop() }
        var one = try endpoint(1, a)
        func connect() {
            one.addPeer(2, at: two.socket.localAddress, publicKey: b.publicKey)
            two.addPeer(1, at: one.socket.localAddress, publicKey: a.publicKey)
            one.start(onMessage: { _, _, _ in })
        }
        func send(_ term: UInt64) {
            one.send(OutgoingMessage(.timeoutNow(TimeoutNow(term: term)), deadlineMicros: MonotonicClock.nowMicros() + 10_000_000), to: 2)
        }
        connect()
        send(1)
        #expect(EndpointSessionTests.eventually { received.withLock { $0 } == [1] })
        one.stop()
        let floor = try TimestampStateFile(path: path).load()
        #expect(floor > WallClock.nowMicros(), "a reservation ahead of the clock")
        #expect(one.timestampStoreFailures == 0)
        one = try endpoint(1, a, floor: floor, behind: 3_600_000_000)
        connect()
        send(2)
        #expect(EndpointSessionTests.eventually { received.withLock { $0 } == [1, 2] })
        #expect(two.drops[.staleInitiation] == 0)
        one.stop()
    }
}
