import Foundation
import Testing
@testable import Wire

/// Every input the fuzzers ever crashed on (or that we crafted against a past weakness)
/// lives in `fuzz/regressions/`, one file each; it must now be decoded safely. (The
/// `transport-*` ones are FuzzTransport's, replayed by TransportTests.)
@Suite struct FuzzRegressionTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fuzz/regressions")

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { !$0.hasPrefix(".") && !$0.hasSuffix(".md") && !$0.hasPrefix("transport-") }.sorted()
    }

    @Test func regressionFolderIsNotEmpty() {
        #expect(!Self.files.isEmpty, "expected inputs under \(Self.directory.path)")
    }

    @Test(arguments: files)
    func decodesSafely(file: String) throws {
        let bytes = [UInt8](try Data(contentsOf: Self.directory.appendingPathComponent(file)))
        // Files named batch-* are inputs of the compressed-batch fuzzer; the rest of FuzzWire.
        let outcomes = file.hasPrefix("batch-") ? [DecodeCheck.compressedBatch(bytes)] : DecodeCheck.all(bytes)
        #expect(DecodeCheck.firstViolation(outcomes) == nil, "\(file)")
    }
}
