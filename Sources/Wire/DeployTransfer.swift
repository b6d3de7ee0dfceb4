/// The leader hands a committed decision to the node it chose.
///
/// Body: log index of the decision, its term, then the request's body.
public struct DeployTransfer: FrameBody {
    public var logIndex: UInt64
    public var term: UInt64
    public var request: DeployRequest

    public init(logIndex: UInt64, term: UInt64, request: DeployRequest) {
        self.logIndex = logIndex
        self.term = term
        self.request = request
    }

    public static let frameKind = FrameKind.deployTransfer

    public func encodeBody(into out: inout [UInt8]) {
        out.appendVarint(logIndex)
        out.appendVarint(term)
        request.encodeBody(into: &out)
    }

    public static func decodeBody(from reader: inout WireReader, flags: UInt8) throws(WireError) -> DeployTransfer {
        DeployTransfer(
            logIndex: try reader.readTermOrIndex("log index"),
            term: try reader.readTermOrIndex("term"),
            request: try DeployRequest.decodeBody(from: &reader, flags: 0))
    }
}
