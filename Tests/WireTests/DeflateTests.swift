import Testing
@testable import Wire

@Suite struct DeflateTests {
    @Test func roundTripsAtEveryLevel() throws {
        var gen = RandomMessages(seed: 11)
        let input = gen.bytes(5000) + [UInt8](repeating: 7, count: 3000)
        for level in Int32(1)...9 {
            let packed = try #require(Deflate.compress(input, level: level))
            #expect(packed.count < input.count)
            #expect(try Deflate.inflate(packed, limit: input.count) == input)
        }
    }

    @Test func aZipBombStopsAtTheLimit() throws {
        // 16 MiB of zeros deflates to about 16 KiB; inflating it with a 64 KiB limit must
        // stop there instead of producing the 16 MiB first.
        let bomb = try #require(Deflate.compress([UInt8](repeating: 0, count: 16 << 20), level: 9))
        #expect(bomb.count < 20_000)
        #expect(throws: WireError(.inflateOverrun(limit: 65_536), at: 0, field: "deflate stream")) {
            try Deflate.inflate(bomb, limit: 65_536)
        }
    }

    @Test func exactlyTheLimitIsAccepted() throws {
        let input = [UInt8](repeating: 1, count: 1000)
        let packed = try #require(Deflate.compress(input))
        #expect(try Deflate.inflate(packed, limit: 1000) == input)
        #expect(throws: WireError(.inflateOverrun(limit: 999), at: 0, field: "deflate stream")) {
            try Deflate.inflate(packed, limit: 999)
        }
    }

    @Test func aCutStreamIsCorrupt() throws {
        let packed = try #require(Deflate.compress([UInt8](repeating: 1, count: 1000)))
        for cut in 0..<packed.count {
            #expect(throws: WireError.self) { try Deflate.inflate(Array(packed.prefix(cut)), limit: 1000) }
        }
    }

    @Test func compressionIsSkippedWhenItDoesNotPay() {
        var gen = RandomMessages(seed: 3)
        let noise = gen.bytes(0) + (0..<600).map { _ in UInt8.random(in: 0...255, using: &gen.rng) }
        #expect(EntryBatch.compressed(noise, policy: BatchCompression()) == nil, "random bytes do not compress")
        let small = [UInt8](repeating: 0, count: 100)
        #expect(EntryBatch.compressed(small, policy: BatchCompression(thresholdBytes: 256)) == nil, "below threshold")
        #expect(EntryBatch.compressed([UInt8](repeating: 0, count: 300), policy: BatchCompression()) != nil)
    }
}
