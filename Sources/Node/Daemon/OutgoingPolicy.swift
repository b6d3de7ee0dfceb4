import Raft
import Transport
import Wire

/// How each message goes out: which are retransmitted by Transport, which a newer one may
/// replace, and for how long delivery is tried. Raft repeats what matters itself (heartbeats
/// every tick, appends after `appendRetryTicks`), so only what a lost datagram would stall
/// for a whole retry is sent reliably.
public enum OutgoingPolicy {
    /// A reliable message is given up after this long.
    public static let deadlineMicros: UInt64 = 5_000_000

    public static func outgoing(_ message: Message, nowMicros: UInt64) -> OutgoingMessage {
        let deadline = nowMicros &+ deadlineMicros
        switch message {
        case .appendEntries(let append) where append.entries.isEmpty && !append.retiring:
            // A heartbeat: the next one repeats it; a queued older one is worthless.
            return OutgoingMessage(message, reliable: false, deadlineMicros: deadline, supersedeKey: "heartbeat")
        // A retiring leader's last heartbeat carries the commit index the followers need
        // to apply its decisions: it falls through to reliable.
        case .appendResponse:
            // Responses are cumulative (the match index), so a newer one replaces an older.
            return OutgoingMessage(message, reliable: true, deadlineMicros: deadline, supersedeKey: "append-response")
        case .installSnapshot, .snapshotResponse:
            return OutgoingMessage(message, reliable: true, trafficClass: .bulk, deadlineMicros: deadline)
        default:
            return OutgoingMessage(message, reliable: true, deadlineMicros: deadline)
        }
    }
}
