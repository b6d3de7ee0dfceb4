import Wire

/// Settings of one node's links.
public struct PeerLinkConfig: Sendable {
    /// Bytes of frames per datagram (header and tag come on top); at most
    /// `TransportDefaults.maxPayloadBudget`, and at least 256.
    public var payloadBudget: Int = TransportDefaults.payloadBudget
    public var rtt = RTTEstimator.Bounds()
    /// Reliable messages queued or unacknowledged per peer; past it, new ones are refused.
    public var maxQueuedMessages: Int = 1024
    /// Ack-eliciting packets in flight per peer.
    public var maxPacketsInFlight: Int = 256
    /// How entry batches are compressed (nil: never).
    public var compression: BatchCompression? = BatchCompression()
    public var reassemblyConcurrent: Int = 4
    public var reassemblyBytes: Int = 2 * 1024 * 1024
    public var reassemblyTimeoutMicros: UInt64 = 30_000_000

    public init() {}
}

/// Counters and estimates of one peer, for the node's status command.
public struct PeerStats: Sendable, Equatable {
    public var smoothedRTTMicros: UInt64?
    public var rttVariationMicros: UInt64 = 0
    public var timeoutMicros: UInt64 = 0
    public var datagramsSent = 0
    public var bytesSent = 0
    public var datagramsReceived = 0
    public var bytesReceived = 0
    public var messagesRetransmitted = 0
    public var packetsLost = 0
    public var messagesGivenUp = 0
    /// What this peer's links dropped after authentication (duplicates, malformed
    /// payloads, refused message numbers, acks for unsent packets, reassembly).
    public var drops = DropCounters()
    /// Entry-batch bytes before and after compression, for the compression ratio.
    public var batchBytesRaw = 0
    public var batchBytesSent = 0
}

/// What a link wants done after an input.
public struct PeerLinkOutput: Sendable, Equatable {
    /// Sealed datagrams to send to the peer, in order.
    public var datagrams: [[UInt8]] = []
    /// Handles of reliable messages given up (deadline passed, or the queue was full).
    public var gaveUp: [UInt64] = []
    /// When `poll` must run again at the latest (nil: only on new input).
    public var nextWakeupMicros: UInt64?
}

/// The reliability state machine for one peer: pure, driven by time given as input.
///
/// Sending: reliable messages get a message number (a Sequence frame in front of them)
/// and are retransmitted, in new packets, until acknowledged or past their deadline.
/// Packets are numbered once and never reused; a packet counts as lost when three later
/// ones are acknowledged or 9/8 of an RTT after a later one was; with nothing
/// acknowledged for an RTO (RFC 6298, doubling), everything in flight is sent again.
/// Control traffic goes before bulk; a message superseded by a newer one with the same
/// key leaves the queues; messages larger than a datagram travel as fragments.
///
/// Receiving: acks every packet (delayed at most 25 ms, at once on every second packet or
/// a gap, piggybacked on data), delivers each reliable message once, reassembles fragments.
public struct PeerLink: Sendable {
    struct Unit: Sendable {
        /// The message as a frame with its length; the Sequence frame in front of it is
        /// written into each datagram that carries it.
        var messageFrame: [UInt8]
        var trafficClass: TrafficClass
        var deadline: UInt64
        var supersedeKey: String?
        var handle: UInt64
        var transmissions = 0
        var queued = true
        func size(number: UInt64) -> Int { MessageSequence(number: number).frameSize + messageFrame.count }
    }

    /// A packet awaiting its ack; only ack-eliciting packets are remembered.
    struct SentPacket: Sendable {
        var time: UInt64
        var units: [UInt64]
        var containsRetransmission: Bool
    }

