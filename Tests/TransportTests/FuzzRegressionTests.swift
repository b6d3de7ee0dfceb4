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
        let key = try ClusterKey(hex: String(repeating: "42", count: 32), source: "fuzz")
        guard let mode = bytes.first else { return }
        var gate = DatagramGate(protection: .sealed(key), clusterID: 1)
        var link = PeerLink(peer: 2, sealer: DatagramSealer(protection: .sealed(key), clusterID: 1, sender: 1, keyEpoch: 1))
        let datagram = mode & 1 == 0 ? Array(bytes.dropFirst())
            : DatagramSealer(protection: .sealed(key), clusterID: 1, sender: 2, keyEpoch: 1)
                .seal(payload: Array(bytes.dropFirst()), packet: try #require(PacketNumber(UInt64(mode))), ackEliciting: mode & 2 != 0)
        if let opened = gate.open(datagram) {
            _ = link.receive(opened, now: 1_000)
            _ = link.poll(now: 2_000)
            #expect(gate.open(datagram) == nil, "a replay is refused")
        }
    }

    @Test func aSequenceFollowedByAnAckIsMalformed() throws {
        let key = try ClusterKey(hex: String(repeating: "42", count: 32), source: "fuzz")
        let bytes = [UInt8](try Data(contentsOf: Self.directory.appendingPathComponent("transport-sequence-then-ack.bin")))
        var gate = DatagramGate(protection: .sealed(key), clusterID: 1)
        var link = PeerLink(peer: 2, sealer: DatagramSealer(protection: .sealed(key), clusterID: 1, sender: 1, keyEpoch: 1))
        let datagram = DatagramSealer(protection: .sealed(key), clusterID: 1, sender: 2, keyEpoch: 1)
            .seal(payload: Array(bytes.dropFirst()), packet: try #require(PacketNumber(3)), ackEliciting: true)
        let accepted = gate.open(datagram)
        let opened = try #require(accepted)
        #expect(link.receive(opened, now: 0).isEmpty)
        #expect(link.statistics.malformedDropped == 1)
    }
}
