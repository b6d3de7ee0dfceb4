import Wire

/// Settings of one node's links.
public struct PeerLinkConfig: Sendable {
    /// Bytes of frames per datagram (header and tag come on top); at most
    /// `TransportDefaults.maxPayloadBudget`, and at least 256.
    public var payloadBudget: Int = TransportDefaults.payloadBudget
    public var rtt = RTTEstimator.Bounds()
    /// Reliable messages queued or unacknowledged per peer; past it, new ones are refused.
    public var maxQueuedMessages: Int = 1024
    /// Ack-eliciting packets in flight per peer, whatever the congestion window allows:
    /// it bounds the memory of sent packets.
    public var maxPacketsInFlight: Int = 256
    /// Datagrams' worth of bytes that control traffic (votes, heartbeats, responses) may
    /// have in flight beyond the congestion window, so that it never waits behind bulk.
    public var controlReserveDatagrams: Int = 2
    /// The congestion controller: the paced path model, or NewReno for comparison.
    public var congestionControl: CongestionControlAlgorithm = .bandwidthModel
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
    /// Bytes of message frames sent again (Sequence frames included).
    public var bytesRetransmitted = 0
    public var packetsLost = 0
    /// Packets declared lost whose ack came after all (overtaken, not lost: `ReorderingTracker`).
    public var spuriousLosses = 0
    public var messagesGivenUp = 0
    /// What this peer's links dropped after authentication (duplicates, malformed
    /// payloads, refused message numbers, acks for unsent packets, reassembly).
    public var drops = DropCounters()
    /// Entry-batch bytes before and after compression, for the compression ratio.
    public var batchBytesRaw = 0
    public var batchBytesSent = 0
    /// The congestion window and what is in flight now, in bytes (`CongestionController`).
    public var congestionWindowBytes = 0
    public var bytesInFlight = 0
    /// Window reductions on loss (one per recovery period) and collapses on persistent congestion.
    public var congestionEvents = 0
    public var persistentCongestionEvents = 0
    /// The path model's pacing rate and bottleneck estimate, bits per second (0: NewReno).
    public var pacingBitsPerSecond = 0
    public var bandwidthEstimateBitsPerSecond = 0
    /// Probe timeouts: no ack for a PTO, so one or two probes went out.
    public var probeTimeouts = 0
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
/// ones are acknowledged (more, once the link was seen to reorder: `ReorderingTracker`)
/// or 9/8 of an RTT after a later one was; with nothing
/// acknowledged for a PTO (the RFC 6298 RTO, doubling), up to two probes carry the oldest
/// messages in flight again. Bytes in flight are limited by a congestion window, and bulk
/// is paced (`CongestionController`: the path model, or NewReno). Control traffic goes
/// before bulk, is never held by the pacer, and may exceed the window by a small reserve; a message superseded by a newer one with the same key leaves the
/// queues; messages larger than a datagram travel as fragments.
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

    /// A packet an ack took out of `sent`. A struct, not a tuple: an array of tuples is
    /// emptied through the runtime's generic tuple destroy, a few hundred instructions an ack.
    struct Acknowledged: Sendable {
        var number: UInt64
        var packet: SentPacket
    }

