import Foundation
import Raft
import Wire

/// Reads a node's committed decisions and outcomes from its data directory without
/// changing anything in it (no repair, no fsync), so it works on a stopped node — or a
/// running one, as a snapshot of what was durable at that moment.
public enum DecisionLogReader {
    public struct ReadError: Error, CustomStringConvertible {
        public var description: String
    }

    public static func read(dataDirectory: String, policy: PlacementPolicy = .default) throws(ReadError) -> [DecisionLogLine] {
        let walDirectory = dataDirectory + "/raft/wal"
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dataDirectory, isDirectory: &isDirectory) else {
            throw ReadError(description: "\(dataDirectory): no such directory (--data-dir takes a node's data-dir, the data-dir key of its config)")
        }
        guard isDirectory.boolValue else {
            throw ReadError(description: "\(dataDirectory): not a directory (--data-dir takes a node's data-dir, the data-dir key of its config)")
        }
        guard FileManager.default.fileExists(atPath: walDirectory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ReadError(description: "\(dataDirectory) holds no node log (no raft/wal directory): is it a node's data-dir?")
        }
        let log: RecoveredLog
        do { log = try WriteAheadLog.read(directory: walDirectory) } catch {
            throw ReadError(description: "cannot read the log in \(walDirectory): \(error)")
        }
        // Verdicts need the service set as it was at each entry: replay it as every node does.
        var services = ServiceSet(me: 0, policy: policy)
        var lines: [DecisionLogLine] = []
        for entry in log.entries where entry.index <= log.hardState.commit {
            let logEntry = LogEntry(term: entry.term, kind: entry.kind, payload: entry.payload)
            switch entry.kind {
            case .decision:
                var line = DecisionLogLine(index: entry.index, term: entry.term, kind: "decision")
                do throws(WireError) {
                    let decision = try DecisionEntry.decode(entry.payload)
                    line.timestampMicros = decision.timestampMicros
                    line.leader = decision.leader
                    line.chosen = decision.chosen
                    let request = decision.request
                    line.request = .init(
                        id: String(request.requestID), service: request.service, image: request.image, command: request.command,
                        cpuMillicores: request.cpuMillicores, memoryMiB: request.memoryMiB)
                    line.loads = decision.loads.map {
                        .init(node: $0.node, loadPermille: $0.report.loadPermille, cpuBusyPermille: $0.report.cpuBusyPermille,
                              memoryUsedMiB: $0.report.memoryUsedMiB, freeCPUMillicores: $0.report.freeCPUMillicores,
                              freeMemoryMiB: $0.report.freeMemoryMiB, ageMillis: $0.report.sampleAgeMillis)
                    }
                    line.pending = decision.pending.map { .init(node: $0.node, services: $0.services, cpuMillicores: $0.cpuMillicores, memoryMiB: $0.memoryMiB) }
                } catch {
                    line.kind = "undecodable"
                    line.error = "\(error)"
                }
                let effects = services.apply(index: entry.index, entry: logEntry)
                if line.kind == "decision" {
                    line.verdict = effects.compactMap { effect -> String? in
                        switch effect {
                        case .redecide(_, let reason): return "refused: " + reason
                        case .rejected(_, let reason): return "rejected: " + reason
                        default: return nil
                        }
                    }.first ?? "accepted"
                }
                lines.append(line)
            case .outcome:
                var line = DecisionLogLine(index: entry.index, term: entry.term, kind: "outcome")
                do throws(WireError) {
                    let outcome = try OutcomeEntry.decode(entry.payload)
                    line.timestampMicros = outcome.timestampMicros
                    line.requestId = String(outcome.requestID)
                    line.decisionIndex = outcome.decisionIndex
                    line.node = outcome.node
                    switch outcome.status {
                    case .accepted: line.status = "accepted"
                    case .running: line.status = "running"
                    case .failed(let reason):
                        line.status = "failed"
                        line.reason = reason
                    case .removed: line.status = "removed"
                    }
                } catch {
                    line.kind = "undecodable"
                    line.error = "\(error)"
                }
                _ = services.apply(index: entry.index, entry: logEntry)
                lines.append(line)
            case .noop, .membership:
                _ = services.apply(index: entry.index, entry: logEntry)
            }
        }
        return lines
    }

    /// One JSON object per line, keys sorted.
    public static func json(_ line: DecisionLogLine) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(line), let text = String(data: data, encoding: .utf8) else { return "{}" }
        return text
    }
}
