import Foundation
import Testing

/// Runs the real `edgeraft` binary that `swift build` put beside the test bundle.
@Suite struct CommandLineTests {
    static let binary: URL? = {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("edgeraft")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }()

    static func run(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        let binary = try #require(binary, "edgeraft was not built next to the tests")
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    @Test func sizesExitsZeroWithOneLinePerCase() throws {
        let result = try Self.run(["wire", "--sizes"])
        #expect(result.status == 0)
        #expect(result.out.contains("heartbeat (empty append)"))
        #expect(result.out.split(separator: "\n").count == 10)
    }

    @Test func decodePrintsTheMessage() throws {
        let result = try Self.run(["wire", "--decode", "a005c0843d0000"])
        #expect(result.status == 0)
        #expect(result.out.contains("AppendEntries term=5 prev=(1000000, term 5) commit=1000000 heartbeat"))
    }

    @Test func decodeErrorExitsOneWithoutCrashing() throws {
        let result = try Self.run(["wire", "--decode", "a005c084"])
        #expect(result.status == 1)
        #expect(result.err.contains("decode error:"))
        #expect(result.err.contains("prev log index at byte 4: input ends inside the field"))
    }

    @Test func missingModeIsAUsageError() throws {
        let result = try Self.run(["wire"])
        #expect(result.status == 64)
        #expect(result.err.contains("Give exactly one of --sizes or --decode HEX."))
    }

    @Test func keygenWritesAnOwnerOnlyKeyPrintsThePublicKeyAndNeverOverwrites() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("edgeraft-keygen-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = try Self.run(["keygen", "--out", path])
        #expect(first.status == 0)
        let printed = first.out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(printed.count == 64 && printed.allSatisfy(\.isHexDigit))
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let contents = try String(contentsOfFile: path, encoding: .utf8)
        let second = try Self.run(["keygen", "--out", path])
        #expect(second.status == 1)
        #expect(second.err.contains("refusing to overwrite"))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == contents)
    }

    /// Every option and flag of `edgeraft node --help` says what it is: a help text on its
    /// line, or on the indented line below when the name is long.
    @Test func everyNodeFlagHasHelp() throws {
        let result = try Self.run(["node", "--help"])
        #expect(result.status == 0)
        let lines = result.out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var options = 0
        for (index, line) in lines.enumerated() where line.hasPrefix("  -") {
            options += 1
            // "  --name <value>    help": the help follows two or more spaces after the name.
            let name = line.dropFirst(2)
            let sameLine = name.range(of: "  ").map { !name[$0.upperBound...].trimmingCharacters(in: .whitespaces).isEmpty } ?? false
            let next = index + 1 < lines.count ? lines[index + 1] : ""
            let nextLine = next.hasPrefix("        ") && !next.trimmingCharacters(in: .whitespaces).isEmpty
            #expect(sameLine || nextLine, "no help for \(line.trimmingCharacters(in: .whitespaces))")
        }
        #expect(options >= 30)
    }

    @Test func logOnAMissingDirectoryIsOneClearLineAndExitOne() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("edgeraft-no-such-\(UUID().uuidString)").path
        let result = try Self.run(["log", "--data-dir", missing])
        #expect(result.status == 1)
        #expect(result.out.isEmpty)
        #expect(result.err == "error: \(missing): no such directory (--data-dir takes a node's data-dir, the data-dir key of its config)\n")
    }
}
