import Wire

/// Bytes read as a program that drives one `PeerLink` with live state — its own messages
/// queued and in flight, packets outstanding, partial reassemblies — and feeds it
/// genuine-but-hostile datagrams from its peer (well-formed frames with hostile ack
/// ranges, ack delays, message numbers, fragment ids, indexes and counts), interleaved with
/// its own sends and time advances. After every step it checks the link's promises. For
/// `FuzzTransport` (first byte with bit 3 set) and the regression tests that replay its
/// finds; lives here because the checks read the link's state.
public enum LinkFuzzProgram {
    /// Runs `bytes`; returns the first broken promise, or nil.
    public static func run(_ bytes: [UInt8]) -> String? {
        var program = Interpreter(bytes)
        return program.run()
    }

    struct Interpreter {
        var input: [UInt8]
        var position = 0
        var link = PeerLink(peer: 2, sealer: .plain(clusterID: 1, sender: 1))
        var now: UInt64 = 1_000
        /// Packet numbers the peer used, and the largest.
        var peerPackets: Set<UInt64> = []
        var nextPeerPacket: UInt64 = 0
        var nextPeerNumber: UInt64 = 0
        /// Whole messages delivered, by their number (a message carries its number as term).
        var delivered: Set<UInt64> = []
        /// Numbers sent by the peer as whole messages.
        var sentWhole: Set<UInt64> = []
        var handle: UInt64 = 0

        /// Messages the peer sends whole carry their number as their term; reassembled ones
        /// a term from here up, so the two are told apart.
        static let reassembledTerms: UInt64 = 1 << 62

        init(_ bytes: [UInt8]) {
            input = bytes
        }

        mutating func byte() -> UInt8 {
            guard position < input.count else { return 0 }
            defer { position += 1 }
            return input[position]
        }

        mutating func word() -> UInt64 {
            (0..<8).reduce(UInt64(0)) { value, _ in value << 8 | UInt64(byte()) }
        }

        mutating func run() -> String? {
            var steps = 0
            while position < input.count, steps < 400 {
                steps += 1
                let op = byte()
                if let broken = step(op) { return "step \(steps) (op \(op % 8)): \(broken)" }
                if let broken = checkState() { return "after step \(steps) (op \(op % 8)): \(broken)" }
            }
            return nil
        }

        mutating func step(_ op: UInt8) -> String? {
            switch op % 8 {
            case 0: enqueueOwn()
            case 1: return advance(by: UInt64(byte()) * 1_000)
            case 2: return hostileAck().flatMap { receive([.ack($0)], ackEliciting: false) }
            case 3: return receiveWhole()
            case 4: return receiveFragment()
            case 5: return receiveReplayedPacket()
            case 6: return advance(by: UInt64(byte()) * 250_000)
            default: return receiveWhole(count: Int(byte() % 8) + 2)
            }
            return nil
        }

        /// The link's own traffic: small control, bulk (fragmented when large), unreliable.
        mutating func enqueueOwn() {
            let kind = byte()
            handle += 1
            let deadline = kind & 0x80 != 0 ? now + UInt64(byte()) * 10_000 : UInt64.max
            switch kind % 3 {
            case 0:
                link.enqueue(OutgoingMessage(.timeoutNow(TimeoutNow(term: handle)), deadlineMicros: deadline, handle: handle))
            case 1:
                let bytes = Int(byte()) * 64
                let snapshot = InstallSnapshot(
                    term: handle, lastIncludedIndex: 1, lastIncludedTerm: 1, offset: 0, done: true,
                    data: [UInt8](repeating: UInt8(truncatingIfNeeded: handle), count: bytes))
                link.enqueue(OutgoingMessage(.installSnapshot(snapshot), trafficClass: .bulk, deadlineMicros: deadline, handle: handle))
            default:
                link.enqueue(OutgoingMessage(
                    .timeoutNow(TimeoutNow(term: handle)), reliable: false, deadlineMicros: deadline, supersedeKey: "heartbeat"))
            }
        }

        mutating func advance(by micros: UInt64) -> String? {
            now += micros
            // Each datagram goes only while what is in flight is below the window plus the
            // control reserve, or as one of a PTO's two probes.
            let before = link.congestion.bytesInFlight
            let allowed = max(before, link.congestion.windowBytes + link.controlReserveBytes)
                + link.controlReserveBytes + 3 * link.congestion.maxDatagramBytes
            let output = link.poll(now: now)
            let after = link.congestion.bytesInFlight
            if after > before, after > allowed { return "\(after) bytes in flight after a poll, the window allowed \(allowed)" }
            for datagram in output.datagrams {
                // The link's acks must name only packets its peer sent.
                guard let frames = try? Payload.decode(Array(datagram.dropFirst(DatagramHeader.size))) else {
                    return "the link sent a datagram that does not decode"
                }
                for case .ack(let ack) in frames {
                    for range in ack.ranges where range.highest >= nextPeerPacket {
                        return "acknowledged packet \(range.highest), never sent by the peer (\(nextPeerPacket) sent)"
                    }
                }
            }
            return nil
        }