    /// A packet awaiting its ack; only ack-eliciting packets are remembered.
    struct SentPacket: Sendable {
        var time: UInt64
        var units: CarriedUnits
        var containsRetransmission: Bool
        /// Sealed size, as counted in flight.
        var bytes: Int
        /// Its place among the ack-eliciting packets sent (1, 2, …): consecutive ones lost
        /// together have no acknowledged packet between them (persistent congestion).
        var ordinal: UInt64
        /// Whether it filled the congestion window (only those grow it when acknowledged).
        var windowLimited: Bool
        /// Whether it carries no bulk: counted against the control reserve.
        var controlOnly: Bool
        /// What the delivery-rate sampler kept when it went.
        var delivery: DeliveryRateSampler.PacketState
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
    /// Scratch for `onAck` and `receive` (always empty between calls).
    private var ackedScratch: [Acknowledged] = []
    private var framesScratch: [Message] = []
    /// At or below the lowest packet number in `sent` (at `nextPacket` when it is empty):
    /// an ack's ranges are looked at from here up, so one covering everything ever sent
    /// touches only what is still in flight.
    var lowestInFlight: UInt64 = 0
    var largestAcked: UInt64?
    var reordering = ReorderingTracker()
    var lastAckElicitingSentAt: UInt64?
    var lossTimer: UInt64?
    var rtt: RTTEstimator
    /// When the first RTT sample was taken: persistent congestion counts only packets
    /// sent after it (RFC 9002 §7.6.2).
    var firstRTTSampleAt: UInt64?
    var congestion: CongestionController
    var ackElicitingSent: UInt64 = 0
    /// Bytes in flight of packets carrying no bulk: control may always have the reserve's
    /// worth in flight, even when bulk sent before a window reduction still fills it.
    var controlBytesInFlight = 0
    /// Probes a PTO allows beyond the window; used up by the next ack-eliciting datagrams.
    var probesAllowed = 0
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
        self.congestion = Self.congestionController(config)
        self.reassembler = Reassembler(limits: .init(
            concurrent: config.reassemblyConcurrent, bytes: config.reassemblyBytes, timeoutMicros: config.reassemblyTimeoutMicros))
    }

    static func congestionController(_ config: PeerLinkConfig) -> CongestionController {
        let datagram = config.payloadBudget + TransportDefaults.overheadBytes
        return CongestionController(
            config.congestionControl, maxDatagramBytes: datagram, maximumWindowBytes: max(config.maxPacketsInFlight, 2) * datagram)
    }

    /// Bytes control traffic may have in flight beyond the congestion window.
    var controlReserveBytes: Int { max(config.controlReserveDatagrams, 0) * congestion.maxDatagramBytes }

    public var statistics: PeerStats {
        var s = stats
        s.congestionWindowBytes = congestion.windowBytes
        s.spuriousLosses = reordering.spuriousLosses
        s.bytesInFlight = congestion.bytesInFlight
        s.congestionEvents = congestion.congestionEvents
        s.persistentCongestionEvents = congestion.persistentCongestionEvents
        s.pacingBitsPerSecond = BandwidthModelController.bytes(congestion.pacingBytesPerSecond * 8)
        s.bandwidthEstimateBitsPerSecond = BandwidthModelController.bytes(congestion.bandwidthBytesPerSecond * 8)
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
        controlBytesInFlight = 0
        congestion = Self.congestionController(config)
        probesAllowed = 0
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
        var addressed: [(NodeID, [UInt8])] = []
        output.nextWakeupMicros = poll(now: now, datagrams: &addressed, gaveUp: &output.gaveUp)
        output.datagrams = addressed.map(\.1)
        return output
    }

    /// `poll(now:)` appending to the caller's arrays — each datagram with this link's
    /// peer — instead of returning fresh ones (the event loop polls once per message and
    /// keeps its arrays); returns `nextWakeupMicros`.
    public mutating func poll(now: UInt64, datagrams: inout [(NodeID, [UInt8])], gaveUp: inout [UInt64]) -> UInt64? {
        expireDeadlines(now)
        detectLosses(now)
        if let lastSend = lastAckElicitingSentAt, !sent.isEmpty,
           now >= lastSend + rtt.timeoutMicros {
            probeTimeout(now)
        }
        while let datagram = nextDatagram(now) {
            datagrams.append((peer, datagram))
        }
        if controlQueue.isEmpty && bulkQueue.isEmpty && unreliable.isEmpty { congestion.applicationLimited() }
        if !pendingGiveUps.isEmpty {
            gaveUp += pendingGiveUps
            pendingGiveUps.removeAll()
        }
        return nextWakeup(now)
    }

