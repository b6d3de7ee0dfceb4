import Foundation
import NetworkModel
import Node
import Testing
import Transport

/// docs/node-config.example.yaml: it documents every key, loads, and never traps the
/// loader when mutated.
@Suite struct NodeConfigExampleTests {
    static let examplePath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/node-config.example.yaml").path

    static func example() throws -> String { try String(contentsOfFile: examplePath, encoding: .utf8) }

    @Test func theExampleDocumentsEveryKey() throws {
        let text = try Self.example()
        for key in NodeConfigKeys.topLevel {
            #expect(text.contains("\n\(key):") || text.contains("\n# \(key):"), "\(key)")
        }
        for key in NodeConfigKeys.gateway {
            #expect(text.contains("\n  \(key):") || text.contains("\n  # \(key):"), "gateway.\(key)")
        }
        // Each key's comment says its default (or that it is required).
        #expect(text.components(separatedBy: "Default").count + text.components(separatedBy: "Required").count - 2 >= 25)
    }

    @Test func theExampleLoadsAndValidatesWithItsPathsMadeToExist() throws {
        let dir = try ConfigFixture.directory()
        let text = try Self.example()
            .replacingOccurrences(of: "/etc/edgeraft", with: dir + "/etc")
            .replacingOccurrences(of: "/var/lib/edgeraft", with: dir + "/var")
        try FileManager.default.createDirectory(atPath: dir + "/etc", withIntermediateDirectories: true)
        _ = try NodeIdentity.create(at: dir + "/etc/node-1.key")
        try ConfigFixture.write("example-token\n", to: dir + "/etc/token")
        let path = try ConfigFixture.write(text, to: dir + "/node-1.yaml")

        let config = try NodeConfigLoader.load(file: path)
        #expect(config.nodeID == 1 && config.clusterID == 7)
        #expect(config.memberIDs == [1, 2, 3, 4, 5, 6])
        #expect(config.peers.last?.address == "[fd00::6]:7000")
        #expect(config.mode == .onDemand(idleMillis: 2_000))
        #expect(config.gateway?.tokenFile == dir + "/etc/token")
        #expect(NodeConfigValidation.validate(config) == NodeConfigReport())

        let check = NodeConfigCheck.run(configFile: path, overrides: NodeConfigOverrides())
        #expect(check.succeeded, "\(check.errors.map(\.description))")
        #expect(check.dataDirectory == .unrecorded(directoryExists: false))
        #expect(try NodeConfigLoader.parse(yaml: config.renderYAML(), path: "resolved") == config)
    }

    @Test func mutatedExamplesNeverTrap() throws {
        let seed = Array(try Self.example().utf8)
        var random = SeededRandom(seed: 11)
        let alphabet = Array(":-[]{}#&*!|>'\",? \n\t0123456789abz.~=\u{0}".utf8) + [0xC3, 0xA9, 0xFF]
        var loaded = 0, refused = 0
        for _ in 0..<3_000 {
            var bytes = seed
            for _ in 0..<Int(random.next() % 6 + 1) {
                let at = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count))
                switch random.next() % 5 {
                case 0 where !bytes.isEmpty: bytes[at] = alphabet[Int(random.next() % UInt64(alphabet.count))]
                case 1: bytes.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: at)
                case 2 where !bytes.isEmpty: bytes.remove(at: at)
                case 3 where bytes.count > at + 1:
                    // Duplicate a stretch: repeated keys and entries, deeper nesting.
                    let end = Swift.min(bytes.count, at + Int(random.next() % 80))
                    bytes.insert(contentsOf: bytes[at..<end], at: at)
                default: bytes = Array(bytes.prefix(at))
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            do {
                let config = try NodeConfigLoader.parse(yaml: text, path: "mutated.yaml")
                loaded += 1
                _ = NodeConfigValidation.rosterProblems(config) + NodeConfigValidation.addressProblems(config)
                    + NodeConfigValidation.gatewayProblems(config) + NodeConfigValidation.injectedLoadProblems(config)
                _ = config.renderYAML()
            } catch {
                refused += 1
                #expect(!error.errors.isEmpty)
                #expect(error.errors.allSatisfy { !$0.description.isEmpty })
            }
        }
        #expect(loaded > 0 && refused > 0, "loaded \(loaded), refused \(refused)")
    }
}
