/// The eight phases of one decision in microseconds, named as in the paper, plus the
/// pre-vote round that on-demand elections cost beside the vote round.
public struct PhaseTable: Codable, Equatable, Sendable {
    public var RequestElab: UInt64
    public var ElectionNetworkMean: UInt64
    public var VoteElectionMean: UInt64
    public var ChoosingPhase: UInt64
    public var VoteConsNetMean: UInt64
    public var VoteConsElabMean: UInt64
    public var WriteLog: UInt64
    public var TransfertReq: UInt64
    public var PreVoteNetworkMean: UInt64

    public init(
        RequestElab: UInt64 = 0, ElectionNetworkMean: UInt64 = 0, VoteElectionMean: UInt64 = 0, ChoosingPhase: UInt64 = 0,
        VoteConsNetMean: UInt64 = 0, VoteConsElabMean: UInt64 = 0, WriteLog: UInt64 = 0, TransfertReq: UInt64 = 0,
        PreVoteNetworkMean: UInt64 = 0
    ) {
        self.RequestElab = RequestElab
        self.ElectionNetworkMean = ElectionNetworkMean
        self.VoteElectionMean = VoteElectionMean
        self.ChoosingPhase = ChoosingPhase
        self.VoteConsNetMean = VoteConsNetMean
        self.VoteConsElabMean = VoteConsElabMean
        self.WriteLog = WriteLog
        self.TransfertReq = TransfertReq
        self.PreVoteNetworkMean = PreVoteNetworkMean
    }

    /// Name and value in the paper's order, the pre-vote round last.
    public var rows: [(name: String, micros: UInt64)] {
        [("RequestElab", RequestElab), ("ElectionNetworkMean", ElectionNetworkMean), ("VoteElectionMean", VoteElectionMean),
         ("ChoosingPhase", ChoosingPhase), ("VoteConsNetMean", VoteConsNetMean), ("VoteConsElabMean", VoteConsElabMean),
         ("WriteLog", WriteLog), ("TransfertReq", TransfertReq), ("PreVoteNetworkMean", PreVoteNetworkMean)]
    }
}
