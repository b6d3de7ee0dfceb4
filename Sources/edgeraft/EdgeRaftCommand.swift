import ArgumentParser
import EdgeRaftTools

@main
struct EdgeRaftCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edgeraft",
        abstract: "A consensus-based orchestrator for microservices on small edge nodes.",
        subcommands: [NodeCommand.self, LogCommand.self, WireCommand.self, SimCommand.self, BenchCommand.self, KeygenCommand.self])
}
