import ArgumentParser
import EdgeRaftClient

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "The cluster as the gateway's node sees it: members, leader, term, commit index, each node's load, and per peer the round trip, retransmits and drops.")

    @OptionGroup var client: ClientOptions

    @Flag(help: "Print the view as JSON.")
    var json = false

    func run() async throws {
        let target = try client.target()
        let view = try await withClient(target) { api throws(APIClientError) in try await api.cluster() }
        if json { printJSON(view) } else { print(ClientOutput.status(view)) }
    }
}
