import Foundation
import Testing
import Wire
@testable import Transport

@Suite struct DatagramProtectionTests {
    static let key = try! ClusterKey(hex: String(repeating: "ab", count: 32), source: "test")
    static let otherKey = try! ClusterKey(hex: String(repeating: "cd", count: 32), source: "test")
    static let payload = Payload.encode([.timeoutNow(TimeoutNow(term: 5))])

    static func sealer(_ key: ClusterKey = key, cluster: ClusterID = 7, sender: NodeID = 2, epoch: UInt16 = 1) -> DatagramSealer {
        DatagramSealer(protection: .sealed(key), clusterID: cluster, sender: sender, keyEpoch: epoch)
    }

    static func packet(_ n: UInt64) -> PacketNumber { PacketNumber(n)! }

    @Test func aSealedDatagramOpensToItsPayload() {
        let datagram = Self.sealer().seal(payload: Self.payload, packet: Self.packet(1), ackEliciting: true)
        #expect(datagram.count == Self.payload.count + 28)
        var gate = DatagramGate(protection: .sealed(Self.key), clusterID: 7)
        let opened = gate.open(datagram)
        #expect(opened?.payload == Self.payload)
        #expect(opened?.header.sender == 2 && opened?.header.ackEliciting == true)
        #expect(gate.drops.total == 0)
    }

    @Test func everyHostileDatagramIsDroppedAndCountedByReason() {
        var gate = DatagramGate(protection: .sealed(Self.key), clusterID: 7)
        let good = Self.sealer().seal(payload: Self.payload, packet: Self.packet(10), ackEliciting: true)
        var forged = good
        forged[DatagramHeader.size] ^= 0x01
        var forgedTag = good
        forgedTag[forgedTag.count - 1] ^= 0x80
        var forgedHeader = good
        forgedHeader[3] ^= 0x01 // sender id: the header is authenticated too
        let cases: [([UInt8], DatagramDropReason)] = [
            (forged, .authentication),
            (forgedTag, .authentication),
            (forgedHeader, .authentication),
            (Self.sealer(Self.otherKey).seal(payload: Self.payload, packet: Self.packet(11), ackEliciting: true), .authentication),
            (Self.sealer(cluster: 8).seal(payload: Self.payload, packet: Self.packet(12), ackEliciting: true), .wrongCluster),
            (DatagramSealer(protection: .insecure, clusterID: 7, sender: 2, keyEpoch: 1).seal(payload: Self.payload, packet: Self.packet(13), ackEliciting: true), .wrongProtection),
            (Array(good.prefix(20)), .malformed),
            (Array(good.prefix(good.count - 1)), .authentication),
            (Array(good.prefix(5)), .malformed),
            ([UInt8](repeating: 0x10, count: 1501), .tooLarge),
            ([0xFF] + [UInt8](repeating: 0, count: 40), .malformed),
        ]
        for (datagram, reason) in cases {
            let before = gate.drops[reason]
            #expect(gate.open(datagram) == nil, "\(reason)")
            #expect(gate.drops[reason] == before + 1, "\(reason)")
        }
        // None of it disturbed the link: the genuine datagram still opens, once.
        #expect(gate.open(good)?.payload == Self.payload)
        #expect(gate.open(good) == nil)
        #expect(gate.drops[.replay] == 1)
    }

    @Test func aForgedDatagramCannotMoveTheReplayWindow() {
        var gate = DatagramGate(protection: .sealed(Self.key), clusterID: 7)
        #expect(gate.open(Self.sealer().seal(payload: Self.payload, packet: Self.packet(5), ackEliciting: false)) != nil)
        // A forgery claiming packet 1,000,000 would, if it moved the window, make every
        // real packet look too old.
        var forged = Self.sealer(Self.otherKey).seal(payload: Self.payload, packet: Self.packet(1_000_000), ackEliciting: false)
        forged[forged.count - 1] ^= 1
        #expect(gate.open(forged) == nil)
        #expect(gate.open(Self.sealer().seal(payload: Self.payload, packet: Self.packet(6), ackEliciting: false)) != nil)
    }

