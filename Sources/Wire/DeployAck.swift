/// The chosen node's answer to DeployTransfer, and later reports of how the start went.
///
/// Body: request id, decision log index, status, handling time (µs).
public struct DeployAck: FrameBody {
    public var requestID: UInt64
    public var logIndex: UInt64
    public var status: DeployStatus
    public var handlingMicros: UInt64

    public init(requestID: UInt64, logIndex: UInt64, status: DeployStatus, handlingMicros: UInt64) {
        self.requestID = requestID
        self.logIndex = logIndex
        self.status = status
        self.handlingMicros = handlingMicros
    }

    public static let frameKind = FrameKind.deployAck

    public func encodeBody(into out: inout [UInt8]) {
        out.appendVarint(requestID)
        out.appendVarint(logIndex)
        status.encode(into: &out)
        out.appendVarint(handlingMicros)
    }

    public static func decodeBody(from reader: inout WireReader, flags: UInt8) throws(WireError) -> DeployAck {
        DeployAck(
            requestID: try reader.readVarint("request id"),
            logIndex: try reader.readTermOrIndex("log index"),
            status: try DeployStatus.decode(from: &reader),
            handlingMicros: try reader.readVarint("handling time"))
    }
}
