import Wire

/// Which packet numbers of one session were already accepted: the highest seen
/// and a bitmap of the `size` below it. Checked before decryption, updated only after
/// the tag verified — so a forged datagram can never move the window.
public struct ReplayWindow: Sendable, Equatable {
    public static let size = 1024
    private static let words = size / 64

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
        let age = highest - number
        guard age < UInt64(Self.size) else { return .tooOld }
        return bit(Int(age)) ? .duplicate : .fresh
    }

    /// Records `number` as accepted; call only after it authenticated and `check` said fresh.
    public mutating func accept(_ number: UInt64) {
        guard let current = highest else {
            highest = number
            setBit(0)
            return
        }
        if number > current {
            shift(by: number - current)
            highest = number
            setBit(0)
        } else if current - number < UInt64(Self.size) {
            setBit(Int(current - number))
        }
    }

    private func bit(_ age: Int) -> Bool {
        bits[age / 64] & (1 << UInt64(age % 64)) != 0
    }

    private mutating func setBit(_ age: Int) {
        bits[age / 64] |= 1 << UInt64(age % 64)
    }

    /// Ages every recorded number by `distance` (bit i moves to i + distance), in place.
    private mutating func shift(by distance: UInt64) {
        guard distance < UInt64(Self.size) else {
            for i in 0..<Self.words { bits[i] = 0 }
            return
        }
        let wordShift = Int(distance / 64)
        let bitShift = UInt64(distance % 64)
        // Highest word first: each reads only words at or below the one it writes.
        for i in stride(from: Self.words - 1, through: wordShift, by: -1) {
            let source = i - wordShift
            var word = bits[source] << bitShift
            if bitShift > 0 && source > 0 { word |= bits[source - 1] >> (64 - bitShift) }
            bits[i] = word
        }
        for i in 0..<wordShift { bits[i] = 0 }
    }
}
