/// The payload of an `outcome` log entry: how a decided deployment ended up.
///
/// Encoding: request id, decision log index, node, status, timestamp (µs since the Unix epoch).
public struct OutcomeEntry: Equatable, Sendable {
    public var requestID: UInt64
    public var decisionIndex: UInt64
    public var node: NodeID
    public var status: DeployStatus
    public var timestampMicros: UInt64

    public init(requestID: UInt64, decisionIndex: UInt64, node: NodeID, status: DeployStatus, timestampMicros: UInt64) {
        self.requestID = requestID
        self.decisionIndex = decisionIndex
        self.node = node
        self.status = status
        self.timestampMicros = timestampMicros
    }

    public func encode(into out: inout [UInt8]) {
        out.appendVarint(requestID)
        out.appendVarint(decisionIndex)
        out.appendVarint(UInt64(node))
        status.encode(into: &out)
        out.appendVarint(timestampMicros)
    }

    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        encode(into: &out)
        return out
    }

    /// Decodes an entry payload, which must hold exactly one outcome.
    public static func decode(_ bytes: [UInt8], limits: WireLimits = .default) throws(WireError) -> OutcomeEntry {
        guard bytes.count <= limits.maxEntryBytes else {
            throw WireError(.lengthOverLimit(length: UInt64(bytes.count), limit: limits.maxEntryBytes), at: 0, field: "outcome entry")
        }
        return try bytes.withWireReader(limits: limits) { (reader) throws(WireError) -> OutcomeEntry in
            let entry = OutcomeEntry(
                requestID: try reader.readVarint("request id"),
                decisionIndex: try reader.readTermOrIndex("decision index"),
                node: try reader.readNodeID("node"),
                status: try DeployStatus.decode(from: &reader),
                timestampMicros: try reader.readVarint("timestamp"))
            try reader.expectEnd("outcome entry")
            return entry
        }
    }
}
