import Foundation
import NetworkModel
import Testing
import Wire
@testable import Transport

/// One session's datagrams: sealing with the sender's key, the receive checks in order.
@Suite struct DatagramProtectionTests {
    static let key = ChaChaPolyAEAD(keyBytes: [UInt8](repeating: 0xab, count: 32))!
    static let otherKey = ChaChaPolyAEAD(keyBytes: [UInt8](repeating: 0xcd, count: 32))!
    static let payload = Payload.encode([.timeoutNow(TimeoutNow(term: 5))])

    static func sealer(_ key: ChaChaPolyAEAD = key, cluster: ClusterID = 7, index: UInt32 = 0x0102_0304) -> DatagramSealer {
        DatagramSealer(clusterID: cluster, receiverIndex: index, key: key)
    }

    static func packet(_ n: UInt64) -> PacketNumber { PacketNumber(n)! }

    @Test func aSealedDatagramOpensToItsPayload() throws {
        let datagram = Self.sealer().seal(payload: Self.payload, packet: Self.packet(1), ackEliciting: true)
        #expect(datagram.count == Self.payload.count + 28)
        var gate = DatagramOpener(key: Self.key)
        let opened = try gate.open(datagram, clusterID: 7).get()
        #expect(opened.payload == Self.payload)
        #expect(opened.header.receiverIndex == 0x0102_0304 && opened.header.ackEliciting == true)
    }

    @Test func everyHostileDatagramIsDroppedWithItsReason() {
        var gate = DatagramOpener(key: Self.key)
        let good = Self.sealer().seal(payload: Self.payload, packet: Self.packet(10), ackEliciting: true)
        var forged = good
        forged[DatagramHeader.size] ^= 0x01
        var forgedTag = good
        forgedTag[forgedTag.count - 1] ^= 0x80
        var forgedHeader = good
        forgedHeader[7] ^= 0x01 // packet number: the header is authenticated too
        let cases: [([UInt8], DatagramDropReason)] = [
            (forged, .authentication),
            (forgedTag, .authentication),
            (forgedHeader, .authentication),
            (Self.sealer(Self.otherKey).seal(payload: Self.payload, packet: Self.packet(11), ackEliciting: true), .authentication),
            (Self.sealer(cluster: 8).seal(payload: Self.payload, packet: Self.packet(12), ackEliciting: true), .wrongCluster),
            (DatagramSealer.plain(clusterID: 7, sender: 2).seal(payload: Self.payload, packet: Self.packet(13), ackEliciting: true), .wrongProtection),
            (Array(good.prefix(20)), .malformed),
            (Array(good.prefix(good.count - 1)), .authentication),
            (Array(good.prefix(5)), .malformed),
            ([UInt8](repeating: 0x20, count: 1501), .tooLarge),
            ([0xFF] + [UInt8](repeating: 0, count: 40), .malformed),
        ]
        for (datagram, reason) in cases {
            #expect(gate.open(datagram, clusterID: 7) == .failure(reason), "\(reason)")
        }
        // None of it disturbed the session: the genuine datagram still opens, once.
        #expect((try? gate.open(good, clusterID: 7).get())?.payload == Self.payload)
        #expect(gate.open(good, clusterID: 7) == .failure(.replay))
    }

    @Test func aForgedDatagramCannotMoveTheReplayWindow() {
        var gate = DatagramOpener(key: Self.key)
        #expect((try? gate.open(Self.sealer().seal(payload: Self.payload, packet: Self.packet(5), ackEliciting: false), clusterID: 7).get()) != nil)
        // A forgery claiming packet 1,000,000 would, if it moved the window, make every
        // real packet look too old.
        var forged = Self.sealer(Self.otherKey).seal(payload: Self.payload, packet: Self.packet(1_000_000), ackEliciting: false)
        forged[forged.count - 1] ^= 1
        #expect(gate.open(forged, clusterID: 7) == .failure(.authentication))
        #expect((try? gate.open(Self.sealer().seal(payload: Self.payload, packet: Self.packet(6), ackEliciting: false), clusterID: 7).get()) != nil)
    }

    @Test func insecureModeCarriesPlainDatagramsOnly() {
        let plain = DatagramSealer.plain(clusterID: 7, sender: 2).seal(payload: Self.payload, packet: Self.packet(1), ackEliciting: true)
        #expect(plain.count == Self.payload.count + 12)
        var gate = DatagramOpener(key: nil)
        #expect((try? gate.open(plain, clusterID: 7).get())?.payload == Self.payload)
        #expect(gate.open(Self.sealer().seal(payload: Self.payload, packet: Self.packet(2), ackEliciting: true), clusterID: 7) == .failure(.wrongProtection))
    }

    @Test func theNonceIsNoisesCounterLayout() {
        #expect(ChaChaPolyAEAD.Nonce(counter: 0x05_0607_0809).bytes == [0, 0, 0, 0, 0x09, 0x08, 0x07, 0x06, 0x05, 0, 0, 0])
    }

    @Test func randomBytesNeverOpen() {
        var gate = DatagramOpener(key: Self.key)
        var rng = SeededRandom(seed: 4)
        for _ in 0..<5000 {
            let bytes = (0..<Int(rng.next() % 200)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            #expect((try? gate.open(bytes, clusterID: 7).get()) == nil)
        }
    }
}

@Suite struct ClusterKeyTests {
    @Test func keysComeFromAFileOrTheEnvironment() throws {
        let hex = ClusterKey.generateHex()
        #expect(hex.count == 64)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("key-\(UUID().uuidString)").path
        try (hex + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        #expect(throws: ClusterKey.LoadError.untrusted(path: path, reason: "mode 644; chmod 600")) { try ClusterKey.load(file: path, environment: [:]) }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        _ = try ClusterKey.load(file: path, environment: [:])
        let link = path + ".link"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: path)
        defer { try? FileManager.default.removeItem(atPath: link) }
        #expect(throws: ClusterKey.LoadError.self) { try ClusterKey.load(file: link, environment: [:]) }
        _ = try ClusterKey.load(file: nil, environment: [ClusterKey.environmentVariable: hex])
    }

    @Test func badKeysAreClearErrors() {
        #expect(throws: ClusterKey.LoadError.missing) { try ClusterKey.load(file: nil, environment: [:]) }
        #expect(throws: ClusterKey.LoadError.notHex(source: "env")) { try ClusterKey(hex: "zz", source: "env") }
        #expect(throws: ClusterKey.LoadError.wrongLength(source: "env", bytes: 2)) { try ClusterKey(hex: "abcd", source: "env") }
        #expect(throws: ClusterKey.LoadError.self) { try ClusterKey.load(file: "/nonexistent/key", environment: [:]) }
    }
}
