import NetworkModel
import Testing
import Wire
@testable import Transport

@Suite struct ReplayWindowTests {
    @Test func freshDuplicateAndTooOld() {
        var w = ReplayWindow()
        #expect(w.check(100) == .fresh)
        w.accept(100)
        #expect(w.check(100) == .duplicate)
        #expect(w.check(99) == .fresh)
        w.accept(99)
        #expect(w.check(99) == .duplicate)
        w.accept(2000)
        #expect(w.check(100) == .tooOld)
        #expect(w.check(2000 - 1023) == .fresh)
        #expect(w.check(2000 - 1024) == .tooOld)
    }

    /// Small steps (the usual case) and jumps of up to three windows, which cross and
    /// wrap the ring of words.
    @Test(arguments: [(UInt64(4), UInt64(200)), (UInt64(1), UInt64(3_000))])
    func matchesASetOverRandomArrivals(stepsPerNumber: UInt64, spread: UInt64) {
        var rng = SeededRandom(seed: 9)
        var w = ReplayWindow()
        var seen = Set<UInt64>()
        for step in 0..<20_000 {
            let base = UInt64(step) / stepsPerNumber
            let n = base + rng.next() % spread - min(base, rng.next() % (spread / 2))
            let expected: ReplayWindow.Verdict
            if let highest = w.highest, n <= highest, highest - n >= 1024 {
                expected = .tooOld
            } else {
                expected = seen.contains(n) ? .duplicate : .fresh
            }
            #expect(w.check(n) == expected)
            if expected == .fresh {
                w.accept(n)
                seen.insert(n)
            }
        }
    }
}

@Suite struct DeliveredSetTests {
    @Test func deliversEachNumberOnceInAnyOrder() {
        var rng = SeededRandom(seed: 21)
        // A limit never reached here (see the next test).
        var delivered = DeliveredSet(limit: 1_000_000)
        var model = Set<UInt64>()
        for step in 0..<20_000 {
            // Mostly in order (the fast path), with duplicates and numbers from the past
            // and near future mixed in.
            let base = UInt64(step / 2)
            let n = rng.next() % 4 == 0 ? base + rng.next() % 50 - min(base, rng.next() % 50) : base
            #expect(delivered.insert(n) == model.insert(n).inserted, "step \(step), number \(n)")
            #expect(delivered.contains(n))
        }
        // Filling every gap folds the whole prefix into the floor.
        for n in UInt64(0)..<10_100 {
            #expect(delivered.insert(n) == model.insert(n).inserted)
        }
        #expect(delivered.floor >= 10_100)
    }

    @Test func pastTheLimitTheFloorPassesTheOldestGapAndALateMessageInItIsStillNew() {
        var delivered = DeliveredSet(limit: 3)
        for n in UInt64(1)...3 {
            let inserted = delivered.insert(n)
            #expect(inserted)
        }
        #expect(delivered.floor == 0, "0 is still awaited")
        let fourth = delivered.insert(4)
        #expect(fourth)
        // Four numbers wait above the gap at 0: memory stays bounded, the floor passes it,
        // but 0 is remembered as not delivered.
        #expect(delivered.floor == 5)
        #expect(delivered.status(0) == .new, "before: counted as delivered, so dropped yet acknowledged")
        let late = delivered.insert(0)
        #expect(late)
        #expect(delivered.status(0) == .delivered)
        let duplicate = delivered.insert(0)
        #expect(!duplicate, "a duplicate now")
    }

    @Test func theOldestSkippedGapsAreForgottenAndTheirNumbersRefusedNotTakenAsDuplicates() {
        var delivered = DeliveredSet(limit: 3, skippedLimit: 2)
        // Gaps at 0, 5, 10, 15: each passed when four numbers wait above it.
        for n in UInt64(0)..<20 where n % 5 != 0 { _ = delivered.insert(n) }
        #expect(delivered.skipped == [10...10, 15...15], "the most recent two gaps are remembered")
        #expect(delivered.horizon == 6)
        #expect(delivered.status(0) == .forgotten && delivered.status(5) == .forgotten)
        let forgotten = delivered.insert(0)
        #expect(!forgotten)
        #expect(delivered.status(1) == .forgotten, "below the horizon nothing is known, not even deliveries")
        #expect(delivered.status(10) == .new && delivered.status(15) == .new)
        #expect(delivered.status(7) == .delivered)
        let ten = delivered.insert(10)
        #expect(ten)
        #expect(delivered.skipped == [15...15])
    }

    @Test func splittingAGapKeepsTheRestOfIt() {
        var delivered = DeliveredSet(limit: 2)
        for n in UInt64(10)...12 { _ = delivered.insert(n) }
        #expect(delivered.skipped == [0...9])
        let four = delivered.insert(4)
        #expect(four)
        #expect(delivered.skipped == [0...3, 5...9])
        for n in UInt64(0)...9 where n != 4 {
            let taken = delivered.insert(n)
            #expect(taken)
        }
        #expect(delivered.skipped.isEmpty)
        #expect((0...12).allSatisfy { delivered.status($0) == .delivered })
    }
}

@Suite struct RTTEstimatorTests {
    @Test func followsRFC6298() {
        var rtt = RTTEstimator(bounds: .init(initialMicros: 500_000, minimumMicros: 1_000, maximumMicros: 10_000_000))
        #expect(rtt.timeoutMicros == 500_000)
        rtt.add(measuredMicros: 100_000, ackDelayMicros: 0)
        #expect(rtt.smoothedMicros == 100_000 && rtt.variationMicros == 50_000)
        #expect(rtt.timeoutMicros == 300_000)
        rtt.add(measuredMicros: 60_000, ackDelayMicros: 0)
        // RTTVAR = 3/4·50000 + 1/4·40000; SRTT = 7/8·100000 + 1/8·60000.
        #expect(rtt.variationMicros == 47_500 && rtt.smoothedMicros == 95_000)
    }