    /// Nothing acknowledged for a whole PTO (RFC 9002 §6.2): nothing is declared lost —
    /// up to two probes, beyond the window, carry the messages of the oldest packets in
    /// flight again (or new ones), and the timer backs off. What is lost is found when an
    /// ack comes, and then the window reacts.
    private mutating func probeTimeout(_ now: UInt64) {
        rtt.timedOut()
        stats.probeTimeouts += 1
        lastAckElicitingSentAt = now
        // Packets carrying nothing still awaited (acknowledged in other packets, expired,
        // superseded) need no ack: they leave the flight without a verdict on the path.
        for (pn, packet) in sent where !packet.units.contains(where: { units.index(forKey: $0) != nil }) {
            sent[pn] = nil
            leftFlight(packet)
            congestion.forget(bytes: packet.bytes)
        }
        guard !sent.isEmpty || !controlQueue.isEmpty || !bulkQueue.isEmpty else { return }
        probesAllowed = 2
        var oldest: [UInt64] = []
        var packets = 0
        for pn in sent.keys.sorted() where packets < 2 {
            guard let packet = sent[pn] else { continue }
            oldest += packet.units
            packets += 1
        }
        requeue(oldest)
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

    private func nextWakeup(_ now: UInt64) -> UInt64? {
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
        // Bulk held back by the pacer alone goes when it allows.
        if !bulkQueue.isEmpty, sent.count < config.maxPacketsInFlight, congestion.allowsSending() {
            consider(congestion.nextSendMicros(now: now))
        }
        return next
    }

    /// Builds one datagram from what is due, or nil when nothing is. Frames are written
    /// straight into the datagram buffer, which is then sealed in place.
    private mutating func nextDatagram(_ now: UInt64) -> [UInt8]? {
        let ackDue = acks.ackDeadline.map { $0 <= now } ?? false
        // What the congestion window (and a PTO's probes) let go now: control within the
        // window plus its reserve, bulk within the window.
        let roomInFlight = sent.count < config.maxPacketsInFlight
        let probing = probesAllowed > 0
        let controlMay = roomInFlight
            && (probing || congestion.allowsSending(extraBytes: controlReserveBytes) || controlBytesInFlight < controlReserveBytes)
        let bulkMay = roomInFlight && (probing || (congestion.allowsSending() && congestion.pacingAllows(now: now)))
        let sendsData = (controlMay && (!controlQueue.isEmpty || !unreliable.isEmpty)) || (bulkMay && !bulkQueue.isEmpty)
        guard ackDue || sendsData else { return nil }

        var datagram = DatagramSealer.newDatagram(payloadCapacity: config.payloadBudget)
        let budgetEnd = DatagramHeader.size + config.payloadBudget
        var lastFrameAt: Int?
        if acks.pendingSince != nil, let ack = acks.makeAck(at: now) {
            lastFrameAt = datagram.count
            ack.encodeFrame(into: &datagram, last: false)
        }
        let acksEnd = datagram.count
        var carried = CarriedUnits()
        var retransmission = false
        // Each queue is taken out of `self` while it is worked on, so that removing
        // from it does not copy it.
        var queue: [UInt64] = []
        if controlMay {
            swap(&queue, &controlQueue)
            takeUnits(from: &queue, into: &datagram, budgetEnd: budgetEnd, lastFrameAt: &lastFrameAt, carried: &carried, retransmission: &retransmission)
            swap(&queue, &controlQueue)
            // Unreliable control frames ride before any bulk.
            while let first = unreliable.first, datagram.count + first.frame.count <= budgetEnd {
                unreliable.removeFirst()
                lastFrameAt = datagram.count
                datagram += first.frame
            }
        }
        let bulkStart = carried.count
        if bulkMay {
            swap(&queue, &bulkQueue)
            takeUnits(from: &queue, into: &datagram, budgetEnd: budgetEnd, lastFrameAt: &lastFrameAt, carried: &carried, retransmission: &retransmission)
            swap(&queue, &bulkQueue)
        }
        let carriesBulk = carried.count > bulkStart
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
            // Limited by the window, not by what there was to send: data still waits, or
            // this datagram fills the window.
            let windowLimited = !controlQueue.isEmpty || !bulkQueue.isEmpty || congestion.fillsWindow(afterSending: datagram.count)
            let delivery = congestion.sent(bytes: datagram.count, now: now)
            ackElicitingSent += 1
            sent[packet.value] = SentPacket(
                time: now, units: carried, containsRetransmission: retransmission,
                bytes: datagram.count, ordinal: ackElicitingSent, windowLimited: windowLimited, controlOnly: !carriesBulk,
                delivery: delivery)
            if !carriesBulk { controlBytesInFlight += datagram.count }
            lastAckElicitingSentAt = now
            if probesAllowed > 0 { probesAllowed -= 1 }
        }
        return datagram
    }

