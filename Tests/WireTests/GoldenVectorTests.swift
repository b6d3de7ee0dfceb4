import Foundation
import Testing
@testable import Wire

/// Pins the bytes of every message kind. To regenerate after a deliberate format change:
/// `WIRE_UPDATE_VECTORS=1 swift test --filter GoldenVectorTests`, then review the diff.
@Suite struct GoldenVectorTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Vectors")
    static let updating = ProcessInfo.processInfo.environment["WIRE_UPDATE_VECTORS"] == "1"

    static func load(_ name: String) throws -> [UInt8] {
        let text = try String(contentsOf: directory.appendingPathComponent("\(name).hex"), encoding: .utf8)
        return try Hex.parse(text)
    }

    @Test(arguments: GoldenSamples.all.map(\.name))
    func bytesMatchTheVector(name: String) throws {
        let form = try #require(GoldenSamples.all.first { $0.name == name }?.form)
        let bytes = form.encoded()
        if Self.updating {
            try (Hex.string(bytes) + "\n").write(to: Self.directory.appendingPathComponent("\(name).hex"), atomically: true, encoding: .utf8)
        }
        let pinned = try Self.load(name)
        #expect(Hex.string(bytes) == Hex.string(pinned), "\(name) changed on the wire")
        switch form {
        case .frame(let m, _): #expect(try Payload.decodeSingle(pinned) == m)
        case .payload(let ms): #expect(try Payload.decode(pinned) == ms)
        case .datagram(let h, let ms):
            let parts = try DatagramParts.split(pinned)
            #expect(parts.header == h)
            #expect(try Payload.decode(parts.body) == ms)
        case .decision(let d): #expect(try DecisionEntry.decode(pinned) == d)
        case .outcome(let o): #expect(try OutcomeEntry.decode(pinned) == o)
        case .memberRecord(let r): #expect(try MemberRecord.decode(pinned) == r)
        case .initiation(let m):
            #expect(pinned.count == HandshakeInitiation.size && DatagramKind.of(pinned) == .initiation)
            #expect(try HandshakeInitiation.decode(pinned) == m)
        case .response(let m):
            #expect(pinned.count == HandshakeResponse.size && DatagramKind.of(pinned) == .response)
            #expect(try HandshakeResponse.decode(pinned) == m)
        case .cookieReply(let m):
            #expect(pinned.count == CookieReply.size && DatagramKind.of(pinned) == .response && CookieReply.isCookieReply(pinned))
            #expect(try CookieReply.decode(pinned) == m)
            #expect(throws: WireError.self) { try HandshakeResponse.decode(pinned) }
        }
    }

    @Test func everyFrameKindHasAVector() {
        var kinds = Set<FrameKind>()
        for (_, form) in GoldenSamples.all {
            if case .frame(let m, _) = form { kinds.insert(m.kind) }
        }
        #expect(kinds == Set(FrameKind.allCases))
    }

    @Test func noStrayVectorFiles() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path).filter { $0.hasSuffix(".hex") }
        #expect(Set(files) == Set(GoldenSamples.all.map { "\($0.name).hex" }))
    }
}