    @Test func takesOutTheAckDelayButNeverBelowTheMinimum() {
        var rtt = RTTEstimator()
        rtt.add(measuredMicros: 10_000, ackDelayMicros: 0)
        rtt.add(measuredMicros: 40_000, ackDelayMicros: 25_000)
        #expect(rtt.latestMicros == 15_000)
        rtt.add(measuredMicros: 12_000, ackDelayMicros: 25_000)
        #expect(rtt.latestMicros == 12_000, "subtracting would go below the 10 ms minimum seen")
    }

    @Test func backsOffByDoublingWithinTheBounds() {
        var rtt = RTTEstimator()
        rtt.add(measuredMicros: 50_000, ackDelayMicros: 0)
        #expect(rtt.timeoutMicros == 200_000, "clamped up to the 200 ms minimum")
        rtt.timedOut()
        #expect(rtt.timeoutMicros == 400_000)
        for _ in 0..<10 { rtt.timedOut() }
        #expect(rtt.timeoutMicros == 10_000_000, "clamped to the 10 s maximum")
        rtt.add(measuredMicros: 50_000, ackDelayMicros: 0)
        #expect(rtt.timeoutMicros == 200_000, "a new sample ends the backoff")
    }

    @Test func lossDelayIsNineEighthsOfTheRoundTripOrItsVariationAbove() {
        var rtt = RTTEstimator()
        rtt.add(measuredMicros: 80_000, ackDelayMicros: 0)
        // First sample: variation 40 ms, so 80 + 4 × 40 ms beats 9/8 × 80 ms.
        #expect(rtt.lossDelayMicros == 240_000)
        for _ in 0..<40 { rtt.add(measuredMicros: 80_000, ackDelayMicros: 0) }
        #expect(rtt.lossDelayMicros == 90_000, "a steady path: 9/8 of the round trip")
    }
}

@Suite struct AckTrackerTests {
    @Test func rangesMergeAndDuplicatesAreRecognized() {
        var t = AckTracker()
        for n: UInt64 in [1, 2, 3, 7, 5, 6, 10] { #expect(t.received(n, ackEliciting: true, at: 0) == .new) }
        #expect(t.received(6, ackEliciting: true, at: 0) == .duplicate)
        #expect(t.ranges == [AckRange(10, 10), AckRange(5, 7), AckRange(1, 3)])
        #expect(t.received(4, ackEliciting: true, at: 0) == .new)
        #expect(t.ranges == [AckRange(10, 10), AckRange(1, 7)])
        let ack = t.makeAck(at: 0)
        #expect(ack?.ranges == t.ranges)
    }

    @Test func ackTimingDelayedImmediateOnSecondPacketAndOnGap() {
        var t = AckTracker()
        _ = t.received(0, ackEliciting: true, at: 1000)
        #expect(t.ackDeadline == 26_000, "one packet: at most 25 ms later")
        _ = t.received(1, ackEliciting: true, at: 2000)
        #expect(t.ackDeadline == 1000, "every second packet: now")
        #expect(t.makeAck(at: 2000)?.delayMicros == 0)
        #expect(t.ackDeadline == nil)
        _ = t.received(5, ackEliciting: true, at: 3000)
        #expect(t.ackDeadline == 3000, "a gap: now")
        _ = t.makeAck(at: 3000)
        _ = t.received(6, ackEliciting: false, at: 4000)
        #expect(t.ackDeadline == nil, "acks alone are not acknowledged")
    }
}

@Suite struct LastFrameFormTests {
    /// A frame written with its length and then made the payload's last is byte for byte
    /// the frame written as last: for bodies whose length takes one, two or three bytes.
    @Test(arguments: [0, 1, 100, 120, 121, 122, 200, 16_370, 16_380, 20_000])
    func matchesTheEncodersLastForm(dataBytes: Int) {
        let message = Message.installSnapshot(InstallSnapshot(
            term: 3, lastIncludedIndex: 9, lastIncludedTerm: 2, offset: 0, done: true,
            data: [UInt8](repeating: 0x61, count: dataBytes)))
        var withLength: [UInt8] = [0xAB, 0xCD]
        message.encodeFrame(into: &withLength, last: false)
        PeerLink.makeLastFrame(&withLength, at: 2)
        var last: [UInt8] = [0xAB, 0xCD]
        message.encodeFrame(into: &last, last: true)
        #expect(withLength == last)
    }
}

@Suite struct PeerStatsTests {
    /// Before: retired sessions' retransmitted bytes, window reductions and probe timeouts
    /// were lost from the peer's totals.
    @Test func accumulatingAddsEveryCounterAndKeepsTheEstimates() {
        var a = PeerStats()
        a.congestionWindowBytes = 12_000
        var b = PeerStats()
        b.datagramsSent = 3
        b.bytesRetransmitted = 500
        b.congestionEvents = 2
        b.persistentCongestionEvents = 1
        b.probeTimeouts = 4
        b.congestionWindowBytes = 2_400
        a.accumulate(b)
        #expect(a.datagramsSent == 3 && a.bytesRetransmitted == 500)
        #expect(a.congestionEvents == 2 && a.persistentCongestionEvents == 1 && a.probeTimeouts == 4)
        #expect(a.congestionWindowBytes == 12_000)
    }
}