    /// Moves units from the front of `queue` into the datagram while they fit.
    private mutating func takeUnits(
        from queue: inout [UInt64], into datagram: inout [UInt8], budgetEnd: Int,
        lastFrameAt: inout Int?, carried: inout CarriedUnits, retransmission: inout Bool
    ) {
        var taken = 0
        // Units are read and updated where they lie in the dictionary (one lookup each,
        // no copy of their frames).
        while taken < queue.count, let slot = units.index(forKey: queue[taken]) {
            let number = queue[taken]
            guard let (frameAt, size, resent) = Self.write(&units.values[slot], number: number, into: &datagram, budgetEnd: budgetEnd)
            else { break }
            carried.append(number)
            taken += 1
            lastFrameAt = frameAt
            if resent {
                retransmission = true
                stats.messagesRetransmitted += 1
                stats.bytesRetransmitted += size
            }
        }
        if taken > 0 { queue.removeFirst(taken) }
    }

    /// Writes a unit's Sequence frame and message frame if they fit, and counts the
    /// transmission; returns where the message frame starts, the bytes written, and
    /// whether it was sent before. The unit is lent in place: reading it through the
    /// dictionary's getter copied it (and retained its frame) three times a datagram.
    private static func write(
        _ unit: inout Unit, number: UInt64, into datagram: inout [UInt8], budgetEnd: Int
    ) -> (frameAt: Int, size: Int, resent: Bool)? {
        let size = unit.size(number: number)
        guard datagram.count + size <= budgetEnd else { return nil }
        MessageSequence(number: number).encodeFrame(into: &datagram, last: false)
        let frameAt = datagram.count
        datagram += unit.messageFrame
        let resent = unit.transmissions > 0
        unit.transmissions += 1
        unit.queued = false
        return (frameAt, size, resent)
    }

    // MARK: - Receiving

    /// Takes a datagram that passed the gate; returns the messages to deliver, each once.
    public mutating func receive(_ datagram: OpenedDatagram, now: UInt64) -> [Message] {
        var deliveries: [(NodeID, Message)] = []
        receive(datagram, now: now, into: &deliveries)
        return deliveries.map(\.1)
    }

