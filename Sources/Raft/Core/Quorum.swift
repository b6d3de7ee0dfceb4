/// The quorum rule every part of the system shares: a majority of voters, never "half".
public enum Quorum {
    /// ⌊voters/2⌋ + 1: with 6 voters, 4 — three votes of six never elect.
    public static func majority(of voters: Int) -> Int {
        voters / 2 + 1
    }

    /// The highest index that a majority of `matches` (one per voter) has reached.
    public static func committedIndex(_ matches: [UInt64]) -> UInt64 {
        guard !matches.isEmpty else { return 0 }
        let sorted = matches.sorted(by: >)
        return sorted[majority(of: matches.count) - 1]
    }
}
