/// How long each phase of one decision took, in microseconds, named as in the paper
/// (its section 5.1) so that benchmark reports line up with it. Phases that did not happen
/// (no election under a stable leader) are zero.
public struct PhaseTimings: Equatable, Sendable, Hashable {
    public var requestElab: UInt64 = 0
    public var electionNetworkMean: UInt64 = 0
    public var voteElectionMean: UInt64 = 0
    public var choosingPhase: UInt64 = 0
    public var voteConsNetMean: UInt64 = 0
    public var voteConsElabMean: UInt64 = 0
    public var writeLog: UInt64 = 0
    public var transfertReq: UInt64 = 0

    public init() {}

    /// The eight values in the paper's order.
    public var values: [UInt64] {
        [requestElab, electionNetworkMean, voteElectionMean, choosingPhase,
         voteConsNetMean, voteConsElabMean, writeLog, transfertReq]
    }

    public static let names = [
        "RequestElab", "ElectionNetworkMean", "VoteElectionMean", "ChoosingPhase",
        "VoteConsNetMean", "VoteConsElabMean", "WriteLog", "TransfertReq",
    ]

    /// Eight varints in the paper's order.
    public func encode(into out: inout [UInt8]) {
        out.appendVarint(requestElab)
        out.appendVarint(electionNetworkMean)
        out.appendVarint(voteElectionMean)
        out.appendVarint(choosingPhase)
        out.appendVarint(voteConsNetMean)
        out.appendVarint(voteConsElabMean)
        out.appendVarint(writeLog)
        out.appendVarint(transfertReq)
    }

    public static func decode(from reader: inout WireReader) throws(WireError) -> PhaseTimings {
        var t = PhaseTimings()
        t.requestElab = try reader.readVarint("RequestElab")
        t.electionNetworkMean = try reader.readVarint("ElectionNetworkMean")
        t.voteElectionMean = try reader.readVarint("VoteElectionMean")
        t.choosingPhase = try reader.readVarint("ChoosingPhase")
        t.voteConsNetMean = try reader.readVarint("VoteConsNetMean")
        t.voteConsElabMean = try reader.readVarint("VoteConsElabMean")
        t.writeLog = try reader.readVarint("WriteLog")
        t.transfertReq = try reader.readVarint("TransfertReq")
        return t
    }
}