    public let peer: NodeID
    public let config: PeerLinkConfig
    var sealer: DatagramSealer
    var nextPacket: UInt64 = 0
    var nextMessageNumber: UInt64 = 0
    var units: [UInt64: Unit] = [:]
    /// At or before the earliest deadline of `units` (nil: no units): kept exact when
    /// deadlines expire, left early when units are acknowledged — so a poll finding
    /// nothing due does not scan every unit.
    var earliestDeadline: UInt64?
    var controlQueue: [UInt64] = []
    var bulkQueue: [UInt64] = []
    var unreliable: [(frame: [UInt8], key: String?, trafficClass: TrafficClass)] = []
    var sent: [UInt64: SentPacket] = [:]
    var largestAcked: UInt64?
    var lastAckElicitingSentAt: UInt64?
    var lossTimer: UInt64?
    var rtt: RTTEstimator
    var acks = AckTracker()
    var delivered = DeliveredSet()
    var reassembler: Reassembler
    var pendingGiveUps: [UInt64] = []
    var stats = PeerStats()

    public init(peer: NodeID, sealer: DatagramSealer, config: PeerLinkConfig = PeerLinkConfig()) {
        self.peer = peer
        self.sealer = sealer
        var config = config
        config.payloadBudget = min(max(config.payloadBudget, 256), TransportDefaults.maxPayloadBudget)
        self.config = config
        self.rtt = RTTEstimator(bounds: config.rtt)
        self.reassembler = Reassembler(limits: .init(
            concurrent: config.reassemblyConcurrent, bytes: config.reassemblyBytes, timeoutMicros: config.reassemblyTimeoutMicros))
    }

    public var statistics: PeerStats {
        var s = stats
        s.smoothedRTTMicros = rtt.smoothedMicros
        s.rttVariationMicros = rtt.variationMicros
        s.timeoutMicros = rtt.timeoutMicros
        s.drops.add(reassembler.drops)
        return s
    }

    /// Reliable messages queued or awaiting acknowledgement.
    public var outstanding: Int { units.count }
    public var packetsInFlight: Int { sent.count }
    /// Packets numbered so far: the session's nonce counter.
    public var packetsSent: UInt64 { nextPacket }

    /// A reliable message taken from an ended link, to be sent again on the next one.
    struct Unacknowledged: Sendable {
        var messageFrame: [UInt8]
        var trafficClass: TrafficClass
        var deadline: UInt64
        var supersedeKey: String?
        var handle: UInt64
    }

    /// Ends the link with its session: every reliable message not acknowledged is given
    /// up (returned once per handle, with those already due) — or, with `keeping`, handed
    /// back to be sent on the next session, except fragments (their message id belongs to
    /// this link's numbering, and a piece may have been acknowledged by a reassembly that
    /// is gone), which are given up. Unreliable messages are dropped. The receiving state
    /// goes with the link, so nothing of it meets a later session's.
    mutating func abandon(keeping: Bool = false) -> (gaveUp: [UInt64], kept: [Unacknowledged]) {
        var handles = pendingGiveUps
        var kept: [Unacknowledged] = []
        for number in units.keys.sorted() {
            guard let unit = units[number] else { continue }
            if keeping && !Self.isFragment(unit.messageFrame) {
                kept.append(Unacknowledged(
                    messageFrame: unit.messageFrame, trafficClass: unit.trafficClass, deadline: unit.deadline,
                    supersedeKey: unit.supersedeKey, handle: unit.handle))
                continue
            }
            stats.messagesGivenUp += 1
            // A fragmented message is one handle, reported once.
            if unit.handle == 0 || !handles.contains(unit.handle) { handles.append(unit.handle) }
        }
        units = [:]
        controlQueue = []
        bulkQueue = []
        unreliable = []
        sent = [:]
        pendingGiveUps = []
        earliestDeadline = nil
        return (handles, kept)
    }

    /// Takes over a message an ended link of the same peer had not had acknowledged; it
    /// gets this link's next message number.
    mutating func adopt(_ message: Unacknowledged) {
        guard units.count < config.maxQueuedMessages else { return refuse(message.handle) }
        let number = nextMessageNumber
        nextMessageNumber += 1
        earliestDeadline = min(earliestDeadline ?? message.deadline, message.deadline)
        units[number] = Unit(
            messageFrame: message.messageFrame, trafficClass: message.trafficClass,
            deadline: message.deadline, supersedeKey: message.supersedeKey, handle: message.handle)
        queue(number, message.trafficClass)
    }

