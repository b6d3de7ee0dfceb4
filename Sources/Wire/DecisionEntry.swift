/// One node's load as the leader saw it when deciding.
public struct NodeLoad: Equatable, Sendable, Hashable {
    public var node: NodeID
    public var report: WorkloadReport

    public init(node: NodeID, report: WorkloadReport) {
        self.node = node
        self.report = report
    }
}

/// Services the leader decided onto a node that the node's recorded report does not show
/// yet: placement counts them, so a follower needs them to re-run it.
public struct PendingLoad: Equatable, Sendable, Hashable {
    public var node: NodeID
    public var cpuMillicores: UInt32
    public var memoryMiB: UInt32
    public var services: UInt32

    public init(node: NodeID, cpuMillicores: UInt32, memoryMiB: UInt32, services: UInt32) {
        self.node = node
        self.cpuMillicores = cpuMillicores
        self.memoryMiB = memoryMiB
        self.services = services
    }

    /// Node id (≤ 3 bytes) and three 32-bit varints (≤ 5 bytes each).
    public static let maxEncodedBytes = varintSize(UInt64(NodeID.max)) + 3 * varintSize(UInt64(UInt32.max))
}

/// The payload of a `decision` log entry: what was asked, where it goes, and the loads the
/// choice was made from, so every follower can check the choice before accepting it.
///
/// Encoding: request body, chosen node, leader, term, timestamp (µs since the Unix epoch),
/// load count (≤ maxNodes), then per node: node id, workload report; then pending count
/// (≤ maxNodes), then per node in strictly ascending id order: node id, CPU (millicores),
/// memory (MiB), services.
public struct DecisionEntry: Equatable, Sendable {
    public var request: DeployRequest
    public var chosen: NodeID
    public var leader: NodeID
    public var term: UInt64
    public var timestampMicros: UInt64
    public var loads: [NodeLoad]
    /// Only nodes with something pending, in ascending id order (the encoder writes them in
    /// the order given; the decoder refuses any other).
    public var pending: [PendingLoad]

    public init(
        request: DeployRequest, chosen: NodeID, leader: NodeID, term: UInt64, timestampMicros: UInt64,
        loads: [NodeLoad], pending: [PendingLoad] = []
    ) {
        self.request = request
        self.chosen = chosen
        self.leader = leader
        self.term = term
        self.timestampMicros = timestampMicros
        self.loads = loads
        self.pending = pending
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
        out.appendVarint(pending.count)
        for item in pending {
            out.appendVarint(UInt64(item.node))
            out.appendVarint(UInt64(item.cpuMillicores))
            out.appendVarint(UInt64(item.memoryMiB))
            out.appendVarint(UInt64(item.services))
        }
    }

    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        encode(into: &out)
        return out
    }

    /// The most bytes a decision adds after its request body: chosen node, leader, term,
    /// timestamp, load count and `maxNodes` loads, pending count and `maxNodes` pending
    /// loads, each at its largest encoding.
    public static func maxBytesAroundRequest(_ limits: WireLimits) -> Int {
        let node = varintSize(UInt64(NodeID.max))
        let load = node + WorkloadReport.maxEncodedBytes
        let count = varintSize(UInt64(limits.maxNodes))
        return node + node + varintSize(limits.maxTermOrIndex) + varintSize(UInt64.max)
            + count + limits.maxNodes * load + count + limits.maxNodes * PendingLoad.maxEncodedBytes
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
            let pendingCount = try reader.readCount("pending count", limit: limits.maxNodes)
            var pending: [PendingLoad] = []
            pending.reserveCapacity(min(pendingCount, reader.remaining / 4))
            let u32 = UInt64(UInt32.max)
            for _ in 0..<pendingCount {
                let at = reader.offset
                let node = try reader.readNodeID("pending node")
                // Ascending order makes the encoding canonical and rules out a node twice.
                if let previous = pending.last?.node, node <= previous {
                    throw WireError(.valueOutOfRange(UInt64(node)), at: at, field: "pending node")
                }
                pending.append(PendingLoad(
                    node: node,
                    cpuMillicores: UInt32(try reader.readVarint("pending cpu", max: u32)),
                    memoryMiB: UInt32(try reader.readVarint("pending memory", max: u32)),
                    services: UInt32(try reader.readVarint("pending services", max: u32))))
            }
            try reader.expectEnd("decision entry")
            return DecisionEntry(
                request: request, chosen: chosen, leader: leader, term: term, timestampMicros: timestamp,
                loads: loads, pending: pending)
        }
    }
}
