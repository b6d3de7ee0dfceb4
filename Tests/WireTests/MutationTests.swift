import NetworkModel
import Testing
@testable import Wire

/// Hostile bytes: every golden vector truncated at every offset and with every bit
/// flipped, plus seeded random strings, must each be rejected with a WireError or decode
/// to a value that re-encodes to exactly those bytes. A trap fails the whole run.
@Suite struct MutationTests {
    static var vectors: [(String, [UInt8])] {
        GoldenSamples.all.map { ($0.name, $0.form.encoded()) }
    }

    @Test func truncationAtEveryOffset() {
        var rejected = 0
        for (name, bytes) in Self.vectors {
            for cut in 0..<bytes.count {
                let outcomes = DecodeCheck.all(Array(bytes.prefix(cut)))
                #expect(DecodeCheck.firstViolation(outcomes) == nil, "\(name) cut at \(cut)")
                rejected += outcomes.filter { if case .rejected = $0 { true } else { false } }.count
            }
        }
        #expect(rejected > 0)
    }

    @Test func everyBitFlipped() {
        var accepted = 0
        for (name, bytes) in Self.vectors {
            for bit in 0..<(bytes.count * 8) {
                var flipped = bytes
                flipped[bit / 8] ^= 1 << UInt8(bit % 8)
                let outcomes = DecodeCheck.all(flipped)
                #expect(DecodeCheck.firstViolation(outcomes) == nil, "\(name) bit \(bit): \(Hex.string(flipped))")
                accepted += outcomes.filter { $0 == .accepted }.count
            }
        }
        // Many flips land in payload bytes or values and still decode: the check above is
        // then a real re-encoding check, not only a no-crash check.
        #expect(accepted > 1000)
    }

    @Test(arguments: 0..<8)
    func randomByteStrings(seed: UInt64) {
        var rng = SeededRandom(seed: seed)
        var accepted = 0
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...48, using: &rng)
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Steer the first byte towards valid frame types so decoding gets past it.
            if !bytes.isEmpty, Bool.random(using: &rng) {
                bytes[0] = 0x80 | UInt8.random(in: 1...13, using: &rng) << 3 | (bytes[0] & 0b111)
            }
            let outcomes = DecodeCheck.all(bytes)
            #expect(DecodeCheck.firstViolation(outcomes) == nil, "seed \(seed): \(Hex.string(bytes))")
            accepted += outcomes.filter { $0 == .accepted }.count
        }
        #expect(accepted > 100)
    }

    @Test(arguments: 0..<4)
    func randomCompressedBatches(seed: UInt64) {
        var rng = SeededRandom(seed: seed)
        for _ in 0..<5_000 {
            let bytes = (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            #expect(DecodeCheck.compressedBatch(bytes) != .notCanonical(""), "seed \(seed)")
            if case .notCanonical(let why) = DecodeCheck.compressedBatch(bytes) {
                Issue.record("seed \(seed): \(Hex.string(bytes)): \(why)")
            }
        }
    }
}
