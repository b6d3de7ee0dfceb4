import NetworkModel
import Testing
import Wire
@testable import Transport

/// Transport's acceptance tests on the emulated network.
@Suite struct ReliabilityTests {
    static func message(_ i: Int) -> Message {
        .timeoutNow(TimeoutNow(term: UInt64(i)))
    }

    static func terms(_ messages: [Message]) -> [UInt64] {
        messages.compactMap { if case .timeoutNow(let t) = $0 { t.term } else { nil } }
    }

    @Test func tenThousandMessagesThroughThirtyPercentLossArriveExactlyOnce() {
        let harsh = LinkProfile(name: "harsh", delayMicros: 5_000, jitterMicros: 4_000, loss: 0.30, bitsPerSecond: 0)
        var h = LinkHarness(nodes: [1, 2], conditions: .init(profile: harsh, duplication: 0.05), seed: 11)
        for i in 0..<10_000 {
            h.send(1, 2, OutgoingMessage(Self.message(i), deadlineMicros: .max))
            if i % 3 == 0 { h.send(2, 1, OutgoingMessage(Self.message(i), deadlineMicros: .max)) }
            h.run(until: UInt64(i) * 500)
        }
        h.run(until: 600_000_000)
        let atTwo = Self.terms(h.delivered[2]!)
        #expect(atTwo.count == 10_000, "delivered \(atTwo.count)")
        #expect(Set(atTwo).count == atTwo.count, "no duplicates")
        #expect(Set(atTwo) == Set((0..<10_000).map(UInt64.init)), "nothing lost, nothing invented")
        let atOne = Self.terms(h.delivered[1]!)
        #expect(atOne.sorted() == stride(from: 0, to: 10_000, by: 3).map(UInt64.init))
        #expect(h.link(1, 2).statistics.messagesRetransmitted > 2_000, "30 % loss was really there")
        #expect(h.gaveUp[1]!.isEmpty && h.link(1, 2).outstanding == 0)
    }

    /// Small and fragmented messages, some with deadlines too short for a lossy link, both
    /// ways at once: whatever the seed, nothing is delivered twice or invented, and every
    /// message the sender did not give up on arrives.
    @Test(arguments: UInt64(1)...24)
    func mixedTrafficKeepsItsPromises(seed: UInt64) {
        let lossy = LinkProfile(name: "lossy", delayMicros: 4_000, jitterMicros: 3_000, loss: 0.2, bitsPerSecond: 0)
        var h = LinkHarness(nodes: [1, 2], conditions: .init(profile: lossy, duplication: 0.05), seed: seed)
        var rng = SeededRandom(seed: seed)
        let count = 400
        for i in 0..<count {
            let message: Message = i % 7 == 0
                ? .installSnapshot(InstallSnapshot(
                    term: UInt64(i), lastIncludedIndex: 1, lastIncludedTerm: 1, offset: 0, done: true,
                    data: [UInt8](repeating: UInt8(truncatingIfNeeded: i), count: 1_000 + Int(rng.next() % 4_000))))
                : Self.message(i)
            let deadline = i % 5 == 0 ? h.now + 20_000 + rng.next() % 40_000 : .max
            let (from, to): (NodeID, NodeID) = i % 2 == 0 ? (1, 2) : (2, 1)
            h.send(from, to, OutgoingMessage(message, trafficClass: i % 3 == 0 ? .bulk : .control, deadlineMicros: deadline, handle: UInt64(i) + 1))
            h.run(until: h.now + rng.next() % 3_000)
        }
        h.run(until: h.now + 600_000_000)
        for (from, to) in [(NodeID(1), NodeID(2)), (2, 1)] {
            let sent = Set((0..<count).filter { ($0 % 2 == 0) == (from == 1) }.map(UInt64.init))
            let received = h.delivered[to]!.compactMap { message -> UInt64? in
                switch message {
                case .timeoutNow(let t): t.term
                case .installSnapshot(let s): s.term
                default: nil
                }
            }
            let givenUp = Set(h.gaveUp[from]!.map { $0 - 1 })
            #expect(Set(received).count == received.count, "seed \(seed): no duplicates \(from)→\(to)")
            #expect(Set(received).isSubset(of: sent), "seed \(seed): nothing invented")
            #expect(sent.subtracting(givenUp).isSubset(of: Set(received)), "seed \(seed): all not given up arrive")
            #expect(givenUp.allSatisfy { $0 % 5 == 0 }, "seed \(seed): only short deadlines are given up")
            #expect(h.link(from, to).outstanding == 0)
            #expect(h.link(from, to).statistics.messagesRetransmitted > 0, "seed \(seed): the loss was real")
        }
    }