    /// Whether a frame (written with its length) is a Fragment.
    static func isFragment(_ frame: [UInt8]) -> Bool {
        guard let type = frame.first else { return false }
        return (type >> 3) & 0x0F == FrameKind.fragment.rawValue
    }

    /// A datagram with an empty payload: tells a responder that the handshake completed
    /// when there is nothing else to send; `ackEliciting`, the peer acknowledges it, so the
    /// sender learns it arrived. Nil if sealing failed.
    public mutating func keepalive(ackEliciting: Bool = false) -> [UInt8]? {
        guard let packet = PacketNumber(nextPacket) else { return nil }
        nextPacket += 1
        var datagram = DatagramSealer.newDatagram(payloadCapacity: 0)
        guard sealer.seal(&datagram, packet: packet, ackEliciting: ackEliciting) else { return nil }
        stats.datagramsSent += 1
        stats.bytesSent += datagram.count
        return datagram
    }

    // MARK: - Sending

    /// Queues a message. Returns false (and reports its handle as given up at the next
    /// poll) when the queue is full or the message is too large to fragment.
    @discardableResult
    public mutating func enqueue(_ outgoing: OutgoingMessage) -> Bool {
        if let key = outgoing.supersedeKey { supersede(key) }
        var frame: [UInt8] = []
        // Most frames are smaller: one allocation instead of a few while the frame grows.
        frame.reserveCapacity(128)
        outgoing.message.encodeFrame(into: &frame, last: false, compression: outgoing.trafficClass == .bulk ? config.compression : nil)
        if case .appendEntries(let append) = outgoing.message, !append.entries.isEmpty {
            var raw: [UInt8] = []
            outgoing.message.encodeFrame(into: &raw, last: false)
            stats.batchBytesRaw += raw.count
            stats.batchBytesSent += frame.count
        }
        guard outgoing.reliable else {
            unreliable.append((frame, outgoing.supersedeKey, outgoing.trafficClass))
            if unreliable.count > config.maxQueuedMessages { unreliable.removeFirst() }
            return true
        }
        // Room for an ack frame and the Sequence frame beside the message.
        let room = config.payloadBudget - 64
        if frame.count <= room {
            return addUnit(frame, outgoing)
        }
        // Too large for one datagram: fragments of the payload holding the message alone.
        let payload = Self.lastForm(frame)
        let chunk = room - 24
        let count = (payload.count + chunk - 1) / chunk
        guard count <= WireLimits.default.maxFragmentsPerMessage,
              units.count + count <= config.maxQueuedMessages else {
            refuse(outgoing.handle)
            return false
        }
        let messageID = nextMessageNumber
        for index in 0..<count {
            let piece = Array(payload[(index * chunk)..<min((index + 1) * chunk, payload.count)])
            var pieceFrame: [UInt8] = []
            Fragment(messageID: messageID, index: index, count: count, data: piece).encodeFrame(into: &pieceFrame, last: false)
            _ = addUnit(pieceFrame, outgoing)
        }
        return true
    }

    private mutating func addUnit(_ frame: [UInt8], _ outgoing: OutgoingMessage) -> Bool {
        guard units.count < config.maxQueuedMessages else {
            refuse(outgoing.handle)
            return false
        }
        let number = nextMessageNumber
        nextMessageNumber += 1
        earliestDeadline = min(earliestDeadline ?? outgoing.deadlineMicros, outgoing.deadlineMicros)
        units[number] = Unit(
            messageFrame: frame, trafficClass: outgoing.trafficClass,
            deadline: outgoing.deadlineMicros, supersedeKey: outgoing.supersedeKey, handle: outgoing.handle)
        queue(number, outgoing.trafficClass)
        return true
    }

    private mutating func refuse(_ handle: UInt64) {
        stats.messagesGivenUp += 1
        pendingGiveUps.append(handle)
    }

    private mutating func queue(_ number: UInt64, _ trafficClass: TrafficClass) {
        switch trafficClass {
        case .control: controlQueue.append(number)
        case .bulk: bulkQueue.append(number)
        }
    }

