import Wire

/// Why no node was chosen. Each case names the nodes concerned so an operator can act.
public enum PlacementFailure: Error, Equatable, Sendable, Hashable, CustomStringConvertible {
    /// No node reported at all.
    case noReports
    /// Every report is older than the policy allows.
    case noFreshReport(stale: [NodeID])
    /// Fresh nodes exist, but none has the free CPU and memory asked for.
    case noNodeFits(demand: ResourceDemand, tooSmall: [NodeID], stale: [NodeID])
    /// The same node appears twice among the candidates: the input is ambiguous.
    case duplicateNode(NodeID)

    public var description: String {
        switch self {
        case .noReports:
            return "no node has sent a workload report"
        case .noFreshReport(let stale):
            return "no fresh workload report (stale: \(Self.list(stale)))"
        case .noNodeFits(let demand, let tooSmall, let stale):
            // Only what the request asked for: a CPU-only request did not miss on memory.
            var asked: [String] = []
            if demand.cpuMillicores > 0 { asked.append("\(demand.cpuMillicores) millicores") }
            if demand.memoryMiB > 0 { asked.append("\(demand.memoryMiB) MiB") }
            var text = asked.isEmpty ? "no node has room" : "no node has \(asked.joined(separator: " and ")) free"
            text += " (too small: \(Self.list(tooSmall))"
            if !stale.isEmpty { text += "; stale: \(Self.list(stale))" }
            return text + ")"
        case .duplicateNode(let node):
            return "node \(node) appears twice among the loads"
        }
    }

    private static func list(_ nodes: [NodeID]) -> String {
        nodes.isEmpty ? "none" : nodes.map { String($0) }.joined(separator: ", ")
    }
}
