import ArgumentParser
import ClientAPI
import EdgeRaftClient

struct DeployCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy",
        abstract: "Ask the cluster to run a service; prints the node chosen and what each phase of the decision cost.",
        discussion: """
            A retryable error (the gateway busy, no leader yet) is retried a few times with the \
            same request id, so the service is decided once. Example: edgeraft deploy --name web \
            --image nginx --cpu 0.5 --memory 128M --port 8080:80 -- nginx -g 'daemon off;'
            """)

    @OptionGroup var client: ClientOptions

    @Option(help: "The service's name: 1–63 of a-z 0-9 _ . -, starting with a letter or digit.")
    var name: String

    @Option(help: "The image (the process engine ignores it and runs the command).")
    var image: String

    @Option(help: "Cores to reserve, e.g. 0.5.")
    var cpu: Double?

    @Option(help: "Memory to reserve: 128M, 1G, 512Ki, or bytes.")
    var memory: String?

    @Option(help: ArgumentHelp("An environment variable; repeatable.", valueName: "key=value"))
    var env: [String] = []

    @Option(help: ArgumentHelp("A port mapping; repeatable.", valueName: "host:container[/tcp|/udp]"))
    var port: [String] = []

    @Option(help: "The idempotency key: sending the same id again returns the same decision.")
    var requestId: String?

    @Flag(help: "Print the answer as JSON.")
    var json = false

    @Argument(parsing: .postTerminator, help: "The command to run (after --).")
    var command: [String] = []

    func run() async throws {
        let body: DeployBody
        do {
            body = try DeployOptions.body(name: name, image: image, command: command, env: env, ports: port, cpu: cpu, memory: memory, requestID: requestId)
        } catch {
            printError("error: \(error.description)")
            throw ExitCode.failure
        }
        let target = try client.target()
        let service = try await withClient(target) { api throws(APIClientError) in try await api.deploy(body) }
        if json { printJSON(service) } else { print(ClientOutput.deployed(service)) }
    }
}
