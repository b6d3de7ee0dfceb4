import Testing
@testable import Wire

/// Every `WireError.Reason` is provoked by a crafted input, and reported at the right place.
@Suite struct ErrorCaseTests {
    /// A frame type byte: kind in bits 3–6, flags in 0–2, bit 7 for the last frame.
    static func type(_ kind: UInt8, flags: UInt8 = 0, last: Bool = true) -> UInt8 {
        (last ? 0x80 : 0) | kind << 3 | flags
    }

    static func varint(_ v: UInt64) -> [UInt8] {
        var out: [UInt8] = []
        out.appendVarint(v)
        return out
    }

    static func string(_ bytes: [UInt8]) -> [UInt8] { varint(UInt64(bytes.count)) + bytes }

    /// A minimal valid DeployRequest body with `service` as its raw name bytes.
    static func deployBody(service: [UInt8]) -> [UInt8] {
        varint(1) + string(service) + string(Array("img".utf8)) + [0, 0, 0, 0, 0, 0]
    }

    static let manyZeros = [UInt8](repeating: 0, count: 4000)
    static let batch: [UInt8] = {
        var raw: [UInt8] = []
        EntryBatch.encode([LogEntry(term: 1, kind: .decision, payload: manyZeros)], term: 1, into: &raw)
        return raw
    }()
    static let deflatedBatch = Deflate.compress(batch) ?? []
    /// AppendEntries head (term 1, prev 0, prev term 1, commit 0), then a compressed batch.
    static func compressedAppend(declared: Int, stream: [UInt8]) -> [UInt8] {
        [type(4, flags: 1), 1, 0, 0, 0] + varint(UInt64(declared)) + stream
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let bytes: [UInt8]
        let expected: WireError.Reason
        let offset: Int?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "empty payload", bytes: [], expected: .truncated, offset: 0),
        Case(name: "heartbeat cut inside prev index", bytes: [type(4), 5, 0xC0, 0x84], expected: .truncated, offset: 4),
        Case(name: "overlong term", bytes: [type(8), 0x85, 0x00], expected: .varintOverlong, offset: 1),
        Case(name: "overflowing term", bytes: [type(8)] + [UInt8](repeating: 0xFF, count: 10) + [1], expected: .varintOverflow, offset: 1),
        Case(name: "term over 2^48", bytes: [type(8)] + varint(1 << 48), expected: .valueOutOfRange(1 << 48), offset: 1),
        Case(name: "cpu busy over 1000‰", bytes: [type(3, flags: 0b100), 1, 0] + varint(1001), expected: .valueOutOfRange(1001), offset: 3),
        Case(name: "empty entry batch", bytes: [type(4), 1, 0, 0, 0, 0], expected: .valueOutOfRange(0), offset: 5),
        Case(name: "ack range below zero", bytes: [type(1), 5, 0, 0, 6], expected: .valueOutOfRange(6), offset: 4),
        Case(name: "fragment index not below count", bytes: [type(13), 1, 3, 3], expected: .valueOutOfRange(3), offset: 2),
        Case(name: "entry count over limit", bytes: [type(4), 1, 0, 0, 0] + varint(1025), expected: .lengthOverLimit(length: 1025, limit: 1024), offset: 5),
        Case(name: "service name over limit", bytes: [type(9), 1] + varint(254), expected: .lengthOverLimit(length: 254, limit: 253), offset: 2),
        Case(name: "frame length past the payload", bytes: [type(8, last: false), 9, 1], expected: .truncated, offset: 3),
        Case(name: "reserved frame kind 0", bytes: [type(0)], expected: .unknownKind(0), offset: 0),
        Case(name: "member record flags", bytes: [type(15), 7, 2], expected: .badFlags(2), offset: 2),
        Case(name: "member address over limit", bytes: [type(15), 7, 0] + varint(65), expected: .lengthOverLimit(length: 65, limit: 64), offset: 3),
        Case(name: "member public key cut short", bytes: [type(15), 7, 1, 1, 0x41, 1, 2], expected: .truncated, offset: 5),
        Case(name: "sequence flags", bytes: [type(14, flags: 1), 1], expected: .badFlags(1), offset: 0),
        Case(name: "unknown entry kind", bytes: [type(4), 1, 0, 0, 0, 1, 0, 9, 0], expected: .unknownKind(9), offset: 7),
        Case(name: "unknown deploy status", bytes: [type(12), 1, 1, 4], expected: .unknownKind(4), offset: 3),
        Case(name: "unknown error code", bytes: [type(10, flags: 1), 1, 0, 0], expected: .unknownKind(0), offset: 2),
        Case(name: "bytes after a complete body", bytes: [type(8, last: false), 2, 5, 0, type(8), 5], expected: .trailingBytes(count: 1), offset: 3),
        Case(name: "reserved RequestVote flag", bytes: [type(2, flags: 0b100), 1, 0, 0], expected: .badFlags(0b100), offset: 0),
        Case(name: "success with a conflict hint", bytes: [type(5, flags: 0b011), 1, 1, 0, 0, 0], expected: .badFlags(0b011), offset: 1),
        Case(name: "compressed heartbeat", bytes: [type(4, flags: 1), 1, 0, 0, 0], expected: .badFlags(1), offset: 1),
        Case(name: "invalid UTF-8 service name", bytes: [type(9)] + deployBody(service: [0x61, 0xFF]), expected: .invalidUTF8, offset: 3),
        Case(name: "last frame with a length", bytes: [type(8, last: false), 1, 5], expected: .frameLengthForm, offset: 0),
        Case(name: "compressed batch not smaller", bytes: compressedAppend(declared: 2, stream: [0x03, 0x00]), expected: .compressionNotSmaller, offset: 5),
        Case(name: "corrupt deflate stream", bytes: compressedAppend(declared: 100, stream: [0xFF, 0xFF, 0xFF]), expected: .corruptCompressedData(code: -3), offset: 6),
        Case(name: "deflate stream inflating past its declared length",
             bytes: compressedAppend(declared: batch.count - 1, stream: deflatedBatch),
             expected: .inflateOverrun(limit: batch.count - 1), offset: 7),
        Case(name: "deflate stream shorter than declared",
             bytes: compressedAppend(declared: batch.count + 1, stream: deflatedBatch),
             expected: .inflateShort(declared: batch.count + 1, actual: batch.count), offset: 7),
    ]

    @Test(arguments: cases)
    func payloadErrors(_ c: Case) {
        do {
            let messages = try Payload.decode(c.bytes)
            Issue.record("\(c.name): decoded \(messages)")
        } catch {
            #expect(error.reason == c.expected, "\(c.name): \(error)")
            if let offset = c.offset { #expect(error.offset == offset, "\(c.name): \(error)") }
        }
    }

    static func header(_ first: UInt8) -> [UInt8] { [first] + [UInt8](repeating: 0, count: 11) }

    @Test func datagramErrors() {
        func reason(_ bytes: [UInt8]) -> WireError.Reason? {
            do { _ = try DatagramParts.split(bytes); return nil } catch { return error.reason }
        }
        #expect(reason(Self.header(0x10)) == .unsupportedVersion(1), "version 1 (before sessions) is refused")
        #expect(reason(Self.header(0x28)) == .unknownKind(2), "a handshake initiation has no data header")
        #expect(reason(Self.header(0x2C)) == .unknownKind(3), "nor has a response")
        #expect(reason(Self.header(0x22)) == .badFlags(0b10))
        #expect(reason(Self.header(0x20) + [1, 2, 3]) == .truncated, "sealed datagram shorter than its tag")
        #expect(reason([UInt8](repeating: 0x24, count: 1501)) == .lengthOverLimit(length: 1501, limit: 1500))
        #expect(reason(Self.header(0x24)) == nil, "a plain header with no payload splits")
    }

    @Test func entryPayloadErrors() {
        var out: [UInt8] = []
        OutcomeEntry(requestID: 1, decisionIndex: 2, node: 3, status: .running, timestampMicros: 4).encode(into: &out)
        #expect(throws: WireError(.trailingBytes(count: 1), at: out.count, field: "outcome entry")) {
            try OutcomeEntry.decode(out + [0])
        }
        #expect(throws: WireError(.valueOutOfRange(70_000), at: 2, field: "node")) {
            try OutcomeEntry.decode([1, 2] + Self.varint(70_000) + [1, 4])
        }
    }

    @Test func inflateTrailingBytesAreRejected() {
        let stream = Deflate.compress([1, 2, 3]) ?? []
        #expect(throws: WireError(.trailingBytes(count: 2), at: stream.count, field: "deflate stream")) {
            try Deflate.inflate(stream + [0, 0], limit: 100)
        }
    }

    /// Fails to compile when a reason is added, until it is named here and provoked above.
    @Test func everyReasonIsCovered() {
        func name(_ reason: WireError.Reason) -> String {
            switch reason {
            case .truncated: "truncated"
            case .varintOverlong: "varintOverlong"
            case .varintOverflow: "varintOverflow"
            case .valueOutOfRange: "valueOutOfRange"
            case .lengthOverLimit: "lengthOverLimit"
            case .unknownKind: "unknownKind"
            case .trailingBytes: "trailingBytes"
            case .badFlags: "badFlags"
            case .unsupportedVersion: "unsupportedVersion"
            case .invalidUTF8: "invalidUTF8"
            case .frameLengthForm: "frameLengthForm"
            case .compressionNotSmaller: "compressionNotSmaller"
            case .corruptCompressedData: "corruptCompressedData"
            case .inflateOverrun: "inflateOverrun"
            case .inflateShort: "inflateShort"
            }
        }
        let covered = Set(Self.cases.map { name($0.expected) } + ["unsupportedVersion"])
        #expect(covered.count == 15, "uncovered reasons; covered: \(covered.sorted())")
    }
}