    @Test func aRestartedSenderIsAcceptedInItsNewEpochAndTheOldEpochIsRefused() {
        var gate = DatagramGate(protection: .sealed(Self.key), clusterID: 7)
        #expect(gate.open(Self.sealer(epoch: 3).seal(payload: Self.payload, packet: Self.packet(900), ackEliciting: false)) != nil)
        // After a restart the sender counts packets from 0 again, in epoch 4.
        #expect(gate.open(Self.sealer(epoch: 4).seal(payload: Self.payload, packet: Self.packet(0), ackEliciting: false)) != nil)
        #expect(gate.open(Self.sealer(epoch: 3).seal(payload: Self.payload, packet: Self.packet(901), ackEliciting: false)) == nil)
        #expect(gate.drops[.staleEpoch] == 1)
    }

    @Test func insecureModeCarriesPlainDatagramsOnly() {
        let plain = DatagramSealer(protection: .insecure, clusterID: 7, sender: 2, keyEpoch: 1)
            .seal(payload: Self.payload, packet: Self.packet(1), ackEliciting: true)
        #expect(plain.count == Self.payload.count + 12)
        var gate = DatagramGate(protection: .insecure, clusterID: 7)
        #expect(gate.open(plain)?.payload == Self.payload)
        #expect(gate.open(Self.sealer().seal(payload: Self.payload, packet: Self.packet(2), ackEliciting: true)) == nil)
        #expect(gate.drops[.wrongProtection] == 1)
    }

    @Test func noncesDifferForEverySenderEpochAndPacket() {
        let a = DatagramSealer.nonce(sender: 1, epoch: 1, packet: Self.packet(1))
        // The header's byte order (docs/transport.md): sender, epoch, 5-byte packet number, zeros.
        let wide = DatagramSealer.nonce(sender: 0x0102, epoch: 0x0304, packet: Self.packet(0x05_0607_0809))
        #expect(wide.bytes == [0x02, 0x01, 0x04, 0x03, 0x09, 0x08, 0x07, 0x06, 0x05, 0, 0, 0])
        #expect(a != DatagramSealer.nonce(sender: 2, epoch: 1, packet: Self.packet(1)))
        #expect(a != DatagramSealer.nonce(sender: 1, epoch: 2, packet: Self.packet(1)))
        #expect(a != DatagramSealer.nonce(sender: 1, epoch: 1, packet: Self.packet(2)))
    }

    @Test func randomBytesNeverOpen() {
        var gate = DatagramGate(protection: .sealed(Self.key), clusterID: 7)
        var rng = SeededRandom(seed: 4)
        for _ in 0..<5000 {
            let bytes = (0..<Int(rng.next() % 200)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            #expect(gate.open(bytes) == nil)
        }
        #expect(gate.drops.total == 5000)
    }
}

@Suite struct ClusterKeyTests {
    @Test func keysComeFromAFileOrTheEnvironment() throws {
        let hex = ClusterKey.generateHex()
        #expect(hex.count == 64)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("key-\(UUID().uuidString)").path
        try (hex + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        _ = try ClusterKey.load(file: path, environment: [:])
        _ = try ClusterKey.load(file: nil, environment: [ClusterKey.environmentVariable: hex])
    }

    @Test func badKeysAreClearErrors() {
        #expect(throws: ClusterKey.LoadError.missing) { try ClusterKey.load(file: nil, environment: [:]) }
        #expect(throws: ClusterKey.LoadError.notHex(source: "env")) { try ClusterKey(hex: "zz", source: "env") }
        #expect(throws: ClusterKey.LoadError.wrongLength(source: "env", bytes: 2)) { try ClusterKey(hex: "abcd", source: "env") }
        #expect(throws: ClusterKey.LoadError.self) { try ClusterKey.load(file: "/nonexistent/key", environment: [:]) }
    }
}
