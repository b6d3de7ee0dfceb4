import NetworkModel
import Foundation
import Testing
import Wire
@testable import Transport

/// FuzzTransport's inputs kept under `fuzz/regressions/transport-*`, replayed through the
/// same pipeline: gate, link, poll — never a trap, never a replay accepted.
@Suite struct TransportFuzzRegressionTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fuzz/regressions")

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasPrefix("transport-") }.sorted()
    }

    @Test func thereAreRegressionInputs() {
        #expect(!Self.files.isEmpty)
    }

    @Test(arguments: files)
    func replaysSafely(file: String) throws {
        let bytes = [UInt8](try Data(contentsOf: Self.directory.appendingPathComponent(file)))
        let key = try #require(ChaChaPolyAEAD(keyBytes: [UInt8](repeating: 0x42, count: 32)))
        guard let mode = bytes.first else { return }
        if mode & 8 != 0 {
            #expect(LinkFuzzProgram.run(Array(bytes.dropFirst())) == nil)
            return
        }
        var gate = DatagramOpener(key: key)
        var link = PeerLink(peer: 2, sealer: DatagramSealer(clusterID: 1, receiverIndex: 1, key: key))
        let datagram = mode & 1 == 0 ? Array(bytes.dropFirst())
            : DatagramSealer(clusterID: 1, receiverIndex: 1, key: key)
                .seal(payload: Array(bytes.dropFirst()), packet: try #require(PacketNumber(UInt64(mode))), ackEliciting: mode & 2 != 0)
        if case .success(let opened) = gate.open(datagram, clusterID: 1) {
            _ = link.receive(opened, now: 1_000)
            _ = link.poll(now: 2_000)
            #expect(gate.open(datagram, clusterID: 1) == .failure(.replay), "a replay is refused")
        }
    }

    /// The stateful programs FuzzTransport runs (mode bit 3), from seeded random bytes: every
    /// promise kept — no message delivered twice, nothing acknowledged that was refused,
    /// bytes in flight as the packets in flight hold and within the window, every message
    /// still owed either queued or carried by a packet in flight (checked to fail with the
    /// requeue of lost packets' messages taken out).
    @Test func seededRandomLinkProgramsKeepTheirPromises() {
        var rng = SeededRandom(seed: 10)
        for round in 0..<300 {
            let program = (0..<2_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let broken = LinkFuzzProgram.run(program)
            #expect(broken == nil, "round \(round): \(broken ?? "")")
        }
    }

    @Test func aSequenceFollowedByAnAckIsMalformed() throws {
        let key = try #require(ChaChaPolyAEAD(keyBytes: [UInt8](repeating: 0x42, count: 32)))
        let bytes = [UInt8](try Data(contentsOf: Self.directory.appendingPathComponent("transport-sequence-then-ack.bin")))
        var gate = DatagramOpener(key: key)
        var link = PeerLink(peer: 2, sealer: DatagramSealer(clusterID: 1, receiverIndex: 1, key: key))
        let datagram = DatagramSealer(clusterID: 1, receiverIndex: 1, key: key)
            .seal(payload: Array(bytes.dropFirst()), packet: try #require(PacketNumber(3)), ackEliciting: true)
        let opened = try gate.open(datagram, clusterID: 1).get()
        #expect(link.receive(opened, now: 0).isEmpty)
        #expect(link.statistics.drops[.malformed] == 1)
    }
}
