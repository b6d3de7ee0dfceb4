import ArgumentParser
import EdgeRaftClient
import Foundation

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Start a 6-node local cluster, deploy six services from two gateways at once, show where each went and what each phase cost, stop the cluster.")

    @Flag(help: "Keep the cluster's directory (logs, data) instead of removing it.")
    var keep = false

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edgeraft-demo-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        let interrupt = InterruptCleanup {
            printError("\ninterrupted: stopping the demo cluster")
            _ = try? LocalCluster.down(directory: directory)
            try? FileManager.default.removeItem(atPath: directory)
        }
        defer { withExtendedLifetime(interrupt) {} }
        let started = Date()
        let options = LocalClusterPlan.Options(nodes: LocalDemo.nodes, gateways: LocalDemo.gateways, mode: .stable, engine: .process, directory: directory, stagedLoads: true)
        let progress = ProgressLine()
        var failed = false
        do {
            try await APISession.with { session in
                let record = try await LocalCluster.up(options, executable: LocalCluster.currentExecutable(), session: session) { progress.show($0) }
                progress.end()
                print("\(LocalDemo.nodes) nodes up (stable mode, process engine; node N reports an injected load of \(8 + 2)…\(8 + 2 * LocalDemo.nodes) % CPU, 2 points per node); deploying \(LocalDemo.services) services through \(record.gateways.joined(separator: " and ")) at once\n")
                let deployments = await LocalDemo.deployAll(record, session: session) { deployment in
                    switch deployment.result {
                    case .success(let service): print("via \(deployment.gateway): " + ClientOutput.deployed(service) + "\n")
                    case .failure(let error): print("via \(deployment.gateway): \(deployment.name) failed: \(error.description)\n")
                    }
                }
                failed = deployments.contains { if case .failure = $0.result { true } else { false } }
            }
        } catch {
            progress.end()
            printError("error: \(error)")
            failed = true
        }
        if let report = try? LocalCluster.down(directory: directory) {
            print("stopped \(report.stopped) nodes")
        }
        if keep || failed {
            print("the cluster's files are in \(directory)")
        } else {
            try? FileManager.default.removeItem(atPath: directory)
        }
        print(String(format: "demo done in %.1f s", Date().timeIntervalSince(started)))
        if failed { throw ExitCode.failure }
    }
}
