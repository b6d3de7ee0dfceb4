import Wire

/// One committed decision or outcome as `edgeraft log` prints it. The JSON form (sorted keys,
/// one object per line) holds nothing node-specific, so two nodes' logs compare with `diff`.
public struct DecisionLogLine: Codable, Equatable, Sendable {
    public struct Request: Codable, Equatable, Sendable {
        public var id: String
        public var service: String
        public var image: String
        public var command: [String]
        public var cpuMillicores: UInt32
        public var memoryMiB: UInt32
    }

    public struct Load: Codable, Equatable, Sendable {
        public var node: UInt16
        public var loadPermille: UInt16
        public var cpuBusyPermille: UInt16
        public var memoryUsedMiB: UInt32
        public var freeCPUMillicores: UInt32
        public var freeMemoryMiB: UInt32
        public var ageMillis: UInt32
    }

    public struct Pending: Codable, Equatable, Sendable {
        public var node: UInt16
        public var services: UInt32
        public var cpuMillicores: UInt32
        public var memoryMiB: UInt32
    }

    public var index: UInt64
    public var term: UInt64
    /// `decision` | `outcome` | `undecodable`
    public var kind: String
    public var timestampMicros: UInt64?
    // Decisions
    public var leader: UInt16?
    public var chosen: UInt16?
    public var request: Request?
    public var loads: [Load]?
    public var pending: [Pending]?
    /// What every node's verification concluded: `accepted` or `refused: reason`.
    public var verdict: String?
    // Outcomes
    public var requestId: String?
    public var decisionIndex: UInt64?
    public var node: UInt16?
    public var status: String?
    public var reason: String?
    // Entries that do not decode
    public var error: String?

    init(index: UInt64, term: UInt64, kind: String) {
        self.index = index
        self.term = term
        self.kind = kind
    }

    /// The human-readable line.
    public var text: String {
        switch kind {
        case "decision":
            let loadText = (loads ?? []).map { "\($0.node):\($0.loadPermille)‰" }.joined(separator: " ")
            return "\(index) term \(term) decision: \(request?.service ?? "?") (request \(request?.id ?? "?")) → node \(chosen.map(String.init) ?? "?")"
                + " by leader \(leader.map(String.init) ?? "?"), \(verdict ?? "?"); loads \(loadText)"
                + ((pending ?? []).isEmpty ? "" : "; pending " + (pending ?? []).map { "\($0.node):\($0.services)" }.joined(separator: " "))
        case "outcome":
            return "\(index) term \(term) outcome: request \(requestId ?? "?") (decision \(decisionIndex ?? 0)) on node \(node.map(String.init) ?? "?"): \(status ?? "?")"
                + (reason.map { " — \($0)" } ?? "")
        default:
            return "\(index) term \(term) \(kind): \(error ?? "")"
        }
    }
}
