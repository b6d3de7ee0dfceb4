import Testing
@testable import Wire

/// Rules docs/wire-format.md states for a second implementation, each pinned here.
@Suite struct SpecEdgeTests {
    static let maxIndex = WireLimits.default.maxTermOrIndex

    /// `count` TimeoutNow frames: every one but the last is three bytes (type, length, term).
    func timeoutNowFrames(_ count: Int) -> [UInt8] {
        Payload.encode(Array(repeating: .timeoutNow(TimeoutNow(term: 1)), count: count))
    }

    @Test func aPayloadHoldsAtMost512Frames() throws {
        let limit = WireLimits.default.maxFramesPerPayload
        #expect(limit == 512)
        #expect(try Payload.decode(timeoutNowFrames(limit)).count == limit)
        #expect(throws: WireError(.lengthOverLimit(length: 513, limit: 512), at: 512 * 3, field: "frame count")) {
            try Payload.decode(timeoutNowFrames(limit + 1))
        }
        // No datagram can reach the limit: its payload has room for 496 three-byte frames.
        let payloadRoom = WireLimits.default.maxDatagramBytes - DatagramHeader.size
        #expect(payloadRoom / 3 < limit)
    }

    @Test func theLastEntryOfABatchMayHaveIndex2To48MinusOneButNotMore() throws {
        let oneEntry = AppendEntries(term: 1, prevLogIndex: Self.maxIndex - 1, prevLogTerm: 1, leaderCommit: 0, entries: [LogEntry(term: 1, kind: .noop)])
        #expect(try Payload.decodeSingle(oneEntry.encodedFrame()) == .appendEntries(oneEntry))
        var twoEntries = oneEntry
        twoEntries.entries.append(LogEntry(term: 1, kind: .noop))
        let countAt = AppendEntries(term: 1, prevLogIndex: Self.maxIndex - 1, prevLogTerm: 1, leaderCommit: 0).encodedFrame().count
        #expect(throws: WireError(.valueOutOfRange(Self.maxIndex + 1), at: countAt, field: "entry count")) {
            try Payload.decodeSingle(twoEntries.encodedFrame())
        }
        let atTheEdge = AppendEntries(term: 1, prevLogIndex: Self.maxIndex, prevLogTerm: 1, leaderCommit: 0, entries: [LogEntry(term: 1, kind: .noop)])
        #expect(throws: WireError(.valueOutOfRange(Self.maxIndex + 1), at: countAt, field: "entry count")) {
            try Payload.decodeSingle(atTheEdge.encodedFrame())
        }
    }

    /// A compressed batch whose inflated bytes hold an unknown entry kind.
    static func compressedBatchWithUnknownKind() -> (payload: [UInt8], streamAt: Int) {
        var raw: [UInt8] = [1, 0, 9]
        raw.appendLengthPrefixed([UInt8](repeating: 0, count: 300))
        var payload: [UInt8] = [0x80 | 4 << 3 | 1, 1, 0, 0, 0]
        payload.appendVarint(raw.count)
        let streamAt = payload.count
        payload += Deflate.compress(raw) ?? []
        return (payload, streamAt)
    }

    @Test func anErrorInsideInflatedBytesSaysWhereTheStreamIs() {
        let (payload, streamAt) = Self.compressedBatchWithUnknownKind()
        do {
            _ = try Payload.decode(payload)
            Issue.record("decoded")
        } catch {
            #expect(error.reason == .unknownKind(9))
            #expect(error.offset == 2, "the kind byte is byte 2 of the inflated batch")
            #expect(error.inflatedFromOffset == streamAt)
            #expect(error.description == "entry kind at byte 2 of the batch inflated from the deflate stream at byte \(streamAt): unknown kind 9")
        }
    }

    /// The check order of §3 and §2.1: the first failing check is the error.
    @Test func theFirstFailingCheckWins() {
        func error(_ bytes: [UInt8]) -> WireError? {
            do { _ = try Payload.decode(bytes); return nil } catch { return error }
        }
        // Length form before flags: a TimeoutNow with a reserved flag and a needless length.
        #expect(error([8 << 3 | 1, 1, 5]) == WireError(.frameLengthForm, at: 0, field: "frame type"))
        // Kind before length: a reserved kind whose length runs past the payload.
        #expect(error([0, 9]) == WireError(.unknownKind(0), at: 0, field: "frame type"))
        // A length over its limit before the missing bytes it announces.
        #expect(error([0x80 | 9 << 3, 1, 0xFE, 0x01])?.reason == .lengthOverLimit(length: 254, limit: 253))
        // Header fields cut short are truncated where the field begins.
        func split(_ bytes: [UInt8]) -> WireError? {
            do { _ = try DatagramParts.split(bytes); return nil } catch { return error }
        }
        #expect(split([]) == WireError(.truncated, at: 0, field: "datagram version"))
        #expect(split([0x24, 0]) == WireError(.truncated, at: 1, field: "cluster id"))
        #expect(split([0x24, 0, 0, 0, 0, 0, 0, 1]) == WireError(.truncated, at: 7, field: "packet number"))
        // Version before kind before flags, all at byte 0.
        #expect(split([0x3F] + [UInt8](repeating: 0, count: 11))?.reason == .unsupportedVersion(3))
        #expect(split([0x2F] + [UInt8](repeating: 0, count: 11))?.reason == .unknownKind(3))
    }
}
