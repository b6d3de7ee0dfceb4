import Transport

/// Why `cluster up` or `cluster down` could not do its work, worded for the user.
public enum LocalClusterError: Error, Equatable, CustomStringConvertible {
    public struct LogTail: Equatable, Sendable {
        public var node: UInt16
        public var path: String
        public var lines: [String]
    }

    case plan(LocalClusterPlan.PlanError)
    case ports(FreePorts.PortError)
    case directory(path: String, reason: String)
    case alreadyRunning(directory: String, pids: [Int32])
    case leftovers(directory: String)
    case key(NodeIdentity.LoadError)
    case spawn(ChildProcess.SpawnError)
    case record(ClusterRecord.RecordError)
    /// A node's process ended before the cluster was up.
    case nodeExited(LogTail, status: String)
    case timedOut(seconds: Int, ready: Int, of: Int, tails: [LogTail])

    public var description: String {
        switch self {
        case .plan(let error): return error.description
        case .ports(let error): return error.description
        case .directory(let path, let reason): return "cannot prepare \(path): \(reason)"
        case .alreadyRunning(let directory, let pids):
            return "a cluster is running in \(directory) already (pids \(pids.map(String.init).joined(separator: ", "))) — stop it with `edgeraft cluster down --dir \(directory)`"
        case .leftovers(let directory):
            return "\(directory) holds the files of an earlier cluster — pass --reset to replace them, or choose another --dir"
        case .key(let error): return error.description
        case .spawn(let error): return error.description
        case .record(let error): return error.description
        case .nodeExited(let tail, let status):
            return "node \(tail.node) \(status) before the cluster was up; the rest were stopped. The end of \(tail.path):\n" + Self.render(tail)
        case .timedOut(let seconds, let ready, let total, let tails):
            var text = "the cluster was not up after \(seconds) s (\(ready)/\(total) nodes ready); every node was stopped."
            for tail in tails { text += "\nnode \(tail.node) is not ready; the end of \(tail.path):\n" + Self.render(tail) }
            return text
        }
    }

    private static func render(_ tail: LogTail) -> String {
        tail.lines.isEmpty ? "    (empty)" : tail.lines.map { "    " + $0 }.joined(separator: "\n")
    }
}
