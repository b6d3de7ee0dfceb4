import ArgumentParser
import EdgeRaftTools
import Logging
import Node
import Transport

extension ThreadPlacement: ExpressibleByArgument {}

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure EdgeRaft on this machine (build with -c release).",
        subcommands: [DeployBench.self, TransportBench.self, HandshakeBench.self, BulkBench.self])

    struct DeployBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "deploy",
            abstract: "One deploy end to end: real nodes on loopback in this process (sockets, sealed sessions, disks; dry-run engine), p50/p99 and the phase breakdown, bytes per decision.")

        @Option(help: "Nodes in the cluster.")
        var nodes: Int = 6

        @Option(help: "Gateways the requests go to in turn.")
        var gateways: Int = 3

        @Option(help: "stable or on-demand.")
        var mode: String = "stable"

        @Option(name: .customLong("idle-ms"), help: "On-demand: the leader's idle period (0: every request elects anew).")
        var idleMillis: UInt64 = 0

        @Option(help: "Requests, sent one after another.")
        var requests: Int = 200

        @Option(help: "Emulated link profile on every datagram (loopback, lan, pi-wifi, lossy-wifi, cellular, narrowband).")
        var link: String?

        @Option(name: .customLong("log-level"), help: "The nodes' log level (debug shows every decision).")
        var logLevel: String = "warning"

        func validate() throws {
            guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level must be trace, debug, info, notice, warning, error or critical.") }
            guard (3...9).contains(nodes) else { throw ValidationError("--nodes must be 3…9.") }
            guard (1...nodes).contains(gateways) else { throw ValidationError("--gateways must be 1…--nodes.") }
            guard ["stable", "on-demand"].contains(mode) else { throw ValidationError("--mode must be stable or on-demand.") }
            guard (1...100_000).contains(requests) else { throw ValidationError("--requests must be 1…100000.") }
        }

        func run() throws {
            var options = DeployBenchmark.Options()
            options.nodes = nodes
            options.gateways = gateways
            options.mode = mode == "stable" ? .stable : .onDemand(idleMillis: idleMillis)
            options.requests = requests
            options.link = link
            options.logLevel = Logger.Level(rawValue: logLevel) ?? .warning
            let result = try DeployBenchmark.run(options, progress: { printError($0) })
            print(DeployBenchmark.render(result, options: options))
            if !result.failures.isEmpty { throw ExitCode(1) }
        }
    }

    struct TransportBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "transport",
            abstract: "Round trips over loopback through Transport, beside a bare UDP ping-pong.",
            discussion: """
                Both paths run in alternating blocks of one run and the ratio of their medians \
                is printed. On an idle machine a woken thread waits for its core to wake up, \
                which hides most of the work; --busy-cores keeps every core busy at idle \
                priority so that the work shows.
                """)

        @Option(help: "Round trips per path.")
        var rounds: Int = 20_000

        @Option(help: "Bytes of request and response.")
        var bytes: Int = 64

        @Flag(help: "Measure without encryption (insecure mode) too, to show what sealing costs.")
        var compareInsecure = false

        @Flag(help: "Keep every core busy at idle priority while measuring.")
        var busyCores = false

        @Option(help: "Where client and server threads run: split (clients on one core, servers on another), same (one core) or free (unpinned).")
        var placement: ThreadPlacement = .split

        func validate() throws {
            guard rounds >= 100 else { throw ValidationError("--rounds must be at least 100.") }
            guard (8...1100).contains(bytes) else { throw ValidationError("--bytes must be 8…1100.") }
        }

        func run() throws {
            for sealed in compareInsecure ? [true, false] : [true] {
                if !sealed { print() }
                let options = TransportBenchmark.Options(rounds: rounds, payloadBytes: bytes, sealed: sealed, busyCores: busyCores, placement: placement)
                let result = try TransportBenchmark.run(
                    options,
                    progress: { printError("\(sealed ? "sealed" : "insecure"): \($0)") },
                    warn: { printError("warning: \($0)") })
                print(result.render)
            }
        }
    }

    struct HandshakeBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "handshake",
            abstract: "What a session handshake costs each side (median µs), without sockets.")

        @Option(help: "Handshakes to measure.")
        var rounds: Int = 2_000

        func validate() throws {
            guard rounds >= 10 else { throw ValidationError("--rounds must be at least 10.") }
        }

        func run() throws {
            print(try HandshakeBenchmark.run(rounds: rounds).render)
        }
    }

    struct BulkBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bulk",
            abstract: "A 1 MiB snapshot transfer with heartbeats over an emulated link, on emulated time.",
            discussion: "Exits 1 if a goal is missed: goodput ≥ 80 % of the link rate, retransmitted bytes ≤ 1.5 × loss × bytes sent, every heartbeat within 2 × the round trip. With --controller both, each seed runs with the path model and with NewReno; only the path model's goals decide the exit status.")

        @Option(help: "Link profile: narrowband, cellular, lossy-wifi, pi-wifi, lan.")
        var profile: String = "narrowband"

        @Option(help: "Seeds to run (1…N); each prints its result.")
        var seeds: UInt64 = 1

        @Option(help: "Bytes to transfer.")
        var bytes: Int = 1 << 20

        @Option(help: "Congestion controller: model (the path model, Transport's default), newreno, or both.")
        var controller: String = "both"

        var controllers: [CongestionControlAlgorithm] {
            controller == "both" ? [.bandwidthModel, .newReno] : CongestionControlAlgorithm(rawValue: controller).map { [$0] } ?? []
        }

        func validate() throws {
            guard !controllers.isEmpty else { throw ValidationError("--controller must be model, newreno or both.") }
            guard BulkTransferBenchmark.Options(profileNamed: profile) != nil else {
                throw ValidationError("--profile must name a profile with a rate limit.")
            }
            guard seeds >= 1 else { throw ValidationError("--seeds must be at least 1.") }
            guard (16 * 1024...64 << 20).contains(bytes) else { throw ValidationError("--bytes must be 16 KiB…64 MiB.") }
        }

        func run() throws {
            var allMet = true
            for seed in 1...seeds {
                for algorithm in controllers {
                    guard let options = BulkTransferBenchmark.Options(
                        profileNamed: profile, totalBytes: bytes, seed: seed, congestionControl: algorithm) else { return }
                    let result = BulkTransferBenchmark.run(options)
                    print(result.render)
                    if algorithm == controllers[0] { allMet = allMet && result.meetsGoals }
                }
            }
            if !allMet { throw ExitCode(1) }
        }
    }
}
