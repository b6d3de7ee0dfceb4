import Wire

/// Decodes bytes an operator pasted — a whole datagram or a payload of frames — into text.
public enum WireInspector {
    public enum Form: String, Sendable, CaseIterable {
        case auto, datagram, frames
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The decoded form as text, or a `Failure` naming what is wrong and where.
    public static func describe(hex: String, as form: Form = .auto, limits: WireLimits = .default) throws(Failure) -> String {
        let bytes: [UInt8]
        do {
            bytes = try Hex.parse(hex)
        } catch {
            throw Failure(description: error.description)
        }
        guard !bytes.isEmpty else { throw Failure(description: "no bytes given") }
        switch form {
        case .datagram:
            return try asDatagram(bytes, limits).get()
        case .frames:
            return try asFrames(bytes, limits).get()
        case .auto:
            // A datagram starts with version 1 in its high nibble; a frame may too, so on
            // failure the other reading is tried and both errors are reported.
            let datagram = asDatagram(bytes, limits)
            if case .success(let text) = datagram { return text }
            let frames = asFrames(bytes, limits)
            if case .success(let text) = frames { return text }
            var reasons: [String] = []
            if case .failure(let e) = datagram { reasons.append("as a datagram: \(e.description)") }
            if case .failure(let e) = frames { reasons.append("as frames: \(e.description)") }
            throw Failure(description: reasons.joined(separator: "\n"))
        }
    }

    private static func asDatagram(_ bytes: [UInt8], _ limits: WireLimits) -> Result<String, Failure> {
        switch DatagramKind.of(bytes) {
        case .initiation?:
            do {
                let m = try HandshakeInitiation.decode(bytes)
                return .success("handshake initiation cluster=\(m.clusterID) sender=\(m.sender) sender-index=\(m.senderIndex) (Noise message \(m.noise.count) B, mac1 \(Hex.string(m.mac1)), mac2 \(Hex.string(m.mac2)))")
            } catch {
                return .failure(Failure(description: error.description))
            }
        case .response? where CookieReply.isCookieReply(bytes):
            do {
                let m = try CookieReply.decode(bytes)
                return .success("cookie reply cluster=\(m.clusterID) receiver-index=\(m.receiverIndex) (nonce \(Hex.string(m.nonce)), sealed cookie \(m.sealedCookie.count) B)")
            } catch {
                return .failure(Failure(description: error.description))
            }
        case .response?:
            do {
                let m = try HandshakeResponse.decode(bytes)
                return .success("handshake response cluster=\(m.clusterID) sender-index=\(m.senderIndex) receiver-index=\(m.receiverIndex) (Noise message \(m.noise.count) B, mac1 \(Hex.string(m.mac1)))")
            } catch {
                return .failure(Failure(description: error.description))
            }
        default:
            break
        }
        let parts: DatagramParts
        do {
            parts = try DatagramParts.split(bytes, limits: limits)
        } catch {
            return .failure(Failure(description: error.description))
        }
        let h = parts.header
        var lines = [
            "datagram v\(DatagramHeader.version) \(h.kind) cluster=\(h.clusterID) receiver-index=\(h.receiverIndex) "
                + "packet=\(h.packetNumber)\(h.ackEliciting ? " ack-eliciting" : "")"
        ]
        switch h.kind {
        case .sealed:
            lines.append("  ciphertext \(parts.body.count) B, tag \(Hex.string(parts.tag ?? [])) (needs the session's key to open)")
            return .success(lines.joined(separator: "\n"))
        case .initiation, .response:
            return .success(lines.joined(separator: "\n"))
        case .plain:
            do {
                let messages = try Payload.decode(parts.body, limits: limits)
                lines += messages.map { "  " + render($0) }
                return .success(lines.joined(separator: "\n"))
            } catch {
                return .failure(Failure(description: "payload: \(error.description) (\(datagramPosition(of: error)))"))
            }
        }
    }

    /// Where a payload error lies in the datagram. Offsets count from the payload, so the
    /// header's 12 bytes are added — except inside an inflated batch, whose offsets count
    /// in bytes the datagram does not hold; then only its deflate stream can be located.
    static func datagramPosition(of error: WireError) -> String {
        if let stream = error.inflatedFromOffset {
            return "byte \(error.offset) of the inflated batch, not of the datagram; its deflate stream starts at datagram byte \(stream + DatagramHeader.size)"
        }
        return "datagram byte \(error.offset + DatagramHeader.size)"
    }

    private static func asFrames(_ bytes: [UInt8], _ limits: WireLimits) -> Result<String, Failure> {
        do {
            return .success(try Payload.decode(bytes, limits: limits).map(render).joined(separator: "\n"))
        } catch {
            return .failure(Failure(description: error.description))
        }
    }

    /// One message per line; byte fields are shown by size and a short hex prefix.
    public static func render(_ message: Message) -> String {
        switch message {
        case .appendEntries(let m):
            let entries = m.entries.enumerated().map { i, e in
                "#\(m.prevLogIndex + 1 + UInt64(i)) term=\(e.term) \(e.kind) \(bytesSummary(e.payload))"
            }
            return "AppendEntries term=\(m.term) prev=(\(m.prevLogIndex), term \(m.prevLogTerm)) commit=\(m.leaderCommit)"
                + (entries.isEmpty ? " heartbeat" : " entries: [" + entries.joined(separator: ", ") + "]")
        case .installSnapshot(let m):
            return "InstallSnapshot term=\(m.term) last=(\(m.lastIncludedIndex), term \(m.lastIncludedTerm)) "
                + "offset=\(m.offset) done=\(m.done) data=\(bytesSummary(m.data))"
        case .fragment(let m):
            return "Fragment message=\(m.messageID) \(m.index + 1)/\(m.count) data=\(bytesSummary(m.data))"
        case .ack(let m):
            let ranges = m.ranges.map { "\($0.lowest)…\($0.highest)" }.joined(separator: ", ")
            return "Ack [\(ranges)] delay=\(m.delayMicros)µs"
        case .requestVote(let m): return String(describing: m)
        case .voteResponse(let m): return String(describing: m)
        case .appendResponse(let m): return String(describing: m)
        case .snapshotResponse(let m): return String(describing: m)
        case .timeoutNow(let m): return String(describing: m)
        case .deployRequest(let m): return String(describing: m)
        case .deployResult(let m): return String(describing: m)
        case .deployTransfer(let m): return String(describing: m)
        case .deployAck(let m): return String(describing: m)
        case .memberChange(let m): return String(describing: m)
        case .sequence(let m): return "Sequence #\(m.number) (the next frame is reliable)"
        }
    }

    private static func bytesSummary(_ bytes: [UInt8]) -> String {
        let shown = Hex.string(Array(bytes.prefix(16)))
        return "\(bytes.count) B" + (bytes.isEmpty ? "" : " \(shown)\(bytes.count > 16 ? "…" : "")")
    }
}