    /// `receive(_:now:)` appending each message to deliver, with this link's peer, to the
    /// caller's array (the event loop keeps one).
    public mutating func receive(_ datagram: OpenedDatagram, now: UInt64, into deliveries: inout [(NodeID, Message)]) {
        stats.datagramsReceived += 1
        stats.bytesReceived += datagram.payload.count + DatagramHeader.size
        if datagram.payload.isEmpty {
            // A keepalive: authenticated by the session; acknowledged if it asks to be.
            _ = acks.received(datagram.header.packetNumber.value, ackEliciting: datagram.header.ackEliciting, at: now)
            return
        }
        // Decoded into a buffer kept between datagrams (taken out of `self` meanwhile): a
        // fresh array per datagram was an allocation.
        var frames: [Message] = []
        swap(&frames, &framesScratch)
        defer {
            frames.removeAll(keepingCapacity: true)
            swap(&frames, &framesScratch)
        }
        do {
            try Payload.decode(datagram.payload, into: &frames)
        } catch {
            stats.drops.count(.malformed)
            return
        }
        if acks.contains(datagram.header.packetNumber.value) {
            stats.drops.count(.duplicate)
            return
        }
        // One ack frame a datagram, as a sender writes them: each is walked against what is
        // in flight and the declared losses, and a payload may hold 512 frames.
        var ackFrames = 0
        for frame in frames { if case .ack = frame { ackFrames += 1 } }
        guard ackFrames <= 1 else {
            stats.drops.count(.malformed)
            return
        }
        // The packet is acknowledged only after its frames are taken: a message the link
        // cannot take (a fragment the reassembler refuses, a number too late to tell)
        // must not be, so that the sender sends it again or gives it up and says so.
        var refused = false
        defer {
            if !refused {
                _ = acks.received(datagram.header.packetNumber.value, ackEliciting: datagram.header.ackEliciting, at: now)
            }
        }
        var i = 0
        while i < frames.count {
            switch frames[i] {
            case .ack(let ack):
                onAck(ack, now)
            case .sequence(let sequence):
                guard i + 1 < frames.count, !Self.isTransportFrame(frames[i + 1]) else {
                    stats.drops.count(.malformed)
                    return
                }
                i += 1
                guard delivered.admits(sequence.number) else {
                    stats.drops.count(.messageNumberRefused)
                    break
                }
                switch delivered.status(sequence.number) {
                case .new: break
                case .delivered:
                    stats.drops.count(.duplicate)
                    i += 1
                    continue
                case .forgotten:
                    stats.drops.count(.lateMessage)
                    refused = true
                    i += 1
                    continue
                }
                if case .fragment(let fragment) = frames[i] {
                    // Marked delivered only once the reassembler took it.
                    switch reassembler.add(fragment, at: now) {
                    case .refused:
                        refused = true
                    case .complete(let whole):
                        // A whole that does not decode is not taken: this last piece is not
                        // acknowledged and the message's pieces are refused from now on, so
                        // the sender gives the message up and says so.
                        guard let messages = reassembled(whole) else {
                            reassembler.abandon(fragment.messageID)
                            refused = true
                            break
                        }
                        _ = delivered.insert(sequence.number)
                        for message in messages { deliveries.append((peer, message)) }
                    case .held, .duplicate:
                        _ = delivered.insert(sequence.number)
                    }
                } else {
                    _ = delivered.insert(sequence.number)
                    deliveries.append((peer, Self.take(&frames[i])))
                }
            case .fragment:
                // Fragments only travel as reliable messages.
                stats.drops.count(.malformed)
            default:
                deliveries.append((peer, Self.take(&frames[i])))
            }
            i += 1
        }
    }

    /// Moves a frame out of the kept list, leaving a trivial one in its place: a copy cost
    /// a retain now and a release (of its bytes) when the list is emptied.
    private static func take(_ frame: inout Message) -> Message {
        var taken = Message.sequence(MessageSequence(number: 0))
        swap(&taken, &frame)
        return taken
    }

    static func isTransportFrame(_ message: Message) -> Bool {
        switch message {
        case .ack, .sequence: true
        default: false
        }
    }

    /// The messages of a reassembled payload; nil (counted malformed) if it does not decode
    /// or holds transport frames or fragments.
    private mutating func reassembled(_ payload: [UInt8]) -> [Message]? {
        guard let messages = try? Payload.decode(payload),
              !messages.contains(where: { Self.isTransportFrame($0) || { if case .fragment = $0 { true } else { false } }($0) })
        else {
            stats.drops.count(.malformed)
            return nil
        }
        return messages
    }

