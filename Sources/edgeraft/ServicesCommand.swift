import ArgumentParser
import EdgeRaftClient

struct ServicesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "services", abstract: "List the services the cluster has decided: where each runs and its status.")

    @OptionGroup var client: ClientOptions

    @Flag(help: "Print the list as JSON.")
    var json = false

    func run() async throws {
        let target = try client.target()
        let list = try await withClient(target) { api throws(APIClientError) in try await api.services() }
        if json { printJSON(list) } else { print(ClientOutput.services(list)) }
    }
}
