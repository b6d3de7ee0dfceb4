import ArgumentParser
import EdgeRaftClient
import Foundation
import NetworkModel
import Node

struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Run a local cluster: real node processes on loopback ports, one directory each.",
        subcommands: [Up.self, Down.self])

    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "up",
            abstract: "Start a local cluster and wait until it is ready.",
            discussion: """
                Writes D/token (the API token), D/node-N/config.yaml, node.key and node.log, and \
                D/cluster.json (what runs), then starts `edgeraft node --config D/node-N/config.yaml` \
                per node, the first --gateways of them serving the client API. Exits 1 if a node fails \
                or the cluster is not ready within \(LocalCluster.startTimeoutSeconds) s, after stopping every node.
                """)

        @Option(help: "Nodes to start.")
        var nodes = 6

        @Option(help: "How many of them serve the client API.")
        var gateways = 2

        @Option(help: "Leadership: stable or on-demand.")
        var mode = "stable"

        @Option(help: "On-demand mode: how long a leader stays without requests (0: every request elects anew).")
        var idleMs: UInt64 = 2_000

        @Option(help: "Emulate a link on every datagram (\(LinkProfile.all.map(\.name).joined(separator: ", "))); tests and benchmarks only.")
        var link: String?

        @Option(help: "Container engine: process or dry-run.")
        var engine = "process"

        @Option(help: "The cluster's directory.")
        var dir = LocalCluster.defaultDirectory

        @Flag(help: "No encryption or authentication between nodes (local benchmarks only).")
        var insecure = false

        @Flag(help: "Replace the files of an earlier, stopped cluster in --dir.")
        var reset = false

        @Option(help: "The nodes' log level (trace … critical).")
        var logLevel: String?

        @Flag(help: "Each node reports an injected load (node N: 8 + 2N % CPU) instead of measuring this machine, which all the nodes share.")
        var stagedLoads = false

        func validate() throws {
            guard ["stable", "on-demand"].contains(mode) else { throw ValidationError("--mode must be stable or on-demand.") }
            guard NodeConfig.EngineKind(rawValue: engine) != nil else { throw ValidationError("--engine must be process or dry-run.") }
            if let link, LinkProfile.named(link) == nil {
                throw ValidationError("--link must be one of \(LinkProfile.all.map(\.name).joined(separator: ", ")).")
            }
            guard (1...LocalClusterPlan.maxNodes).contains(nodes) else { throw ValidationError("--nodes must be 1…\(LocalClusterPlan.maxNodes).") }
            guard (1...nodes).contains(gateways) else { throw ValidationError("--gateways must be 1…\(nodes).") }
        }

        func run() async throws {
            let directory = LocalCluster.absolute(dir)
            let options = LocalClusterPlan.Options(
                nodes: nodes, gateways: gateways, mode: mode == "stable" ? .stable : .onDemand(idleMillis: idleMs),
                engine: NodeConfig.EngineKind(rawValue: engine) ?? .process, link: link, insecure: insecure, directory: directory, logLevel: logLevel, stagedLoads: stagedLoads)
            let interrupt = InterruptCleanup {
                printError("\ninterrupted: stopping the nodes")
                _ = try? LocalCluster.down(directory: directory)
            }
            let progress = ProgressLine()
            let record: ClusterRecord
            do {
                record = try await APISession.with { session in
                    try await LocalCluster.up(options, executable: LocalCluster.currentExecutable(), reset: reset, session: session) { progress.show($0) }
                }
            } catch let error as LocalClusterError {
                progress.end()
                printError("error: \(error.description)")
                throw ExitCode.failure
            }
            progress.end()
            withExtendedLifetime(interrupt) {}
            print(LocalClusterSummary.started(record, shownDirectory: dir))
        }
    }

    struct Down: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "down",
            abstract: "Stop the local cluster recorded in --dir (SIGTERM, SIGKILL after \(Int(LocalCluster.stopGraceSeconds)) s). Data and logs stay.")

        @Option(help: "The cluster's directory.")
        var dir = LocalCluster.defaultDirectory

        func run() throws {
            do {
                let report = try LocalCluster.down(directory: LocalCluster.absolute(dir))
                for line in report.lines { print(line) }
            } catch {
                printError("error: \(error.description)")
                throw ExitCode.failure
            }
        }
    }
}

/// One status line on a terminal, rewritten in place; one line per change otherwise.
final class ProgressLine: @unchecked Sendable {
    // @unchecked: used from one task at a time (the command's).
    private let isTerminal = isatty(2) != 0
    private var shown = false

    func show(_ line: String) {
        if isTerminal {
            printError("\r\u{1B}[2K" + line, newline: false)
            shown = true
        } else {
            printError(line)
        }
    }

    func end() {
        if shown { printError("") }
        shown = false
    }
}
