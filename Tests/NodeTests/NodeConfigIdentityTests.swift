import Foundation
import NetworkModel
import Node
import Testing

@Suite struct NodeConfigIdentityTests {
    static let node5 = DataDirectoryIdentity(clusterID: 7, nodeID: 5)

    @Test func theFirstStartRecordsTheIdentityAndLaterStartsCheckIt() throws {
        let dir = try ConfigFixture.directory() + "/data/node-5"
        #expect(try DataDirectoryIdentity.check(dataDirectory: dir, expected: Self.node5) == .unrecorded(directoryExists: false))
        // Checking writes nothing.
        #expect(!FileManager.default.fileExists(atPath: dir))
        #expect(try DataDirectoryIdentity.recordOrVerify(dataDirectory: dir, expected: Self.node5) == .unrecorded(directoryExists: false))
        let attributes = try FileManager.default.attributesOfItem(atPath: dir)
        #expect((attributes[.posixPermissions] as? Int) == 0o700)
        #expect(try String(contentsOfFile: dir + "/identity", encoding: .utf8) == "cluster-id=7\nnode-id=5\n")
        #expect(!FileManager.default.fileExists(atPath: dir + "/identity.tmp"))
        #expect(try DataDirectoryIdentity.recordOrVerify(dataDirectory: dir, expected: Self.node5) == .matches)
        #expect(try DataDirectoryIdentity.check(dataDirectory: dir, expected: Self.node5) == .matches)
    }

    @Test func aDirectoryOfAnotherNodeOrClusterIsRefusedNamingBoth() throws {
        let dir = try ConfigFixture.directory()
        try DataDirectoryIdentity.recordOrVerify(dataDirectory: dir, expected: DataDirectoryIdentity(clusterID: 7, nodeID: 2))
        for other in [Self.node5, DataDirectoryIdentity(clusterID: 8, nodeID: 2)] {
            #expect(throws: DataDirectoryIdentity.Failure.belongsToAnother(directory: dir, recorded: DataDirectoryIdentity(clusterID: 7, nodeID: 2), this: other)) {
                try DataDirectoryIdentity.recordOrVerify(dataDirectory: dir, expected: other)
            }
        }
        let message = DataDirectoryIdentity.Failure.belongsToAnother(directory: dir, recorded: DataDirectoryIdentity(clusterID: 7, nodeID: 2), this: Self.node5).description
        #expect(message == "\(dir) belongs to cluster 7, node 2; this node is cluster 7, node 5: use another data-dir, or empty it to rejoin as a new member")
        // The refused start changed nothing.
        #expect(try String(contentsOfFile: dir + "/identity", encoding: .utf8) == "cluster-id=7\nnode-id=2\n")
    }

    @Test func malformedAndOversizedIdentityFilesAreRefused() throws {
        let cases: [(String, String)] = [
            ("cluster-id=7\n", "no node-id"),
            ("node-id=5\n", "no cluster-id"),
            ("cluster-id=7\nnode-id=0\n", "node-id is not a number 1…65535"),
            ("cluster-id=7\nnode-id=65536\n", "node-id is not a number 1…65535"),
            ("cluster-id=7\nnode-id=+5\n", "node-id is not a number 1…65535"),
            ("cluster-id=7\nnode-id=5\nnode-id=5\n", "node-id given twice"),
            ("cluster-id=7\nnode-id=5\nrole=x\n", "unknown key role"),
            ("cluster-id 7\n", "a line without `=`"),
        ]
        for (text, detail) in cases {
            #expect(throws: DataDirectoryIdentity.Failure.malformed(path: "p", detail: detail), "\(text)") {
                try DataDirectoryIdentity.parse(Array(text.utf8), path: "p")
            }
        }
        #expect(try DataDirectoryIdentity.parse(Array("node-id=5\ncluster-id=7".utf8), path: "p") == Self.node5)
        let dir = try ConfigFixture.directory()
        try ConfigFixture.write("cluster-id=7\nnode-id=5\n" + String(repeating: "#", count: 300), to: dir + "/identity")
        #expect(throws: DataDirectoryIdentity.Failure.tooLarge(path: dir + "/identity", bytes: 323)) {
            try DataDirectoryIdentity.check(dataDirectory: dir, expected: Self.node5)
        }
        let message = DataDirectoryIdentity.Failure.malformed(path: "p", detail: "no node-id").description
        #expect(message.contains("restore it, or empty the directory to rejoin as a new member"))
        let file = try ConfigFixture.write("x", to: dir + "/plain")
        #expect(throws: DataDirectoryIdentity.Failure.notADirectory(path: file)) {
            try DataDirectoryIdentity.recordOrVerify(dataDirectory: file, expected: Self.node5)
        }
    }

    @Test func mutatedIdentityFilesNeverTrap() {
        var random = SeededRandom(seed: 5)
        let seed = Array("cluster-id=7\nnode-id=5\n".utf8)
        let alphabet = Array("=-\n0123456789cluster-idnode\u{0}".utf8) + [0xFF]
        var parsed = 0, refused = 0
        for _ in 0..<3_000 {
            var bytes = seed
            for _ in 0..<Int(random.next() % 4 + 1) {
                let at = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count))
                switch random.next() % 4 {
                case 0 where !bytes.isEmpty: bytes[at] = alphabet[Int(random.next() % UInt64(alphabet.count))]
                case 1: bytes.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: at)
                case 2 where !bytes.isEmpty: bytes.remove(at: at)
                default: bytes = Array(bytes.prefix(at))
                }
            }
            if (try? DataDirectoryIdentity.parse(bytes, path: "identity")) != nil { parsed += 1 } else { refused += 1 }
        }
        #expect(parsed > 0 && refused > 0)
    }

    @Test func checkConfigReportsADataDirectoryOfAnotherNode() throws {
        let dir = try ConfigFixture.directory()
        try DataDirectoryIdentity.recordOrVerify(dataDirectory: dir, expected: DataDirectoryIdentity(clusterID: 7, nodeID: 2))
        var overrides = NodeConfigOverrides()
        overrides.dataDirectory = dir
        let path = try ConfigFixture.write(ConfigFixture.minimal, to: dir + "/node.yaml")
        let check = NodeConfigCheck.run(configFile: path, overrides: overrides)
        #expect(!check.succeeded)
        #expect(check.messages == ["flag --data-dir: data-dir: \(dir) belongs to cluster 7, node 2; this node is cluster 7, node 1: use another data-dir, or empty it to rejoin as a new member"])
        overrides.dataDirectory = dir + "/fresh"
        let fresh = NodeConfigCheck.run(configFile: path, overrides: overrides)
        #expect(fresh.succeeded && fresh.dataDirectory == .unrecorded(directoryExists: false) && fresh.warnings == [.insecure])
        #expect(!FileManager.default.fileExists(atPath: dir + "/fresh"))
    }
}
