import Wire

/// Which packet numbers of one session were already accepted: the highest seen
/// and a bitmap of the `size` below it. Checked before decryption, updated only after
/// the tag verified — so a forged datagram can never move the window.
///
/// The bitmap is a ring of 64-bit words indexed by packet number (as RFC 6479): moving
/// the window forward clears only the words it enters, instead of shifting every word on
/// every datagram. 17 words hold any 1,024 consecutive numbers, each in a word of its own.
public struct ReplayWindow: Sendable, Equatable {
    public static let size = 1024
    private static let words = size / 64 + 1

    public private(set) var highest: UInt64?
    private var bits = [UInt64](repeating: 0, count: words)

    public init() {}

    public enum Verdict: Equatable, Sendable {
        case fresh
        case duplicate
        /// Older than the window reaches: may be a duplicate, cannot tell, so dropped.
        case tooOld
    }

    public func check(_ number: UInt64) -> Verdict {
        guard let highest else { return .fresh }
        if number > highest { return .fresh }
        guard highest - number < UInt64(Self.size) else { return .tooOld }
        return bits[Self.word(of: number)] & Self.mask(of: number) != 0 ? .duplicate : .fresh
    }

    /// Records `number` as accepted; call only after it authenticated and `check` said fresh.
    public mutating func accept(_ number: UInt64) {
        if let current = highest {
            guard number > current else {
                if current - number < UInt64(Self.size) { bits[Self.word(of: number)] |= Self.mask(of: number) }
                return
            }
            // Clear the words the window moves into (all of them after a long jump).
            let entered = min(number / 64 - current / 64, UInt64(Self.words))
            var block = current / 64
            for _ in 0..<entered {
                block += 1
                bits[Int(block % UInt64(Self.words))] = 0
            }
        }
        highest = number
        bits[Self.word(of: number)] |= Self.mask(of: number)
    }

    private static func word(of number: UInt64) -> Int { Int((number / 64) % UInt64(words)) }
    private static func mask(of number: UInt64) -> UInt64 { 1 << (number % 64) }
}
