import Wire

/// Raft: the consensus core, built in its own issue. What it already fixes is the quorum
/// rule every part of the system must share: a majority of voters, never "half".
public enum Quorum {
    /// ⌊voters/2⌋ + 1: with 6 voters, 4 — three votes of six never elect.
    public static func majority(of voters: Int) -> Int {
        voters / 2 + 1
    }
}
