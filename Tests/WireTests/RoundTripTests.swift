import Testing
@testable import Wire

/// decode(encode(m)) == m for seeded random messages of every kind, alone and several to
/// a payload, with and without batch compression.
@Suite struct RoundTripTests {
    static let seeds: [UInt64] = Array(1...40)

    @Test(arguments: FrameKind.allCases)
    func everyKindRoundTripsAlone(kind: FrameKind) throws {
        for seed in Self.seeds {
            var gen = RandomMessages(seed: seed &* 7919 &+ UInt64(kind.rawValue))
            for _ in 0..<25 {
                let message = gen.message(kind)
                var bytes: [UInt8] = []
                message.encodeFrame(into: &bytes)
                let decoded = try Payload.decodeSingle(bytes)
                #expect(decoded == message, "seed \(seed): \(message)")
            }
        }
    }

    @Test(arguments: seeds)
    func payloadsOfSeveralFramesRoundTrip(seed: UInt64) throws {
        var gen = RandomMessages(seed: seed)
        for _ in 0..<30 {
            let messages = (0..<(1 + gen.count(5))).map { _ in gen.anyMessage() }
            let bytes = Payload.encode(messages)
            #expect(try Payload.decode(bytes) == messages, "seed \(seed)")
        }
    }

    @Test(arguments: seeds)
    func compressedBatchesRoundTrip(seed: UInt64) throws {
        var gen = RandomMessages(seed: seed)
        var compressedSeen = 0
        for _ in 0..<30 {
            guard case .appendEntries(let append) = gen.message(.appendEntries) else { continue }
            var bytes: [UInt8] = []
            append.encodeFrame(into: &bytes, compression: BatchCompression(level: 6, thresholdBytes: 64))
            var plain: [UInt8] = []
            append.encodeFrame(into: &plain)
            if bytes[0] & 0b001 != 0 {
                compressedSeen += 1
                #expect(bytes.count + 8 <= plain.count, "compression must save at least 8 bytes")
            } else {
                #expect(bytes == plain)
            }
            #expect(try Payload.decodeSingle(bytes) == .appendEntries(append))
        }
        #expect(compressedSeen > 0, "seed \(seed) never exercised the compressed path")
    }

    @Test(arguments: seeds)
    func logEntryPayloadsRoundTrip(seed: UInt64) throws {
        var gen = RandomMessages(seed: seed)
        for _ in 0..<20 {
            let decision = gen.decision()
            #expect(try DecisionEntry.decode(decision.encoded()) == decision)
            let outcome = gen.outcome()
            #expect(try OutcomeEntry.decode(outcome.encoded()) == outcome)
        }
    }

    @Test func datagramHeaderRoundTripsAndIsTwelveBytes() throws {
        var gen = RandomMessages(seed: 99)
        for _ in 0..<500 {
            let header = DatagramHeader(
                kind: gen.bool() ? .sealed : .plain, ackEliciting: gen.bool(),
                clusterID: UInt16(truncatingIfNeeded: gen.number()), receiverIndex: UInt32(truncatingIfNeeded: gen.number()),
                packetNumber: try #require(PacketNumber(gen.number(max: PacketNumber.max.value))))
            var bytes: [UInt8] = []
            header.encode(into: &bytes)
            #expect(bytes.count == DatagramHeader.size)
            let decoded = try bytes.withWireReader { (reader) throws(WireError) in try DatagramHeader.decode(from: &reader) }
            #expect(decoded == header)
            // Written over the room left at the front of a datagram: the same bytes.
            var datagram = [UInt8](repeating: 0xEE, count: DatagramHeader.size + 5)
            let written = header.write(into: &datagram)
            #expect(written)
            #expect(Array(datagram.prefix(DatagramHeader.size)) == bytes)
            #expect(datagram.suffix(5).allSatisfy { $0 == 0xEE })
            var tooShort = [UInt8](repeating: 0xEE, count: DatagramHeader.size - 1)
            let refused = !header.write(into: &tooShort)
            #expect(refused && tooShort.allSatisfy { $0 == 0xEE }, "no room: nothing written")
        }
    }

    @Test func sequenceFrameSizeIsWhatItsEncoderWrites() {
        for number: UInt64 in [0, 1, 127, 128, 16_383, 16_384, 1 << 40, .max] {
            var bytes: [UInt8] = []
            MessageSequence(number: number).encodeFrame(into: &bytes, last: false)
            #expect(bytes.count == MessageSequence(number: number).frameSize, "\(number)")
        }
    }

    @Test func plainDatagramSplitsIntoHeaderAndFrames() throws {
        let header = DatagramHeader(
            kind: .plain, ackEliciting: true, clusterID: 7, receiverIndex: 3,
            packetNumber: try #require(PacketNumber(42)))
        let messages: [Message] = [.timeoutNow(TimeoutNow(term: 9)), .requestVote(RequestVote(term: 9, lastLogIndex: 4, lastLogTerm: 8))]
        let datagram = DatagramParts.encodePlain(header: header, messages: messages)
        let parts = try DatagramParts.split(datagram)
        #expect(parts.header == header)
        #expect(parts.tag == nil)
        #expect(try Payload.decode(parts.body) == messages)
    }

    @Test func sealedDatagramKeepsItsLastSixteenBytesAsTag() throws {
        var header = DatagramHeader(
            kind: .sealed, ackEliciting: false, clusterID: 1, receiverIndex: 0x0302,
            packetNumber: try #require(PacketNumber(4)))
        header.ackEliciting = true
        var datagram: [UInt8] = []
        header.encode(into: &datagram)
        datagram += [1, 2, 3] + [UInt8](repeating: 0xEE, count: 16)
        let parts = try DatagramParts.split(datagram)
        #expect(parts.body == [1, 2, 3])
        #expect(parts.tag == [UInt8](repeating: 0xEE, count: 16))
    }

    @Test func zigzagDeltaIsABijection() {
        var gen = RandomMessages(seed: 5)
        for _ in 0..<10_000 {
            let base = gen.number(), value = gen.number()
            #expect(applyZigzagDelta(zigzagDelta(from: base, to: value), to: base) == value)
        }
        #expect(zigzagDelta(from: 5, to: 5) == 0)
        #expect(zigzagDelta(from: 5, to: 4) == 1)
        #expect(zigzagDelta(from: 5, to: 6) == 2)
    }
}