@Suite struct HandshakeMessageErrorTests {
    @Test func handshakeMessagesHaveOneSizeAndOneFirstByte() throws {
        let initiation = HandshakeInitiation(clusterID: 1, sender: 2, senderIndex: 3, noise: [UInt8](repeating: 4, count: 105), mac1: [UInt8](repeating: 5, count: 16))
        let bytes = initiation.encode()
        #expect(bytes.count == HandshakeInitiation.size)
        #expect(try HandshakeInitiation.decode(bytes) == initiation)
        #expect(throws: WireError.self) { try HandshakeInitiation.decode(Array(bytes.dropLast())) }
        #expect(throws: WireError.self) { try HandshakeInitiation.decode(bytes + [0]) }
        var wrongKind = bytes
        wrongKind[0] = 0x2C
        #expect(throws: WireError.self) { try HandshakeInitiation.decode(wrongKind) }
        #expect(HandshakeInitiation(clusterID: 1, sender: 2, senderIndex: 3, noise: [1], mac1: []).encode().isEmpty)

        let response = HandshakeResponse(clusterID: 1, senderIndex: 2, receiverIndex: 3, noise: [UInt8](repeating: 4, count: 48), mac1: [UInt8](repeating: 5, count: 16))
        let responseBytes = response.encode()
        #expect(responseBytes.count == HandshakeResponse.size)
        #expect(try HandshakeResponse.decode(responseBytes) == response)
        #expect(throws: WireError.self) { try HandshakeResponse.decode(bytes) }
        #expect(DatagramKind.of(responseBytes) == .response && DatagramKind.of(bytes) == .initiation)
        #expect(DatagramKind.of([0x18]) == nil, "another version")
    }
}