        /// Acks for the link's packets: mostly near the real ones, some for packets never
        /// sent, some with gaps; any ack delay up to 2^64 − 1.
        mutating func hostileAck() -> AckFrame? {
            let sent = link.packetsSent
            let shape = byte()
            let largest: UInt64 = switch shape % 4 {
            case 0: sent &+ UInt64(byte())
            case 1: UInt64.max >> (byte() % 64)
            default: sent > 0 ? sent - 1 - min(sent - 1, UInt64(byte() % 16)) : 0
            }
            var ranges: [AckRange] = []
            var high = largest
            for _ in 0...Int(byte() % 6) {
                let length = UInt64(byte() % 20)
                let low = high >= length ? high - length : 0
                ranges.append(AckRange(low, high))
                let gap = UInt64(byte() % 8) + 2
                guard low >= gap else { break }
                high = low - gap
            }
            let delay: UInt64 = shape & 0x80 != 0 ? word() : UInt64(byte()) * 1_000
            return AckFrame(ranges: ranges, delayMicros: delay)
        }

        /// A message number: mostly the next, some repeated, some skipped, some hostile.
        mutating func messageNumber() -> UInt64 {
            let choice = byte()
            switch choice % 8 {
            case 0: return nextPeerNumber > 0 ? nextPeerNumber - 1 - min(nextPeerNumber - 1, UInt64(byte())) : 0
            case 1:
                nextPeerNumber += UInt64(byte()) * 32
                defer { nextPeerNumber += 1 }
                return nextPeerNumber
            case 2: return UInt64.max - UInt64(byte())
            case 3: return (1 << 32) &+ UInt64(byte())
            default:
                defer { nextPeerNumber += 1 }
                return nextPeerNumber
            }
        }

        mutating func receiveWhole(count: Int = 1) -> String? {
            var frames: [Message] = []
            for _ in 0..<count {
                let number = messageNumber()
                frames += [.sequence(MessageSequence(number: number)), .timeoutNow(TimeoutNow(term: number))]
            }
            if byte() & 1 != 0, let ack = hostileAck() { frames.insert(.ack(ack), at: 0) }
            return receive(frames, ackEliciting: true)
        }

        /// A fragment of a message the peer may or may not complete: ids from a small set
        /// (so reassemblies meet) or hostile; counts and indexes in range or not matching.
        mutating func receiveFragment() -> String? {
            let idChoice = byte()
            let messageID = idChoice & 0x80 != 0 ? word() : UInt64(idChoice % 6)
            let count = Int(byte() % 4) + 1 + (byte() & 0x40 != 0 ? Int(byte()) * 4 : 0)
            let wholeCount = min(count, WireLimits.default.maxFragmentsPerMessage)
            let index = Int(byte()) % wholeCount
            // A real piece of a small message for most, so that reassemblies complete.
            var whole: [UInt8] = []
            Message.timeoutNow(TimeoutNow(term: Self.reassembledTerms + messageID % 1024)).encodeFrame(into: &whole, last: true)
            let chunk = max(1, (whole.count + wholeCount - 1) / wholeCount)
            let start = min(index * chunk, whole.count)
            var data = Array(whole[start..<min(start + chunk, whole.count)])
            if data.isEmpty || byte() & 1 != 0 { data = [UInt8](repeating: byte(), count: Int(byte()) * 4 + 1) }
            let fragment = Fragment(messageID: messageID, index: index, count: wholeCount, data: data)
            return receive([.sequence(MessageSequence(number: messageNumber())), .fragment(fragment)], ackEliciting: true)
        }

        /// A packet number the peer already used, with new contents: must be dropped whole.
        mutating func receiveReplayedPacket() -> String? {
            guard nextPeerPacket > 0 else { return nil }
            let packet = nextPeerPacket - 1 - min(nextPeerPacket - 1, UInt64(byte()))
            let number = messageNumber()
            sentWhole.insert(number)
            let frames: [Message] = [.sequence(MessageSequence(number: number)), .timeoutNow(TimeoutNow(term: number))]
            guard let packetNumber = PacketNumber(packet) else { return nil }
            let header = DatagramHeader(kind: .plain, ackEliciting: true, clusterID: 1, receiverIndex: 1, packetNumber: packetNumber)
            let wasAcked = link.acks.contains(packet)
            let deliveries = link.receive(OpenedDatagram(header: header, payload: Payload.encode(frames)), now: now)
            if wasAcked, !deliveries.isEmpty { return "a replayed packet number delivered \(deliveries.count) messages" }
            return note(deliveries)
        }

