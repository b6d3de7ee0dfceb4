/// Every message of the protocol, as it travels in one frame.
public enum Message: Equatable, Sendable {
    case ack(AckFrame)
    case requestVote(RequestVote)
    case voteResponse(VoteResponse)
    case appendEntries(AppendEntries)
    case appendResponse(AppendResponse)
    case installSnapshot(InstallSnapshot)
    case snapshotResponse(SnapshotResponse)
    case timeoutNow(TimeoutNow)
    case deployRequest(DeployRequest)
    case deployResult(DeployResult)
    case deployTransfer(DeployTransfer)
    case deployAck(DeployAck)
    case fragment(Fragment)
    case sequence(MessageSequence)
    case memberChange(MemberChange)

    public var kind: FrameKind {
        switch self {
        case .ack: .ack
        case .requestVote: .requestVote
        case .voteResponse: .voteResponse
        case .appendEntries: .appendEntries
        case .appendResponse: .appendResponse
        case .installSnapshot: .installSnapshot
        case .snapshotResponse: .snapshotResponse
        case .timeoutNow: .timeoutNow
        case .deployRequest: .deployRequest
        case .deployResult: .deployResult
        case .deployTransfer: .deployTransfer
        case .deployAck: .deployAck
        case .fragment: .fragment
        case .sequence: .sequence
        case .memberChange: .memberChange
        }
    }

    /// Appends this message as one frame. `compression` applies to AppendEntries batches only.
    public func encodeFrame(into out: inout [UInt8], last: Bool = true, compression: BatchCompression? = nil) {
        switch self {
        case .ack(let m): m.encodeFrame(into: &out, last: last)
        case .requestVote(let m): m.encodeFrame(into: &out, last: last)
        case .voteResponse(let m): m.encodeFrame(into: &out, last: last)
        case .appendEntries(let m):
            if let compression {
                m.encodeFrame(into: &out, last: last, compression: compression)
            } else {
                m.encodeFrame(into: &out, last: last)
            }
        case .appendResponse(let m): m.encodeFrame(into: &out, last: last)
        case .installSnapshot(let m): m.encodeFrame(into: &out, last: last)
        case .snapshotResponse(let m): m.encodeFrame(into: &out, last: last)
        case .timeoutNow(let m): m.encodeFrame(into: &out, last: last)
        case .deployRequest(let m): m.encodeFrame(into: &out, last: last)
        case .deployResult(let m): m.encodeFrame(into: &out, last: last)
        case .deployTransfer(let m): m.encodeFrame(into: &out, last: last)
        case .deployAck(let m): m.encodeFrame(into: &out, last: last)
        case .fragment(let m): m.encodeFrame(into: &out, last: last)
        case .sequence(let m): m.encodeFrame(into: &out, last: last)
        case .memberChange(let m): m.encodeFrame(into: &out, last: last)
        }
    }

    static func decodeBody(
        kind: FrameKind, flags: UInt8, typeOffset: Int, from reader: inout WireReader
    ) throws(WireError) -> Message {
        switch kind {
        case .ack: .ack(try checked(typeOffset, AckFrame.self, flags, &reader))
        case .requestVote: .requestVote(try checked(typeOffset, RequestVote.self, flags, &reader))
        case .voteResponse: .voteResponse(try checked(typeOffset, VoteResponse.self, flags, &reader))
        case .appendEntries: .appendEntries(try checked(typeOffset, AppendEntries.self, flags, &reader))
        case .appendResponse: .appendResponse(try checked(typeOffset, AppendResponse.self, flags, &reader))
        case .installSnapshot: .installSnapshot(try checked(typeOffset, InstallSnapshot.self, flags, &reader))
        case .snapshotResponse: .snapshotResponse(try checked(typeOffset, SnapshotResponse.self, flags, &reader))
        case .timeoutNow: .timeoutNow(try checked(typeOffset, TimeoutNow.self, flags, &reader))
        case .deployRequest: .deployRequest(try checked(typeOffset, DeployRequest.self, flags, &reader))
        case .deployResult: .deployResult(try checked(typeOffset, DeployResult.self, flags, &reader))
        case .deployTransfer: .deployTransfer(try checked(typeOffset, DeployTransfer.self, flags, &reader))
        case .deployAck: .deployAck(try checked(typeOffset, DeployAck.self, flags, &reader))
        case .fragment: .fragment(try checked(typeOffset, Fragment.self, flags, &reader))
        case .sequence: .sequence(try checked(typeOffset, MessageSequence.self, flags, &reader))
        case .memberChange: .memberChange(try checked(typeOffset, MemberChange.self, flags, &reader))
        }
    }

    /// Rejects undefined flag bits, decodes the body, and rejects bytes left over.
    private static func checked<Body: FrameBody>(
        _ typeOffset: Int, _ type: Body.Type, _ flags: UInt8, _ reader: inout WireReader
    ) throws(WireError) -> Body {
        try reader.checkFlags(flags, allowed: Body.allowedFlags, at: typeOffset, "frame flags")
        let body = try Body.decodeBody(from: &reader, flags: flags)
        try reader.expectEnd("frame body")
        return body
    }
}