    private mutating func supersede(_ key: String) {
        let stale = units.filter { $0.value.supersedeKey == key }.map(\.key)
        for number in stale { units[number] = nil }
        if !stale.isEmpty { pruneQueues() }
        unreliable.removeAll { $0.key == key }
    }

    /// A frame written with a length, rewritten as a payload's last frame (length omitted).
    static func lastForm(_ frame: [UInt8]) -> [UInt8] {
        var bytes = frame
        makeLastFrame(&bytes, at: 0)
        return bytes
    }

    /// Rewrites the frame starting at `offset` — the final one in `buffer`, written with
    /// its length — as a payload's last frame: sets the last-frame bit, drops the length.
    static func makeLastFrame(_ buffer: inout [UInt8], at offset: Int) {
        guard offset < buffer.count else { return }
        buffer[offset] |= 0x80
        var end = offset + 1
        while end < buffer.count && buffer[end] & 0x80 != 0 { end += 1 }
        buffer.removeSubrange((offset + 1)..<min(end + 1, buffer.count))
    }

    /// Makes the ack of everything received due at once (the next `poll` sends it).
    public mutating func acknowledgeNow() {
        acks.hurry()
    }

    /// Runs timers and sends what is due: call after every input and at `nextWakeupMicros`.
    public mutating func poll(now: UInt64) -> PeerLinkOutput {
        var output = PeerLinkOutput()
        expireDeadlines(now)
        detectLosses(now)
        if let lastSend = lastAckElicitingSentAt, !sent.isEmpty,
           now >= lastSend + rtt.timeoutMicros {
            // Nothing acknowledged for a whole RTO: send everything in flight again.
            rtt.timedOut()
            for (number, packet) in sent { markLost(number, packet) }
            lastAckElicitingSentAt = now
        }
        while let datagram = nextDatagram(now) {
            output.datagrams.append(datagram)
        }
        output.gaveUp = pendingGiveUps
        pendingGiveUps = []
        output.nextWakeupMicros = nextWakeup()
        return output
    }

    private mutating func expireDeadlines(_ now: UInt64) {
        guard let floor = earliestDeadline, floor <= now else { return }
        let expired = units.filter { $0.value.deadline <= now }
        for (number, unit) in expired.sorted(by: { $0.key < $1.key }) {
            units[number] = nil
            stats.messagesGivenUp += 1
            // A fragmented message is one handle, reported once.
            if !pendingGiveUps.contains(unit.handle) || unit.handle == 0 { pendingGiveUps.append(unit.handle) }
        }
        earliestDeadline = units.values.lazy.map(\.deadline).min()
        if !expired.isEmpty { pruneQueues() }
    }

    /// Drops message numbers whose units are gone (acknowledged, superseded, expired).
    private mutating func pruneQueues() {
        controlQueue.removeAll { units.index(forKey: $0) == nil }
        bulkQueue.removeAll { units.index(forKey: $0) == nil }
    }

    private func nextWakeup() -> UInt64? {
        var next: UInt64?
        func consider(_ time: UInt64?) {
            if let time { next = min(next ?? time, time) }
        }
        consider(acks.ackDeadline)
        consider(lossTimer)
        if let lastSend = lastAckElicitingSentAt, !sent.isEmpty {
            consider(lastSend + rtt.timeoutMicros)
        }
        consider(earliestDeadline)
        return next
    }

