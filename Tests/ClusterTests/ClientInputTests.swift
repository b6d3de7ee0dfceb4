import ClientAPI
import Foundation
import Testing

@testable import EdgeRaftClient

@Suite struct GatewayAddressTests {
    @Test func hostAndPortParse() throws {
        #expect(try GatewayAddress(parsing: "127.0.0.1:7700") == GatewayAddress(host: "127.0.0.1", port: 7700))
        #expect(try GatewayAddress(parsing: "[::1]:80") == GatewayAddress(host: "::1", port: 80))
        #expect(try GatewayAddress(parsing: "[::1]:80").description == "[::1]:80")
    }

    @Test(arguments: ["127.0.0.1", "127.0.0.1:", ":80", "host:0", "host:65536", "host:-1", "host:+80", "::1:80", "[::1]80", "h:8O", "h:٣"])
    func malformedAddressesAreRefused(_ text: String) {
        #expect(throws: GatewayAddress.ParseError.malformed(text)) { try GatewayAddress(parsing: text) }
    }
}

@Suite struct DeployOptionsTests {
    @Test func flagsBecomeTheBody() throws {
        let body = try DeployOptions.body(
            name: "web", image: "nginx", command: ["nginx", "-g", "daemon off;"], env: ["A=1", "B="], ports: ["8080:80", "53:53/udp"], cpu: 0.5,
            memory: "128M", requestID: "42")
        #expect(body == DeployBody(name: "web", image: "nginx", command: ["nginx", "-g", "daemon off;"], env: ["A=1", "B="], ports: ["8080:80", "53:53/udp"], cpu: 0.5, memory: "128M", requestId: "42"))
        let bare = try DeployOptions.body(name: "a", image: "b", command: [], env: [], ports: [], cpu: nil, memory: nil, requestID: nil)
        #expect(bare.command == nil && bare.env == nil && bare.ports == nil && bare.requestId == nil)
    }

    @Test func commandLineMistakesAreNamed() {
        #expect(throws: DeployOptions.OptionError.env("=1")) { try DeployOptions.body(name: "a", image: "b", command: [], env: ["=1"], ports: [], cpu: nil, memory: nil, requestID: nil) }
        #expect(throws: DeployOptions.OptionError.env("A")) { try DeployOptions.body(name: "a", image: "b", command: [], env: ["A"], ports: [], cpu: nil, memory: nil, requestID: nil) }
        for port in ["8080", "0:80", "8080:70000", "a:80", "80:80/sctp", "1:2:3"] {
            #expect(throws: DeployOptions.OptionError.port(port)) { try DeployOptions.body(name: "a", image: "b", command: [], env: [], ports: [port], cpu: nil, memory: nil, requestID: nil) }
        }
        for cpu in [0, -1, Double.nan, .infinity] {
            #expect(throws: DeployOptions.OptionError.self) { try DeployOptions.body(name: "a", image: "b", command: [], env: [], ports: [], cpu: cpu, memory: nil, requestID: nil) }
        }
        for id in ["0", "-3", "x", "9223372036854775808", "+5"] {
            #expect(throws: DeployOptions.OptionError.requestID(id)) { try DeployOptions.body(name: "a", image: "b", command: [], env: [], ports: [], cpu: nil, memory: nil, requestID: id) }
        }
    }
}

@Suite struct DeployRetryPolicyTests {
    @Test func delaysDoubleUpToTheCapAndStopAfterTheLastAttempt() {
        let policy = DeployRetryPolicy(attempts: 5, firstDelayMillis: 250, maxDelayMillis: 1_000)
        #expect(policy.delayMillis(beforeAttempt: 1) == nil)
        #expect(policy.delayMillis(beforeAttempt: 2) == 250)
        #expect(policy.delayMillis(beforeAttempt: 3) == 500)
        #expect(policy.delayMillis(beforeAttempt: 4) == 1_000)
        #expect(policy.delayMillis(beforeAttempt: 5) == 1_000)
        #expect(policy.delayMillis(beforeAttempt: 6) == nil)
        #expect(DeployRetryPolicy(attempts: 100, firstDelayMillis: UInt64.max / 2, maxDelayMillis: UInt64.max).delayMillis(beforeAttempt: 90) == UInt64.max)
        #expect(DeployRetryPolicy.never.delayMillis(beforeAttempt: 2) == nil)
    }
}

@Suite struct ClientTargetTests {
    @Test func flagsWinAndTheLocalClusterFillsTheRest() throws {
        let harness = try ProcessHarness()
        let directory = harness.path("c")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "cluster-token\n".write(toFile: directory + "/token", atomically: true, encoding: .utf8)
        try "flag-token".write(toFile: harness.path("t"), atomically: true, encoding: .utf8)
        let record = ClusterRecord(directory: directory, clusterId: 9, mode: "stable", engine: "dry-run", tokenFile: directory + "/token", gateways: ["127.0.0.1:7001", "127.0.0.1:7002"], nodes: [])
        try record.write(directory: directory)

        let fromRecord = try ClientTarget.resolve(gateway: nil, directory: directory, tokenFile: nil, environment: [:])
        #expect(fromRecord.gateway == GatewayAddress(host: "127.0.0.1", port: 7001))
        #expect(fromRecord.token == "cluster-token")
        let fromEnvironment = try ClientTarget.resolve(gateway: "10.0.0.1:80", directory: directory, tokenFile: nil, environment: ["EDGERAFT_TOKEN": "env"])
        #expect(fromEnvironment.gateway.host == "10.0.0.1" && fromEnvironment.token == "env")
        let fromFlag = try ClientTarget.resolve(gateway: nil, directory: directory, tokenFile: harness.path("t"), environment: ["EDGERAFT_TOKEN": "env"])
        #expect(fromFlag.token == "flag-token")
        let sameGateway = try ClientTarget.resolve(gateway: "127.0.0.1:7002", directory: directory, tokenFile: nil, environment: [:])
        #expect(sameGateway.token == "cluster-token")
        // The local cluster's token is not sent to a gateway of another cluster.
        #expect(throws: ClientTarget.TargetError.token(.missing)) {
            try ClientTarget.resolve(gateway: "10.0.0.1:80", directory: directory, tokenFile: nil, environment: [:])
        }
    }

    @Test func noGatewayAndNoClusterSaysWhatToDo() throws {
        let harness = try ProcessHarness()
        #expect {
            try ClientTarget.resolve(gateway: nil, directory: harness.root, tokenFile: nil, environment: [:])
        } throws: { error in
            let text = (error as? ClientTarget.TargetError)?.description ?? ""
            return text.contains("--gateway") && text.contains("cluster up")
        }
        #expect(throws: ClientTarget.TargetError.token(.missing)) {
            try ClientTarget.resolve(gateway: "127.0.0.1:1", directory: harness.root, tokenFile: nil, environment: [:])
        }
    }
}
