import Testing
import Wire
@testable import EdgeRaftTools

@Suite struct WireInspectorTests {
    @Test func decodesAPlainDatagram() throws {
        let header = DatagramHeader(kind: .plain, ackEliciting: true, clusterID: 7, receiverIndex: 3, packetNumber: try #require(PacketNumber(9)))
        let datagram = DatagramParts.encodePlain(header: header, messages: [.timeoutNow(TimeoutNow(term: 4))])
        let text = try WireInspector.describe(hex: Hex.string(datagram))
        #expect(text.contains("cluster=7 receiver-index=3 packet=9"))
        #expect(text.contains("TimeoutNow(term: 4)"))
    }

    @Test func describesASealedDatagramWithoutOpeningIt() throws {
        var bytes: [UInt8] = []
        DatagramHeader(kind: .sealed, ackEliciting: false, clusterID: 1, receiverIndex: 2, packetNumber: try #require(PacketNumber(4)))
            .encode(into: &bytes)
        bytes += [1, 2, 3, 4, 5] + [UInt8](repeating: 0xAB, count: 16)
        let text = try WireInspector.describe(hex: Hex.string(bytes), as: .datagram)
        #expect(text.contains("ciphertext 5 B"))
    }

    @Test func describesHandshakeMessages() throws {
        let initiation = HandshakeInitiation(clusterID: 7, sender: 3, senderIndex: 99, noise: [UInt8](repeating: 1, count: 105), mac1: [UInt8](repeating: 2, count: 16))
        #expect(try WireInspector.describe(hex: Hex.string(initiation.encode()), as: .datagram).contains("handshake initiation cluster=7 sender=3 sender-index=99"))
        let response = HandshakeResponse(clusterID: 7, senderIndex: 5, receiverIndex: 99, noise: [UInt8](repeating: 1, count: 48), mac1: [UInt8](repeating: 2, count: 16))
        #expect(try WireInspector.describe(hex: Hex.string(response.encode()), as: .datagram).contains("handshake response cluster=7 sender-index=5 receiver-index=99"))
    }

    @Test func decodesFramesAndShowsEntries() throws {
        let append = AppendEntries(term: 3, prevLogIndex: 10, prevLogTerm: 3, leaderCommit: 9, entries: [LogEntry(term: 3, kind: .noop)])
        let text = try WireInspector.describe(hex: Hex.string(append.encodedFrame()), as: .frames)
        #expect(text == "AppendEntries term=3 prev=(10, term 3) commit=9 entries: [#11 term=3 noop 0 B]")
    }

    @Test func badBytesGiveBothReadingsErrors() {
        do {
            // Kind 0 is the one reserved kind left (15 is MemberChange).
            _ = try WireInspector.describe(hex: "8700")
            Issue.record("8700 decoded")
        } catch {
            #expect(error.description.contains("as a datagram: datagram version at byte 0"))
            #expect(error.description.contains("as frames: frame type at byte 0: unknown kind 0"))
        }
    }

    @Test func emptyAndMalformedHexAreClearErrors() {
        #expect(throws: WireInspector.Failure.self) { try WireInspector.describe(hex: "") }
        do {
            _ = try WireInspector.describe(hex: "zz")
        } catch {
            #expect(error.description == "invalid hex at character 0: 'z' is not a hex digit")
        }
    }

    /// A payload error in a plain datagram is located in the datagram (12 header bytes
    /// on); one inside an inflated batch is not, and the tool says so.
    @Test func payloadErrorsAreLocatedInTheDatagramUnlessInflated() throws {
        let header = DatagramHeader(kind: .plain, ackEliciting: true, clusterID: 7, receiverIndex: 3, packetNumber: try #require(PacketNumber(9)))
        var datagram: [UInt8] = []
        header.encode(into: &datagram)
        // TimeoutNow with a term of 2^48: payload byte 1.
        var bad = datagram + [0x80 | 8 << 3]
        bad.appendVarint(UInt64(1) << 48)
        do {
            _ = try WireInspector.describe(hex: Hex.string(bad), as: .datagram)
            Issue.record("decoded")
        } catch {
            #expect(error.description.hasSuffix("term at byte 1: value 281474976710656 is out of range (datagram byte 13)"), "\(error)")
        }
        // An unknown entry kind at byte 2 of an inflated batch.
        var raw: [UInt8] = [1, 0, 9]
        raw.appendLengthPrefixed([UInt8](repeating: 0, count: 300))
        var compressed = datagram + [0x80 | 4 << 3 | 1, 1, 0, 0, 0]
        compressed.appendVarint(raw.count)
        let streamAt = compressed.count
        compressed += try #require(Deflate.compress(raw))
        do {
            _ = try WireInspector.describe(hex: Hex.string(compressed), as: .datagram)
            Issue.record("decoded")
        } catch {
            #expect(error.description.contains("byte 2 of the inflated batch, not of the datagram; its deflate stream starts at datagram byte \(streamAt)"), "\(error)")
            #expect(!error.description.contains("datagram byte 14"))
        }
    }
}
