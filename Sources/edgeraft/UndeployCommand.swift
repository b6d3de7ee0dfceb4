import ArgumentParser
import EdgeRaftClient

struct UndeployCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "undeploy", abstract: "Stop and remove a service.")

    @OptionGroup var client: ClientOptions

    @Option(help: "The service's name.")
    var name: String

    func run() async throws {
        let target = try client.target()
        let last = try await withClient(target) { api throws(APIClientError) in try await api.undeploy(name: name) }
        if let last { print("removed \(last.name) (it was on node \(last.node))") } else { print("removed \(name)") }
    }
}
