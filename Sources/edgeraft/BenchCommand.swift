import ArgumentParser
import Node

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure EdgeRaft on this machine (build with -c release).",
        subcommands: [TransportBench.self])

    struct TransportBench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "transport",
            abstract: "Round trips over loopback through Transport, beside a bare UDP ping-pong.")

        @Option(help: "Round trips per path.")
        var rounds: Int = 20_000

        @Option(help: "Bytes of request and response.")
        var bytes: Int = 64

        @Flag(help: "Measure without encryption (insecure mode) too, to show what sealing costs.")
        var compareInsecure = false

        func validate() throws {
            guard rounds >= 100 else { throw ValidationError("--rounds must be at least 100.") }
            guard (8...1100).contains(bytes) else { throw ValidationError("--bytes must be 8…1100.") }
        }

        func run() throws {
            print(try TransportBenchmark.run(rounds: rounds, payloadBytes: bytes).render)
            if compareInsecure {
                print()
                print(try TransportBenchmark.run(rounds: rounds, payloadBytes: bytes, sealed: false).render)
            }
        }
    }
}
