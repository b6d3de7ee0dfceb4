import Foundation
import Testing
@testable import Transport

@Suite struct NodeIdentityTests {
    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("edgeraft-key-\(UUID().uuidString)").path
    }

    @Test func aCreatedKeyIsOwnerOnlyLoadsBackAndIsNeverOverwritten() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let created = try NodeIdentity.create(at: path)
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        #expect(try NodeIdentity.load(from: path).publicKey == created.publicKey)
        #expect(NodePublicKey(hex: created.publicKey.description) == created.publicKey)
        #expect(throws: NodeIdentity.LoadError.exists(path: path)) { _ = try NodeIdentity.create(at: path) }
        #expect(try NodeIdentity.load(from: path).publicKey == created.publicKey)
    }

    @Test func openUnreadableAndMalformedKeyFilesAreRefused() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: NodeIdentity.LoadError.self) { _ = try NodeIdentity.load(from: path) }
        _ = try NodeIdentity.create(at: path)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        #expect(throws: NodeIdentity.LoadError.tooOpen(path: path, mode: 0o644)) { _ = try NodeIdentity.load(from: path) }
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: path)
        #expect(throws: NodeIdentity.LoadError.tooOpen(path: path, mode: 0o640)) { _ = try NodeIdentity.load(from: path) }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        // A symbolic link to a good key file is refused (O_NOFOLLOW), and so is a directory.
        let link = path + ".link"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: path)
        defer { try? FileManager.default.removeItem(atPath: link) }
        #expect(throws: NodeIdentity.LoadError.self) { _ = try NodeIdentity.load(from: link) }
        let directory = path + ".dir"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(throws: NodeIdentity.LoadError.notRegularFile(path: directory)) { _ = try NodeIdentity.load(from: directory) }
        for text in ["", "zz", String(repeating: "ab", count: 31), String(repeating: "ab", count: 33), String(repeating: "a", count: 300)] {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            #expect(throws: NodeIdentity.LoadError.malformed(path: path)) { _ = try NodeIdentity.load(from: path) }
        }
    }
}