    @Test func aCleanLinkNeedsNoRetransmission() {
        let clean = LinkProfile(name: "clean", delayMicros: 3_000, jitterMicros: 0, loss: 0, bitsPerSecond: 0)
        var h = LinkHarness(nodes: [1, 2], conditions: .init(profile: clean), seed: 1)
        for i in 0..<2_000 {
            h.send(1, 2, OutgoingMessage(Self.message(i), deadlineMicros: .max))
            h.send(2, 1, OutgoingMessage(Self.message(i), deadlineMicros: .max))
            h.run(until: UInt64(i) * 1_000)
        }
        h.run(until: 10_000_000)
        #expect(Self.terms(h.delivered[2]!) == (0..<2_000).map(UInt64.init), "in order on a clean link")
        for (a, b) in [(NodeID(1), NodeID(2)), (2, 1)] {
            let stats = h.link(a, b).statistics
            #expect(stats.messagesRetransmitted == 0 && stats.packetsLost == 0)
            #expect(stats.smoothedRTTMicros.map { $0 >= 6_000 && $0 < 40_000 } == true, "RTT ≈ 6 ms + ack delay")
        }
    }

    @Test(arguments: LinkProfile.all)
    func aTenSecondPartitionHealsAndEverythingArrives(profile: LinkProfile) {
        var h = LinkHarness(nodes: [1, 2], conditions: .init(profile: profile), seed: 3)
        h.emulator.partition([1], [2])
        for i in 0..<100 {
            h.send(1, 2, OutgoingMessage(Self.message(i), deadlineMicros: 120_000_000))
            h.run(until: UInt64(i) * 100_000)
        }
        h.run(until: 10_000_000)
        #expect(h.delivered[2]!.isEmpty)
        h.emulator.heal()
        h.run(until: 120_000_000)
        #expect(Set(Self.terms(h.delivered[2]!)) == Set((0..<100).map(UInt64.init)), "\(profile)")
        #expect(Self.terms(h.delivered[2]!).count == 100)
    }

    @Test func aPeerGoneForGoodKeepsQueuesBoundedAndIsGivenUp() {
        var config = PeerLinkConfig()
        config.maxQueuedMessages = 100
        var h = LinkHarness(nodes: [1, 2], conditions: .init(profile: .piWifi), seed: 5, config: config)
        h.emulator.cutOneWay(from: 1, to: 2)
        var refused = 0
        for i in 0..<300 {
            if !h.send(1, 2, OutgoingMessage(Self.message(i), deadlineMicros: 5_000_000, handle: UInt64(i + 1))) { refused += 1 }
            h.run(until: UInt64(i) * 1_000)
            #expect(h.link(1, 2).outstanding <= 100)
            #expect(h.link(1, 2).packetsInFlight <= config.maxPacketsInFlight)
        }
        #expect(refused == 200)
        h.run(until: 6_000_000)
        #expect(h.link(1, 2).outstanding == 0)
        #expect(Set(h.gaveUp[1]!) == Set((1...300).map(UInt64.init)), "every message is reported given up")
        #expect(h.link(1, 2).statistics.timeoutMicros > 500_000, "the RTO backed off")
    }

