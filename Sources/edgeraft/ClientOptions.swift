import ArgumentParser
import EdgeRaftClient

/// The options every client command shares: where the gateway is and the token.
struct ClientOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The gateway's client API (default: the first gateway of the local cluster in --dir).", valueName: "host:port"))
    var gateway: String?

    @Option(help: ArgumentHelp("A local cluster's directory, to take --gateway and the token from (default ./\(LocalCluster.defaultDirectory)).", valueName: "dir"))
    var dir: String?

    @Option(help: ArgumentHelp("A file holding the API token (else $\(ClientToken.environmentVariable), else the local cluster's).", valueName: "file"))
    var tokenFile: String?

    func target() throws -> ClientTarget {
        do {
            return try ClientTarget.resolve(gateway: gateway, directory: dir, tokenFile: tokenFile)
        } catch {
            printError("error: \(error.description)")
            throw ExitCode.failure
        }
    }
}

/// Runs one API call in a session of its own; an API error is printed and exits 1.
func withClient<R>(_ target: ClientTarget, _ body: (APIClient) async throws(APIClientError) -> R) async throws -> R {
    try await APISession.with { session in
        do throws(APIClientError) {
            return try await body(session.client(gateway: target.gateway, token: target.token))
        } catch {
            printError("error: \(error.description)")
            throw ExitCode.failure
        }
    }
}

func printJSON<T: Encodable>(_ value: T) {
    print(JSONText.encode(value))
}