        mutating func receive(_ frames: [Message], ackEliciting: Bool) -> String? {
            guard let packetNumber = PacketNumber(nextPeerPacket) else { return nil }
            let packet = nextPeerPacket
            nextPeerPacket += 1
            peerPackets.insert(packet)
            let header = DatagramHeader(kind: .plain, ackEliciting: ackEliciting, clusterID: 1, receiverIndex: 1, packetNumber: packetNumber)
            var numbers: [UInt64] = []
            for case .sequence(let sequence) in frames { numbers.append(sequence.number) }
            for (i, frame) in frames.enumerated() {
                if case .sequence(let s) = frame, i + 1 < frames.count, case .timeoutNow = frames[i + 1] { sentWhole.insert(s.number) }
            }
            // Admitted before is admitted when processed (the floor only rises): those must
            // be taken if the packet is acknowledged.
            let admitted = numbers.filter { link.delivered.admits($0) }
            let deliveries = link.receive(OpenedDatagram(header: header, payload: Payload.encode(frames)), now: now)
            // What a reassembly gives is whatever the pieces spell: not checked as whole messages.
            let reassembly = frames.contains { if case .fragment = $0 { true } else { false } }
            if !reassembly, let broken = note(deliveries) { return broken }
            // Acknowledged means taken: every number in the packet that the link admits
            // is delivered (or held as a piece of a reassembly) now.
            if link.acks.contains(packet) {
                for n in admitted where link.delivered.status(n) != .delivered {
                    return "packet \(packet) acknowledged, but message number \(n) in it was not taken"
                }
            }
            return nil
        }

        mutating func note(_ deliveries: [Message]) -> String? {
            for message in deliveries {
                guard case .timeoutNow(let t) = message else { return "delivered a message the peer never sent: \(message)" }
                guard sentWhole.contains(t.term) else { return "delivered message \(t.term), never sent whole" }
                guard delivered.insert(t.term).inserted else { return "delivered message \(t.term) twice" }
            }
            return nil
        }

        func checkState() -> String? {
            let inFlight = link.sent.values.reduce(0) { $0 + $1.bytes }
            let congestion = link.congestion
            if congestion.bytesInFlight != inFlight {
                return "bytes in flight \(congestion.bytesInFlight), but the packets in flight hold \(inFlight)"
            }
            if congestion.windowBytes < congestion.minimumWindowBytes || congestion.windowBytes > congestion.maximumWindowBytes {
                return "window \(congestion.windowBytes) outside its bounds"
            }
            let control = link.sent.values.filter(\.controlOnly).reduce(0) { $0 + $1.bytes }
            if link.controlBytesInFlight != control { return "control bytes in flight \(link.controlBytesInFlight), the packets hold \(control)" }
            if link.sent.count > link.config.maxPacketsInFlight { return "\(link.sent.count) packets in flight" }
            if link.outstanding > link.config.maxQueuedMessages { return "\(link.outstanding) messages queued" }
            if let highest = link.acks.ranges.first?.highest, highest >= nextPeerPacket {
                return "the ack tracker holds packet \(highest), never sent"
            }
            return checkAccounting()
        }

        /// Every message the link still owes is on its way: queued to be sent (in its
        /// class's queue) or carried by a packet in flight — none stranded, where only its
        /// deadline would ever end it. And every queued number has its message.
        func checkAccounting() -> String? {
            var carried = Set<UInt64>()
            for packet in link.sent.values { carried.formUnion(packet.units) }
            let control = Set(link.controlQueue), bulk = Set(link.bulkQueue)
            for (number, unit) in link.units {
                if unit.queued {
                    let queue = unit.trafficClass == .control ? control : bulk
                    if !queue.contains(number) { return "message \(number) is marked queued but is in no queue" }
                } else if !carried.contains(number) {
                    return "message \(number) was sent, is not queued, and no packet in flight carries it"
                }
            }
            // Every message leaving the link (acknowledged, superseded, expired) leaves the
            // queues with it: a number without its message at a queue's head stops it.
            for number in link.controlQueue + link.bulkQueue where link.units[number]?.queued != true {
                return "message number \(number) is queued, but its message is gone or not marked queued"
            }
            if link.controlQueue.count != control.count || link.bulkQueue.count != bulk.count {
                return "a message number is queued twice"
            }
            return nil
        }
    }
}
