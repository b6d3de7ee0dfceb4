import ArgumentParser
import EdgeRaftTools

@main
struct EdgeRaftCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edgeraft",
        abstract: "A consensus-based orchestrator for microservices on small edge nodes.",
        subcommands: [
            NodeCommand.self, DemoCommand.self, ClusterCommand.self, LogCommand.self,
            DeployCommand.self, UndeployCommand.self, ServicesCommand.self, StatusCommand.self, MemberCommand.self,
            KeygenCommand.self, WireCommand.self, SimCommand.self, BenchCommand.self,
        ])
}