    private mutating func onAck(_ ack: AckFrame, _ now: UInt64) {
        // Acks for packets never sent prove nothing; trusting `largest` would declare
        // every packet in flight lost.
        guard ack.largest < nextPacket else { return stats.drops.count(.ackForUnsent) }
        // The newly acknowledged packets, gathered in a buffer kept between acks (an ack
        // arrives with nearly every datagram; a fresh array each time was an allocation).
        var newly: [Acknowledged] = []
        swap(&newly, &ackedScratch)
        defer {
            newly.removeAll(keepingCapacity: true)
            swap(&newly, &ackedScratch)
        }
        var queuedAcked = false
        // Packets declared lost that arrived after all: what they carried need not go again.
        if !reordering.isEmpty {
            for number in reordering.acknowledged(ack.ranges) where units.removeValue(forKey: number)?.queued == true {
                queuedAcked = true
            }
        }
        guard let newest = takeAcknowledged(ack, into: &newly) else {
            if queuedAcked { pruneQueues() }
            return
        }
        if !newest.containsRetransmission, newest.number == ack.largest {
            // Karn's rule: only packets sent once give RTT samples.
            rtt.add(measuredMicros: now >= newest.time ? now - newest.time : 0, ackDelayMicros: ack.delayMicros)
            if firstRTTSampleAt == nil { firstRTTSampleAt = now }
            if let sample = rtt.latestMicros {
                congestion.roundTrip(sampleMicros: sample, ordinal: newest.ordinal, sentOrdinal: ackElicitingSent)
            }
        }
        // The path answers again: the PTO's backoff and its probes end (RFC 9002 §6.2.1).
        rtt.acknowledged()
        probesAllowed = 0
        for acknowledged in newly {
            let packet = acknowledged.packet
            leftFlight(packet)
            congestion.acknowledged(
                bytes: packet.bytes, sentAtMicros: packet.time, windowLimited: packet.windowLimited, delivery: packet.delivery, now: now)
            for number in packet.units {
                // Still queued: marked lost and waiting to be resent, now needlessly.
                if units.removeValue(forKey: number)?.queued == true { queuedAcked = true }
            }
        }
        congestion.ackProcessed(now: now)
        if queuedAcked { pruneQueues() }
        largestAcked = max(largestAcked ?? 0, ack.largest)
        detectLosses(now)
    }

    /// Takes the packets `ack` covers out of `sent`, appending them in packet order (the
    /// congestion window grows by the order it is told, and a run must replay — a
    /// dictionary's order differs from process to process). Only numbers from
    /// `lowestInFlight` to the last sent count: they are looked up one by one when fewer
    /// than the packets in flight, else `sent` is scanned once.
    /// Returns what the RTT sample needs of the largest one taken (read here: a copy of an
    /// element of `newly` afterwards cost more than the sample).
    private mutating func takeAcknowledged(
        _ ack: AckFrame, into newly: inout [Acknowledged]
    ) -> (number: UInt64, time: UInt64, containsRetransmission: Bool, ordinal: UInt64)? {
        var newest: (number: UInt64, time: UInt64, containsRetransmission: Bool, ordinal: UInt64)?
        func taken(_ pn: UInt64, _ packet: SentPacket) {
            if pn >= newest?.number ?? 0 { newest = (pn, packet.time, packet.containsRetransmission, packet.ordinal) }
        }
        defer { if sent.isEmpty { lowestInFlight = nextPacket } }
        guard !sent.isEmpty, nextPacket > 0 else { return nil }
        // Where the lowest packet lies: if the ack covers it, it is taken out by this
        // index, without a second lookup (valid only until `sent` first changes).
        var lowestIndex: [UInt64: SentPacket].Index?
        while lowestInFlight < nextPacket {
            if let index = sent.index(forKey: lowestInFlight) {
                lowestIndex = index
                break
            }
            lowestInFlight += 1
        }
        let last = nextPacket - 1
        // How many numbers the ranges cover there (they are disjoint), up to past `sent.count`.
        var span = 0
        for range in ack.ranges {
            let low = max(range.lowest, lowestInFlight), high = min(range.highest, last)
            guard low <= high else { continue }
            guard high - low < UInt64(sent.count) else {
                span = sent.count + 1
                break
            }
            span += Int(high - low) + 1
            if span > sent.count { break }
        }
        if span <= sent.count {
            // The ranges descend: from the last one, each upwards, is packet order.
            for range in ack.ranges.reversed() {
                let low = max(range.lowest, lowestInFlight), high = min(range.highest, last)
                guard low <= high else { continue }
                for pn in low...high {
                    if let index = lowestIndex {
                        lowestIndex = nil
                        if pn == lowestInFlight {
                            let packet = sent.remove(at: index).value
                            taken(pn, packet)
                            newly.append(Acknowledged(number: pn, packet: packet))
                            continue
                        }
                    }
                    if let packet = sent.removeValue(forKey: pn) {
                        taken(pn, packet)
                        newly.append(Acknowledged(number: pn, packet: packet))
                    }
                }
            }
        } else {
            for (pn, packet) in sent where Self.covers(ack.ranges, pn) {
                taken(pn, packet)
                newly.append(Acknowledged(number: pn, packet: packet))
            }
            for acknowledged in newly { sent[acknowledged.number] = nil }
            newly.sort { $0.number < $1.number }
        }
        return newest
    }

