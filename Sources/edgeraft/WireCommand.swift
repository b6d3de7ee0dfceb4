import ArgumentParser
import EdgeRaftTools

struct WireCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wire",
        abstract: "Inspect the binary wire format.",
        discussion: """
            --sizes prints the encoded size of each Raft message beside etcd's protobuf and \
            the paper's reference implementation. --decode prints what a hex datagram or \
            frame holds, or the decode error (exit status 1).
            """)

    @Flag(help: "Print message sizes against the design targets (exit status 1 if one is missed).")
    var sizes = false

    @Option(name: .customLong("decode"), help: ArgumentHelp("Decode a datagram or frames given in hex.", valueName: "hex"))
    var hex: String?

    @Option(help: "How to read --decode's bytes: auto, datagram or frames.")
    var form: WireInspector.Form = .auto

    func validate() throws {
        if sizes == (hex != nil) {
            throw ValidationError("Give exactly one of --sizes or --decode HEX.")
        }
    }

    func run() throws {
        if sizes {
            let report = WireSizeReport.measure()
            print(report.render())
            if !report.allTargetsMet { throw ExitCode(1) }
            return
        }
        guard let hex else { return }
        do {
            print(try WireInspector.describe(hex: hex, as: form))
        } catch {
            printError("decode error: \(error.description)")
            throw ExitCode(1)
        }
    }
}

extension WireInspector.Form: ExpressibleByArgument {}
