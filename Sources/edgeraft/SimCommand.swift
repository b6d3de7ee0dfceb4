import ArgumentParser
import EdgeRaftTools
import NetworkModel
import RaftSimulation

struct SimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Run Raft's seeded cluster simulation (safety checked after every event).",
        discussion: """
            --seed N replays one chaos run (the command a failing test prints). --seeds N \
            sweeps N chaos runs from --first. --matrix prints time to elect, time to commit \
            and bytes per committed entry for pi-wifi and lossy-wifi, 3, 5 and 6 nodes, both \
            leadership modes. Exit status 1 if any run breaks an invariant or stalls.
            """)

    @Option(help: "Replay one chaos run.")
    var seed: UInt64?

    @Option(help: "Sweep this many chaos runs.")
    var seeds: Int?

    @Option(help: "First seed of a sweep.")
    var first: UInt64 = 1

    @Flag(help: "Print the numbers table for bench/RESULTS.md.")
    var matrix = false

    @Option(help: "Simulated seconds of traffic per matrix cell.")
    var seconds: Int = 120

    func validate() throws {
        let modes = [seed != nil, seeds != nil, matrix].filter { $0 }.count
        guard modes == 1 else { throw ValidationError("Give exactly one of --seed N, --seeds N or --matrix.") }
        if let seeds, seeds < 1 { throw ValidationError("--seeds must be at least 1.") }
        if seconds < 1 { throw ValidationError("--seconds must be at least 1.") }
    }

    func run() throws {
        if let seed {
            var simulation = ClusterSimulation(.chaos(seed: seed))
            let report = simulation.run()
            print(report.summary)
            if !report.passed { throw ExitCode(1) }
        } else if let seeds {
            let step = max(seeds / 20, 200)
            let result = SimulationRunner.sweep(first: first, count: seeds) { done in
                if done % step < 200 || done == seeds { printError("\(done)/\(seeds) seeds") }
            }
            for failure in result.failures.sorted(by: { $0.options.seed < $1.options.seed }) {
                print(failure.summary)
            }
            print("from seed \(first): " + result.summary)
            if !result.failures.isEmpty { throw ExitCode(1) }
        } else {
            let rows = SimulationRunner.matrix(profiles: [.piWifi, .lossyWifi], sizes: [3, 5, 6], seconds: seconds, seed: 1)
            print(SimulationRunner.renderMatrix(rows))
            if rows.contains(where: { !$0.report.passed }) { throw ExitCode(1) }
        }
    }
}
