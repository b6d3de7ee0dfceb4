/// One node's load as the leader saw it when deciding.
public struct NodeLoad: Equatable, Sendable, Hashable {
    public var node: NodeID
    public var report: WorkloadReport

    public init(node: NodeID, report: WorkloadReport) {
        self.node = node
        self.report = report
    }
}

/// The payload of a `decision` log entry: what was asked, where it goes, and the loads the
/// choice was made from, so every follower can check the choice before accepting it.
///
/// Encoding: request body, chosen node, leader, term, timestamp (µs since the Unix epoch),
/// load count (≤ maxNodes), then per node: node id, workload report.
public struct DecisionEntry: Equatable, Sendable {
    public var request: DeployRequest
    public var chosen: NodeID
    public var leader: NodeID
    public var term: UInt64
    public var timestampMicros: UInt64
    public var loads: [NodeLoad]

    public init(request: DeployRequest, chosen: NodeID, leader: NodeID, term: UInt64, timestampMicros: UInt64, loads: [NodeLoad]) {
        self.request = request
        self.chosen = chosen
        self.leader = leader
        self.term = term
        self.timestampMicros = timestampMicros
        self.loads = loads
    }

    public func encode(into out: inout [UInt8]) {
        request.encodeBody(into: &out)
        out.appendVarint(UInt64(chosen))
        out.appendVarint(UInt64(leader))
        out.appendVarint(term)
        out.appendVarint(timestampMicros)
        out.appendVarint(loads.count)
        for load in loads {
            out.appendVarint(UInt64(load.node))
            load.report.encode(into: &out)
        }
    }

    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        encode(into: &out)
        return out
    }

    /// The most bytes a decision adds after its request body: chosen node, leader, term,
    /// timestamp, load count and `maxNodes` loads, each at its largest encoding.
    public static func maxBytesAroundRequest(_ limits: WireLimits) -> Int {
        let node = varintSize(UInt64(NodeID.max))
        let load = node + WorkloadReport.maxEncodedBytes
        return node + node + varintSize(limits.maxTermOrIndex) + varintSize(UInt64.max)
            + varintSize(UInt64(limits.maxNodes)) + limits.maxNodes * load
    }

    /// Decodes an entry payload, which must hold exactly one decision.
    public static func decode(_ bytes: [UInt8], limits: WireLimits = .default) throws(WireError) -> DecisionEntry {
        guard bytes.count <= limits.maxEntryBytes else {
            throw WireError(.lengthOverLimit(length: UInt64(bytes.count), limit: limits.maxEntryBytes), at: 0, field: "decision entry")
        }
        return try bytes.withWireReader(limits: limits) { (reader) throws(WireError) -> DecisionEntry in
            let request = try DeployRequest.decodeBody(from: &reader, flags: 0)
            let chosen = try reader.readNodeID("chosen node")
            let leader = try reader.readNodeID("leader")
            let term = try reader.readTermOrIndex("term")
            let timestamp = try reader.readVarint("timestamp")
            let count = try reader.readCount("load count", limit: limits.maxNodes)
            var loads: [NodeLoad] = []
            loads.reserveCapacity(min(count, reader.remaining / 7))
            for _ in 0..<count {
                let node = try reader.readNodeID("load node")
                loads.append(NodeLoad(node: node, report: try WorkloadReport.decode(from: &reader)))
            }
            try reader.expectEnd("decision entry")
            return DecisionEntry(request: request, chosen: chosen, leader: leader, term: term, timestampMicros: timestamp, loads: loads)
        }
    }
}
