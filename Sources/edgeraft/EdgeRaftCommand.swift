import ArgumentParser
import EdgeRaftTools

@main
struct EdgeRaftCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edgeraft",
        abstract: "A consensus-based orchestrator for microservices on small edge nodes.",
        subcommands: [
            WireCommand.self, SimCommand.self, BenchCommand.self, KeygenCommand.self,
            DeployCommand.self, UndeployCommand.self, ServicesCommand.self, StatusCommand.self, ClusterCommand.self, DemoCommand.self,
        ])
}