    /// Builds one datagram from what is due, or nil when nothing is. Frames are written
    /// straight into the datagram buffer, which is then sealed in place.
    private mutating func nextDatagram(_ now: UInt64) -> [UInt8]? {
        let hasData = !controlQueue.isEmpty || !bulkQueue.isEmpty || !unreliable.isEmpty
        let ackDue = acks.ackDeadline.map { $0 <= now } ?? false
        guard ackDue || (hasData && sent.count < config.maxPacketsInFlight) else { return nil }

        var datagram = DatagramSealer.newDatagram(payloadCapacity: config.payloadBudget)
        let budgetEnd = DatagramHeader.size + config.payloadBudget
        var lastFrameAt: Int?
        if acks.pendingSince != nil, let ack = acks.makeAck(at: now) {
            lastFrameAt = datagram.count
            ack.encodeFrame(into: &datagram, last: false)
        }
        let acksEnd = datagram.count
        var carried: [UInt64] = []
        var retransmission = false
        if sent.count < config.maxPacketsInFlight {
            // Each queue is taken out of `self` while it is worked on, so that removing
            // from it does not copy it.
            var queue: [UInt64] = []
            swap(&queue, &controlQueue)
            takeUnits(from: &queue, into: &datagram, budgetEnd: budgetEnd, lastFrameAt: &lastFrameAt, carried: &carried, retransmission: &retransmission)
            swap(&queue, &controlQueue)
            // Unreliable control frames ride before any bulk.
            while let first = unreliable.first, datagram.count + first.frame.count <= budgetEnd {
                unreliable.removeFirst()
                lastFrameAt = datagram.count
                datagram += first.frame
            }
            swap(&queue, &bulkQueue)
            takeUnits(from: &queue, into: &datagram, budgetEnd: budgetEnd, lastFrameAt: &lastFrameAt, carried: &carried, retransmission: &retransmission)
            swap(&queue, &bulkQueue)
        }
        guard let lastFrameAt else { return nil }
        // Anything beyond an ack asks to be acknowledged.
        let elicits = datagram.count > acksEnd
        Self.makeLastFrame(&datagram, at: lastFrameAt)
        guard let packet = PacketNumber(nextPacket) else { return nil }
        nextPacket += 1
        guard sealer.seal(&datagram, packet: packet, ackEliciting: elicits) else { return nil }
        stats.datagramsSent += 1
        stats.bytesSent += datagram.count
        if elicits {
            sent[packet.value] = SentPacket(time: now, units: carried, containsRetransmission: retransmission)
            lastAckElicitingSentAt = now
        }
        return datagram
    }

    /// Moves units from the front of `queue` into the datagram while they fit.
    private mutating func takeUnits(
        from queue: inout [UInt64], into datagram: inout [UInt8], budgetEnd: Int,
        lastFrameAt: inout Int?, carried: inout [UInt64], retransmission: inout Bool
    ) {
        var taken = 0
        // Units are read and updated where they lie in the dictionary (one lookup each,
        // no copy of their frames).
        while taken < queue.count, let slot = units.index(forKey: queue[taken]) {
            let number = queue[taken]
            guard datagram.count + units.values[slot].size(number: number) <= budgetEnd else { break }
            carried.append(number)
            taken += 1
            MessageSequence(number: number).encodeFrame(into: &datagram, last: false)
            lastFrameAt = datagram.count
            datagram += units.values[slot].messageFrame
            if units.values[slot].transmissions > 0 {
                retransmission = true
                stats.messagesRetransmitted += 1
            }
            units.values[slot].transmissions += 1
            units.values[slot].queued = false
        }
        queue.removeFirst(taken)
    }

    // MARK: - Receiving

