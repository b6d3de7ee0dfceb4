import Testing
@testable import Wire

@Suite struct VarintTests {
    static let boundaries: [UInt64] = [
        0, 1, 127, 128, 255, 16_383, 16_384, 1_000_000, (1 << 21) - 1, 1 << 21,
        (1 << 35) - 1, 1 << 35, (1 << 56) - 1, 1 << 56, (1 << 63) - 1, 1 << 63, .max,
    ]

    @Test(arguments: boundaries)
    func roundTripsInShortestForm(value: UInt64) throws {
        var bytes: [UInt8] = []
        bytes.appendVarint(value)
        #expect(bytes.count == varintSize(value))
        #expect(bytes.count == max(1, (64 - value.leadingZeroBitCount + 6) / 7))
        let decoded = try bytes.withWireReader { (r) throws(WireError) -> UInt64 in
            let v = try r.readVarint("v")
            try r.expectEnd("v")
            return v
        }
        #expect(decoded == value)
    }

    @Test func knownEncodings() {
        var bytes: [UInt8] = []
        bytes.appendVarint(UInt64(300))
        #expect(bytes == [0xAC, 0x02])
        bytes = []
        bytes.appendVarint(UInt64(1_000_000))
        #expect(bytes == [0xC0, 0x84, 0x3D])
    }

    private func decode(_ bytes: [UInt8]) -> WireError? {
        do {
            _ = try bytes.withWireReader { (r) throws(WireError) in try r.readVarint("v") }
            return nil
        } catch {
            return error
        }
    }

    @Test func overlongFormsAreRejected() {
        #expect(decode([0x80, 0x00])?.reason == .varintOverlong)
        #expect(decode([0xFF, 0x80, 0x00])?.reason == .varintOverlong)
        #expect(decode([0x00]) == nil, "a single zero byte is the shortest form of 0")
    }

    @Test func overflowIsRejected() {
        // 2^64 needs an eleventh bit in the tenth byte.
        #expect(decode([UInt8](repeating: 0xFF, count: 9) + [0x02])?.reason == .varintOverflow)
        #expect(decode([UInt8](repeating: 0xFF, count: 10) + [0x01])?.reason == .varintOverflow)
        #expect(decode([UInt8](repeating: 0xFF, count: 9) + [0x01]) == nil, "UInt64.max is valid")
    }

    @Test func truncationIsRejectedWithItsOffset() {
        let error = decode([0x80, 0x80])
        #expect(error?.reason == .truncated)
        #expect(error?.offset == 2)
    }
}
