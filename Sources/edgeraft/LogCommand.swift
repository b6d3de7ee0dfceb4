import ArgumentParser
import Node

struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Print a node's committed decisions and outcomes (works on a stopped node's data directory; changes nothing).")

    @Option(name: .customLong("data-dir"), help: "The node's data directory.")
    var dataDirectory: String

    @Flag(help: "One JSON object per line (keys sorted), for diff between nodes.")
    var json = false

    func run() throws {
        let lines: [DecisionLogLine]
        do { lines = try DecisionLogReader.read(dataDirectory: dataDirectory) } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
        for line in lines { print(json ? DecisionLogReader.json(line) : line.text) }
    }
}