    /// Takes a datagram that passed the gate; returns the messages to deliver, each once.
    public mutating func receive(_ datagram: OpenedDatagram, now: UInt64) -> [Message] {
        stats.datagramsReceived += 1
        stats.bytesReceived += datagram.payload.count + DatagramHeader.size
        if datagram.payload.isEmpty {
            // A keepalive: authenticated by the session; acknowledged if it asks to be.
            _ = acks.received(datagram.header.packetNumber.value, ackEliciting: datagram.header.ackEliciting, at: now)
            return []
        }
        let frames: [Message]
        do {
            frames = try Payload.decode(datagram.payload)
        } catch {
            stats.drops.count(.malformed)
            return []
        }
        if acks.contains(datagram.header.packetNumber.value) {
            stats.drops.count(.duplicate)
            return []
        }
        // The packet is acknowledged only after its frames are taken: a fragment the
        // reassembler refuses must not be, so that the sender sends it again.
        var refusedFragment = false
        defer {
            if !refusedFragment {
                _ = acks.received(datagram.header.packetNumber.value, ackEliciting: datagram.header.ackEliciting, at: now)
            }
        }
        var deliveries: [Message] = []
        var i = 0
        while i < frames.count {
            switch frames[i] {
            case .ack(let ack):
                onAck(ack, now)
            case .sequence(let sequence):
                guard i + 1 < frames.count, !Self.isTransportFrame(frames[i + 1]) else {
                    stats.drops.count(.malformed)
                    return deliveries
                }
                i += 1
                guard delivered.admits(sequence.number) else {
                    stats.drops.count(.messageNumberRefused)
                    break
                }
                guard !delivered.contains(sequence.number) else {
                    stats.drops.count(.duplicate)
                    break
                }
                if case .fragment(let fragment) = frames[i] {
                    // Marked delivered only once the reassembler took it.
                    switch reassembler.add(fragment, at: now) {
                    case .refused:
                        refusedFragment = true
                    case .complete(let whole):
                        _ = delivered.insert(sequence.number)
                        deliveries += reassembled(whole)
                    case .held, .duplicate:
                        _ = delivered.insert(sequence.number)
                    }
                } else {
                    _ = delivered.insert(sequence.number)
                    deliveries.append(frames[i])
                }
            case .fragment:
                // Fragments only travel as reliable messages.
                stats.drops.count(.malformed)
            default:
                deliveries.append(frames[i])
            }
            i += 1
        }
        return deliveries
    }

    static func isTransportFrame(_ message: Message) -> Bool {
        switch message {
        case .ack, .sequence: true
        default: false
        }
    }

    private mutating func reassembled(_ payload: [UInt8]) -> [Message] {
        guard let messages = try? Payload.decode(payload),
              !messages.contains(where: { Self.isTransportFrame($0) || { if case .fragment = $0 { true } else { false } }($0) })
        else {
            stats.drops.count(.malformed)
            return []
        }
        return messages
    }

    private mutating func onAck(_ ack: AckFrame, _ now: UInt64) {
        // Acks for packets never sent prove nothing; trusting `largest` would declare
        // every packet in flight lost.
        guard ack.largest < nextPacket else { return stats.drops.count(.ackForUnsent) }
        let newly = sent.keys.filter { pn in ack.ranges.contains { $0.lowest <= pn && pn <= $0.highest } }
        guard let largestNew = newly.max() else { return }
        if let packet = sent[largestNew], !packet.containsRetransmission, largestNew == ack.largest {
            // Karn's rule: only packets sent once give RTT samples.
            rtt.add(measuredMicros: now >= packet.time ? now - packet.time : 0, ackDelayMicros: ack.delayMicros)
        }
        var queuedAcked = false
        for pn in newly {
            guard let packet = sent.removeValue(forKey: pn) else { continue }
            for number in packet.units {
                // Still queued: marked lost and waiting to be resent, now needlessly.
                if units.removeValue(forKey: number)?.queued == true { queuedAcked = true }
            }
        }
        if queuedAcked { pruneQueues() }
        largestAcked = max(largestAcked ?? 0, ack.largest)
        detectLosses(now)
    }

    private mutating func detectLosses(_ now: UInt64) {
        lossTimer = nil
        guard let largest = largestAcked else { return }
        let delay = rtt.lossDelayMicros
        for (pn, packet) in sent where pn < largest {
            if largest - pn >= 3 || packet.time + delay <= now {
                markLost(pn, packet)
            } else {
                lossTimer = min(lossTimer ?? .max, packet.time + delay)
            }
        }
    }

    private mutating func markLost(_ pn: UInt64, _ packet: SentPacket) {
        sent[pn] = nil
        stats.packetsLost += 1
        for number in packet.units {
            guard let unit = units[number], !unit.queued else { continue }
            units[number]?.queued = true
            // Resent ahead of anything new of its class.
            switch unit.trafficClass {
            case .control: controlQueue.insert(number, at: 0)
            case .bulk: bulkQueue.insert(number, at: 0)
            }
        }
    }
}
