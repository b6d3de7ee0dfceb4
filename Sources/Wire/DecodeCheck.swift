/// Runs every decoder over one input and checks what they accept: each either rejects the
/// bytes with a `WireError` or yields a value whose encoding is exactly those bytes (one
/// canonical form). The fuzzers and the regression tests share this one property.
public enum DecodeCheck {
    /// What a decoder made of the input.
    public enum Outcome: Equatable, Sendable {
        case rejected(WireError)
        case accepted
        /// Decoded, but encoding the result again does not give the input back.
        case notCanonical(String)
    }

    /// Decodes `bytes` as a datagram, as a payload of frames, as each log entry payload and
    /// as a handshake message.
    public static func all(_ bytes: [UInt8], limits: WireLimits = .default) -> [Outcome] {
        [datagram(bytes, limits), payload(bytes, limits), decisionEntry(bytes, limits), outcomeEntry(bytes, limits), memberRecord(bytes, limits),
         handshake(bytes)]
    }

    /// Decodes `bytes` as a handshake initiation, response or cookie reply (by its first byte).
    public static func handshake(_ bytes: [UInt8]) -> Outcome {
        do {
            switch DatagramKind.of(bytes) {
            case .initiation?:
                return try HandshakeInitiation.decode(bytes).encode() == bytes ? .accepted : .notCanonical("initiation re-encodes differently")
            case .response? where CookieReply.isCookieReply(bytes):
                return try CookieReply.decode(bytes).encode() == bytes ? .accepted : .notCanonical("cookie reply re-encodes differently")
            case .response?:
                return try HandshakeResponse.decode(bytes).encode() == bytes ? .accepted : .notCanonical("response re-encodes differently")
            default:
                return .rejected(WireError(.unknownKind(UInt64(bytes.first ?? 0)), at: 0, field: "handshake first byte"))
            }
        } catch {
            return .rejected(error)
        }
    }

    /// The first violation in `outcomes`, if any.
    public static func firstViolation(_ outcomes: [Outcome]) -> String? {
        for case .notCanonical(let why) in outcomes { return why }
        return nil
    }

    public static func datagram(_ bytes: [UInt8], _ limits: WireLimits = .default) -> Outcome {
        do {
            let parts = try DatagramParts.split(bytes, limits: limits)
            var again: [UInt8] = []
            parts.header.encode(into: &again)
            again += parts.body + (parts.tag ?? [])
            guard again == bytes else { return .notCanonical("datagram split does not re-join") }
            return parts.header.kind == .plain ? payload(parts.body, limits) : .accepted
        } catch {
            return .rejected(error)
        }
    }

    public static func payload(_ bytes: [UInt8], _ limits: WireLimits = .default) -> Outcome {
        do {
            let messages = try Payload.decode(bytes, limits: limits)
            let again = Payload.encode(messages)
            if again == bytes { return .accepted }
            // A compressed batch may come from another deflate encoder; its content must
            // still survive a round trip.
            let hasBatch = messages.contains { if case .appendEntries(let a) = $0 { !a.entries.isEmpty } else { false } }
            if hasBatch, (try? Payload.decode(again, limits: limits)) == messages { return .accepted }
            return .notCanonical("payload re-encodes to \(Hex.string(again))")
        } catch {
            return .rejected(error)
        }
    }

    public static func decisionEntry(_ bytes: [UInt8], _ limits: WireLimits = .default) -> Outcome {
        do {
            let entry = try DecisionEntry.decode(bytes, limits: limits)
            return entry.encoded() == bytes ? .accepted : .notCanonical("decision entry re-encodes differently")
        } catch {
            return .rejected(error)
        }
    }

    public static func memberRecord(_ bytes: [UInt8], _ limits: WireLimits = .default) -> Outcome {
        do {
            let record = try MemberRecord.decode(bytes, limits: limits)
            return record.encoded() == bytes ? .accepted : .notCanonical("member record re-encodes differently")
        } catch {
            return .rejected(error)
        }
    }

    public static func outcomeEntry(_ bytes: [UInt8], _ limits: WireLimits = .default) -> Outcome {
        do {
            let entry = try OutcomeEntry.decode(bytes, limits: limits)
            return entry.encoded() == bytes ? .accepted : .notCanonical("outcome entry re-encodes differently")
        } catch {
            return .rejected(error)
        }
    }

    /// The compressed-batch path: the first two bytes (little-endian) declare the inflated
    /// length, the rest is the deflate stream of an AppendEntries batch (term 1, prev 0).
    public static func compressedBatch(_ bytes: [UInt8], _ limits: WireLimits = .default) -> Outcome {
        guard bytes.count >= 2 else { return .rejected(WireError(.truncated, at: bytes.count, field: "fuzz input")) }
        var frame: [UInt8] = [FrameTypeByte.make(kind: .appendEntries, flags: AppendEntries.compressedFlag, last: true), 1, 0, 0, 0]
        frame.appendVarint(UInt64(bytes[0]) | UInt64(bytes[1]) << 8)
        frame += bytes.dropFirst(2)
        return payload(frame, limits)
    }
}