    /// Whether descending, disjoint `ranges` hold `pn` (binary search).
    static func covers(_ ranges: [AckRange], _ pn: UInt64) -> Bool {
        var low = 0, high = ranges.count
        while low < high {
            let mid = low + (high - low) / 2
            if ranges[mid].lowest > pn { low = mid + 1 } else { high = mid }
        }
        return low < ranges.count && pn <= ranges[low].highest
    }

    private mutating func detectLosses(_ now: UInt64) {
        lossTimer = nil
        // Nothing in flight below the largest acknowledged: nothing to look at.
        guard let largest = largestAcked, !sent.isEmpty, lowestInFlight < largest else { return }
        let delay = rtt.lossDelayMicros
        var lost: [(number: UInt64, packet: SentPacket)] = []
        for (pn, packet) in sent where pn < largest {
            if reordering.isLostByReordering(pn, largestAcked: largest) || packet.time + delay <= now {
                lost.append((pn, packet))
            } else {
                lossTimer = min(lossTimer ?? .max, packet.time + delay)
            }
        }
        guard !lost.isEmpty else { return }
        lost.sort { $0.number < $1.number }
        var bytes = 0
        var latestSent: UInt64 = 0
        var numbers: [UInt64] = []
        for (pn, packet) in lost {
            sent[pn] = nil
            leftFlight(packet)
            stats.packetsLost += 1
            reordering.declaredLost(packet: pn, largestAcked: largest, units: Array(packet.units))
            bytes += packet.bytes
            latestSent = max(latestSent, packet.time)
            numbers += packet.units
        }
        requeue(numbers)
        congestion.lost(bytes: bytes, latestSentAtMicros: latestSent, now: now)
        if isPersistentCongestion(lost.map(\.packet)) { congestion.persistentCongestion() }
    }

    /// RFC 9002 §7.6: ack-eliciting packets lost together, none acknowledged between
    /// them (consecutive ordinals), sent over longer than 3 × (smoothed RTT + max(4 ×
    /// variation, 1 ms) + max ack delay), all after the first RTT sample.
    private func isPersistentCongestion(_ lost: [SentPacket]) -> Bool {
        guard let since = firstRTTSampleAt, let smoothed = rtt.smoothedMicros else { return false }
        let duration = 3 * (smoothed + max(4 * rtt.variationMicros, 1000) + rtt.bounds.maxAckDelayMicros)
        var runStart: SentPacket?
        var previous: SentPacket?
        for packet in lost where packet.time > since {
            if let last = previous, packet.ordinal == last.ordinal + 1, let start = runStart {
                if packet.time >= start.time, packet.time - start.time >= duration { return true }
            } else {
                runStart = packet
            }
            previous = packet
        }
        return false
    }

    private mutating func leftFlight(_ packet: SentPacket) {
        if packet.controlOnly { controlBytesInFlight = max(controlBytesInFlight - packet.bytes, 0) }
    }

    /// Puts messages of packets lost or probed back at the front of their queues, in
    /// their order, ahead of anything new of their class.
    private mutating func requeue(_ numbers: [UInt64]) {
        var control: [UInt64] = []
        var bulk: [UInt64] = []
        for number in numbers {
            guard let unit = units[number], !unit.queued else { continue }
            units[number]?.queued = true
            switch unit.trafficClass {
            case .control: control.append(number)
            case .bulk: bulk.append(number)
            }
        }
        if !control.isEmpty { controlQueue.insert(contentsOf: control, at: 0) }
        if !bulk.isEmpty { bulkQueue.insert(contentsOf: bulk, at: 0) }
    }
}