    @Test func largeMessagesTravelAsFragments() {
        var h = LinkHarness(nodes: [1, 2], conditions: .init(profile: .lossyWifi), seed: 8)
        let data = (0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let snapshot = Message.installSnapshot(InstallSnapshot(term: 3, lastIncludedIndex: 99, lastIncludedTerm: 2, offset: 0, done: true, data: data))
        h.send(1, 2, OutgoingMessage(snapshot, trafficClass: .bulk, deadlineMicros: .max))
        h.run(until: 30_000_000)
        #expect(h.delivered[2]! == [snapshot])
        #expect(h.link(1, 2).statistics.datagramsSent >= 18)
    }

    @Test func entryBatchesAreCompressedWhenItPays() {
        var h = LinkHarness(nodes: [1, 2], conditions: .init(profile: .lan), seed: 2)
        let entries = (0..<30).map { LogEntry(term: 4, kind: .decision, payload: Array("service=thermo-agg node=\($0 % 3) cpu=250 mem=128".utf8)) }
        let append = Message.appendEntries(AppendEntries(term: 4, prevLogIndex: 10, prevLogTerm: 4, leaderCommit: 10, entries: entries))
        h.send(1, 2, OutgoingMessage(append, trafficClass: .bulk, deadlineMicros: .max))
        h.run(until: 1_000_000)
        #expect(h.delivered[2]! == [append])
        let stats = h.link(1, 2).statistics
        #expect(stats.batchBytesSent * 3 < stats.batchBytesRaw, "\(stats.batchBytesSent) of \(stats.batchBytesRaw) bytes")
    }

    @Test func aNewerHeartbeatSupersedesAnOlderOne() {
        var h = LinkHarness(nodes: [1, 2], conditions: .init(profile: .lan), seed: 2)
        var link = h.links[1]![2]!
        link.enqueue(OutgoingMessage(.timeoutNow(TimeoutNow(term: 1)), reliable: false, deadlineMicros: .max, supersedeKey: "heartbeat"))
        link.enqueue(OutgoingMessage(.timeoutNow(TimeoutNow(term: 2)), reliable: false, deadlineMicros: .max, supersedeKey: "heartbeat"))
        link.enqueue(OutgoingMessage(Self.message(10), deadlineMicros: .max, supersedeKey: "append"))
        link.enqueue(OutgoingMessage(Self.message(11), deadlineMicros: .max, supersedeKey: "append"))
        h.links[1]![2] = link
        h.pump(1, 2)
        h.run(until: 1_000_000)
        #expect(Self.terms(h.delivered[2]!).sorted() == [2, 11])
    }

    @Test func controlGoesBeforeBulk() {
        var link = PeerLink(peer: 2, sealer: .plain(clusterID: 1, sender: 1))
        let bulk = Message.installSnapshot(InstallSnapshot(term: 1, lastIncludedIndex: 1, lastIncludedTerm: 1, offset: 0, done: false, data: [UInt8](repeating: 1, count: 1000)))
        link.enqueue(OutgoingMessage(bulk, trafficClass: .bulk, deadlineMicros: .max))
        link.enqueue(OutgoingMessage(Self.message(7), trafficClass: .control, deadlineMicros: .max))
        let datagrams = link.poll(now: 0).datagrams
        let first = try? Payload.decode(Array(datagrams[0].dropFirst(DatagramHeader.size)))
        #expect(first?.dropFirst().first == Self.message(7), "the vote-sized control message leads")
    }

    @Test func hostileDatagramsDoNotDisturbTheLink() {
        var h = LinkHarness(nodes: [1, 2], conditions: .init(profile: .piWifi), seed: 4)
        var rng = SeededRandom(seed: 1)
        for i in 0..<500 {
            h.send(1, 2, OutgoingMessage(Self.message(i), deadlineMicros: .max))
            let junk = (0..<Int(rng.next() % 100)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            h.inject(junk, at: 2)
            h.run(until: UInt64(i) * 2_000)
        }
        h.run(until: 20_000_000)
        #expect(Set(Self.terms(h.delivered[2]!)) == Set((0..<500).map(UInt64.init)))
        #expect(h.drops[2]!.total >= 500)
    }

    @Test func aFragmentFloodIsDroppedAndCountedAndTheLinkGoesOn() throws {
        // A peer (buggy or compromised, but holding the key) opens far more reassemblies
        // than the limit, each never finished.
        var config = PeerLinkConfig()
        config.reassemblyConcurrent = 4
        let attacker = DatagramSealer(clusterID: 1, receiverIndex: 7, key: LinkHarness.key(2, 1))
        var gate = DatagramOpener(key: LinkHarness.key(2, 1))
        var link = PeerLink(peer: 2, sealer: DatagramSealer(clusterID: 1, receiverIndex: 9, key: LinkHarness.key(1, 2)), config: config)
        for i in 0..<200 {
            var payload: [UInt8] = []
            MessageSequence(number: UInt64(i)).encodeFrame(into: &payload, last: false)
            Fragment(messageID: UInt64(1000 + i), index: 0, count: 50, data: [UInt8](repeating: 7, count: 1000)).encodeFrame(into: &payload, last: true)
            let packet = try #require(PacketNumber(UInt64(i)))
            let accepted = gate.open(attacker.seal(payload: payload, packet: packet, ackEliciting: true), clusterID: 1)
            let opened = try accepted.get()
            #expect(link.receive(opened, now: UInt64(i)).isEmpty)
        }
        #expect(link.statistics.drops[.reassemblyRefused] == 196, "all but the 4 allowed reassemblies")
        // A genuine message still gets through.
        var payload: [UInt8] = []
        MessageSequence(number: 500).encodeFrame(into: &payload, last: false)
        TimeoutNow(term: 9).encodeFrame(into: &payload, last: true)
        let packet = try #require(PacketNumber(500))
        let accepted = gate.open(attacker.seal(payload: payload, packet: packet, ackEliciting: true), clusterID: 1)
        let opened = try accepted.get()
        #expect(link.receive(opened, now: 300) == [.timeoutNow(TimeoutNow(term: 9))])
    }
}
