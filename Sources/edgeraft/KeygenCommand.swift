import ArgumentParser
import Transport

struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Create this node's identity: a private key file (mode 0600) and the public key for the roster.",
        discussion: "Refuses to overwrite an existing file. The public key is printed as 64 hex digits.")

    @Option(help: "Where to write the private key.")
    var out: String

    func run() throws {
        do {
            let identity = try NodeIdentity.create(at: out)
            print(identity.publicKey.description)
        } catch {
            printError("error: \(error.description)")
            throw ExitCode.failure
        }
    }
}
