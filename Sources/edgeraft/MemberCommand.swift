import ArgumentParser
import ClientAPI
import EdgeRaftClient

/// `edgeraft member add|promote|remove`: membership changes through the log (docs/node.md).
struct MemberCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "member", abstract: "Add, promote or remove a cluster member (through the Raft log).",
        subcommands: [Add.self, Promote.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a node, as a learner unless --voter.")

        @OptionGroup var client: ClientOptions
        @Option(help: "The new node's id (1–65535).") var id: UInt16
        @Option(help: ArgumentHelp("The new node's UDP transport address.", valueName: "host:port")) var address: String
        @Option(help: ArgumentHelp("The new node's public key (64 hex digits, from `edgeraft keygen`).", valueName: "hex"))
        var publicKey: String?
        @Flag(help: "Add it as a voter at once (else promote it once it has the log).") var voter = false

        func run() async throws {
            let target = try client.target()
            let body = MemberBody(id: Int(id), address: address, publicKey: publicKey, voter: voter ? true : nil)
            let member = try await withClient(target) { api throws(APIClientError) in try await api.addMember(body) }
            print("node \(member.id) at \(member.address) is a \(member.role)")
        }
    }

    struct Promote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a learner a voter.")

        @OptionGroup var client: ClientOptions
        @Argument(help: "The node's id.") var id: UInt16

        func run() async throws {
            let target = try client.target()
            let member = try await withClient(target) { api throws(APIClientError) in try await api.promoteMember(id: id) }
            print("node \(member.id) is a \(member.role)")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a node: every member refuses its sessions from then on.")

        @OptionGroup var client: ClientOptions
        @Argument(help: "The node's id.") var id: UInt16

        func run() async throws {
            let target = try client.target()
            let member = try await withClient(target) { api throws(APIClientError) in try await api.removeMember(id: id) }
            print("node \(member.id) is \(member.role)")
        }
    }
}
