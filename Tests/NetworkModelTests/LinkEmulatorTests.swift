import NetworkModel
import Testing

@Suite struct LinkEmulatorTests {
    @Test func theSameSeedGivesTheSameDeliveries() {
        func run() -> [[UInt64]] {
            var e = LinkEmulator(.init(profile: .lossyWifi, duplication: 0.1), seed: 5)
            return (0..<500).map { e.transmit(from: 1, to: 2, bytes: 100, at: UInt64($0) * 1000) }
        }
        #expect(run() == run())
    }

    @Test func lossDelayAndJitterFollowTheProfile() {
        var e = LinkEmulator(.init(profile: .lossyWifi), seed: 1)
        var delivered = 0
        for i in 0..<10_000 {
            let now = UInt64(i) * 10_000
            for arrival in e.transmit(from: 1, to: 2, bytes: 100, at: now) {
                delivered += 1
                let delay = arrival - now
                #expect(delay >= 5_000 && delay <= 15_000 + 200)
            }
        }
        // 5 % loss: 9,500 expected; allow a wide margin.
        #expect(delivered > 9_300 && delivered < 9_700)
        #expect(e.dropped.loss == 10_000 - delivered)
    }

    @Test func partitionsCutBothWaysOrOneWayAndHeal() {
        var e = LinkEmulator(.init(profile: .loopback), seed: 1)
        e.cutOneWay(from: 1, to: 2)
        #expect(e.transmit(from: 1, to: 2, bytes: 10, at: 0).isEmpty)
        #expect(e.transmit(from: 2, to: 1, bytes: 10, at: 0).count == 1)
        e.heal()
        e.partition([1, 2], [3])
        #expect(e.transmit(from: 3, to: 1, bytes: 10, at: 0).isEmpty)
        #expect(e.transmit(from: 1, to: 2, bytes: 10, at: 0).count == 1)
        #expect(e.dropped.partition == 2)
        e.reconnect(from: 3, to: 1)
        #expect(e.transmit(from: 3, to: 1, bytes: 10, at: 0).count == 1)
        #expect(e.transmit(from: 1, to: 3, bytes: 10, at: 0).isEmpty, "the other direction stays cut")
    }

    @Test func theRateLimitSpacesDatagramsAndItsQueueIsBounded() {
        // narrowband: 250 kbit/s, so 1,000 bytes take 32 ms on the wire.
        var e = LinkEmulator(.init(profile: LinkProfile(name: "slow", delayMicros: 0, jitterMicros: 0, loss: 0, bitsPerSecond: 250_000), queueLimitBytes: 4_000), seed: 1)
        let first = e.transmit(from: 1, to: 2, bytes: 1000, at: 0)
        let second = e.transmit(from: 1, to: 2, bytes: 1000, at: 0)
        #expect(first == [32_000] && second == [64_000])
        _ = e.transmit(from: 1, to: 2, bytes: 1000, at: 0)
        _ = e.transmit(from: 1, to: 2, bytes: 1000, at: 0)
        #expect(e.transmit(from: 1, to: 2, bytes: 1000, at: 0).isEmpty, "queue of 4,000 bytes is full")
        #expect(e.dropped.queueFull == 1)
    }

    @Test func aCallersGeneratorGivesWhatTheEmulatorsOwnWouldForTheSameSeed() {
        var own = LinkEmulator(.init(profile: .cellular, duplication: 0.2), seed: 11)
        var shared = LinkEmulator(.init(profile: .cellular, duplication: 0.2), seed: 999)
        var generator = SeededRandom(seed: 11)
        for i in 0..<2_000 {
            let now = UInt64(i) * 500
            #expect(own.transmit(from: 1, to: 2, bytes: 200, at: now)
                == shared.transmit(from: 1, to: 2, bytes: 200, at: now, using: &generator))
        }
        #expect(own.dropped == shared.dropped)
    }

    @Test func anUnboundedQueueDelaysInsteadOfDropping() {
        let slow = LinkProfile(name: "slow", delayMicros: 0, jitterMicros: 0, loss: 0, bitsPerSecond: 8_000_000)
        var e = LinkEmulator(.init(profile: slow, queueLimitBytes: .max), seed: 1)
        var last: UInt64 = 0
        for _ in 0..<10_000 { last = e.transmit(from: 1, to: 2, bytes: 1_000, at: 0).first ?? 0 }
        // 10,000 datagrams of 1,000 bytes at 1 byte/µs: the last leaves after 10 s.
        #expect(last == 10_000_000)
        #expect(e.dropped.queueFull == 0)
    }
}
