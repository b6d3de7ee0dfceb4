import NetworkModel
import Testing
import Wire
@testable import Transport

/// The path model (`BandwidthModelController`, `PeerLink`'s default): on a bottleneck of
/// its own (`BottleneckPath`), and in a `PeerLink` over the link emulator.
@Suite struct PathModelCongestionTests {
    /// `narrowband`: 250 kbit/s, 200 ms round trip, 10 % random loss.
    static let narrowRate = 250_000.0 / 8
    static let narrowRoundTrip: UInt64 = 200_000
    static var narrowPathBytes: Int { Int(narrowRate * Double(narrowRoundTrip) / 1_000_000) }

    @Test func randomLossDoesNotShrinkTheWindowOrThePacingRateBelowTheBottleneck() {
        var path = BottleneckPath(bytesPerSecond: Self.narrowRate, roundTripMicros: Self.narrowRoundTrip, loss: 0.10, seed: 7)
        path.run(forMicros: 5_000_000)
        var smallestWindow = Int.max
        var smallestEstimate = Double.infinity
        var smallestPacing = Double.infinity
        for _ in 0..<300 {
            path.run(forMicros: 100_000)
            smallestEstimate = min(smallestEstimate, path.controller.bandwidthBytesPerSecond)
            // Probing the round trip holds half the path in flight for 200 ms: not a loss's doing.
            guard path.controller.mode == .probeBandwidth else { continue }
            smallestWindow = min(smallestWindow, path.controller.windowBytes)
            smallestPacing = min(smallestPacing, path.controller.pacingBytesPerSecond)
        }
        #expect(path.controller.congestionEvents == 0, "10 % random loss is not congestion")
        #expect(smallestWindow >= Self.narrowPathBytes, "the window stays at or above the path's \(Self.narrowPathBytes) bytes: \(smallestWindow)")
        #expect(smallestEstimate >= 0.9 * Self.narrowRate, "the bottleneck estimate holds: \(smallestEstimate) of \(Self.narrowRate) B/s")
        // The cycle's lowest gain is 0.75; nothing lower.
        #expect(smallestPacing >= 0.74 * smallestEstimate)
        #expect(path.controller.bandwidthBytesPerSecond <= 1.1 * Self.narrowRate, "nor above the bottleneck")
    }

    @Test func aRandomlyLossyLinkKeepsItsWindowInAPeerLink() {
        // The same narrowband link (no jitter) between two PeerLinks, with the default
        // controller: 400 KB of bulk, the window watched every 100 ms after startup.
        let profile = LinkProfile(name: "narrow", delayMicros: Self.narrowRoundTrip / 2, jitterMicros: 0, loss: 0.10, bitsPerSecond: 250_000)
        var harness = LinkHarness(nodes: [1, 2], conditions: .init(profile: profile), seed: 3)
        for i in 0..<400 {
            harness.send(1, 2, OutgoingMessage(
                .installSnapshot(InstallSnapshot(
                    term: 1, lastIncludedIndex: 1, lastIncludedTerm: 1, offset: UInt64(i) * 1000, done: false,
                    data: [UInt8](repeating: UInt8(truncatingIfNeeded: i), count: 1000))),
                trafficClass: .bulk, deadlineMicros: .max))
        }
        harness.run(until: 3_000_000)
        var smallestWindow = Int.max
        for step in 1...60 {
            harness.run(until: 3_000_000 + UInt64(step) * 100_000)
            if harness.link(1, 2).congestion.model?.mode == .probeRoundTrip { continue }
            smallestWindow = min(smallestWindow, harness.link(1, 2).statistics.congestionWindowBytes)
        }
        #expect(smallestWindow >= Self.narrowPathBytes, "before: NewReno halved on every loss, down to \(smallestWindow) bytes")
        #expect(harness.link(1, 2).statistics.packetsLost > 10, "the link did lose packets")
    }

    @Test func aCongestiveLossRateBacksOff() {
        var path = BottleneckPath(bytesPerSecond: Self.narrowRate, roundTripMicros: Self.narrowRoundTrip, loss: 0.10, seed: 7)
        path.run(forMicros: 5_000_000)
        let window = path.controller.windowBytes
        let estimate = path.controller.bandwidthBytesPerSecond
        path.loss = 0.4
        var smallestWindow = Int.max
        var smallestEstimate = Double.infinity
        for _ in 0..<50 {
            path.run(forMicros: 100_000)
            smallestWindow = min(smallestWindow, path.controller.windowBytes)
            smallestEstimate = min(smallestEstimate, path.controller.bandwidthBytesPerSecond)
        }
        #expect(path.controller.congestionEvents >= 1)
        #expect(smallestWindow < window, "the window backs off")
        #expect(smallestEstimate < 0.8 * estimate, "and so does the rate")
    }

    @Test func persistentCongestionCollapsesTheModel() throws {
        var s = CongestionControlTests.Sender(bulkBytes: 600_000, congestionControl: .bandwidthModel)
        try s.ack(s.poll())
        _ = s.poll()
        let pacedBefore = s.link.statistics.pacingBitsPerSecond
        var probes: [UInt64] = []
        for _ in 0..<300 {
            s.now += 10_000
            probes += s.poll()
        }
        let last = try #require(probes.last)
        // Only the last probe arrives: everything sent over three seconds was lost.
        try s.ack([last], after: 10_000)
        let stats = s.link.statistics
        #expect(pacedBefore > 0)
        #expect(stats.persistentCongestionEvents == 1)
        #expect(s.window == s.link.congestion.minimumWindowBytes, "the minimum window")
        #expect(s.link.congestion.model?.mode == .startup, "the path is learnt again")
        #expect(stats.bandwidthEstimateBitsPerSecond == 0, "the bandwidth estimate is forgotten")
        s.now += 100_000
        #expect(s.poll().count <= 4)
        #expect(s.link.congestion.bytesInFlight < s.window + CongestionControlTests.datagram)
    }

    @Test func applicationLimitedSamplesDoNotLowerTheEstimate() {
        var path = BottleneckPath(bytesPerSecond: 1_000_000 / 8, roundTripMicros: 80_000, seed: 2)
        path.run(forMicros: 3_000_000)
        let estimate = path.controller.bandwidthBytesPerSecond
        #expect(estimate >= 0.9 * 1_000_000 / 8)
        let rounds = path.controller.rounds
        // One datagram per round trip for 40 of them: far below what the path carries.
        for _ in 0..<40 {
            path.budget = 1
            path.run(forMicros: 90_000)
        }
        #expect(path.controller.rounds >= rounds + 20, "well past the filter's 10 rounds")
        #expect(path.controller.bandwidthBytesPerSecond >= 0.99 * estimate, "an application-limited sample says nothing about the path")
        // Sending at will again: a sample above the estimate still counts.
        path.budget = nil
        path.run(forMicros: 2_000_000)
        #expect(path.controller.bandwidthBytesPerSecond >= 0.9 * estimate)
    }

    @Test func startupEndsWhenTheBandwidthStopsGrowing() throws {
        let rate = 1_000_000.0 / 8
        var path = BottleneckPath(bytesPerSecond: rate, roundTripMicros: 80_000, seed: 2)
        var exitRound: UInt64?
        for _ in 0..<400 where exitRound == nil {
            path.run(forMicros: 10_000)
            if path.controller.mode != .startup { exitRound = path.controller.rounds }
        }
        let round = try #require(exitRound, "startup ended without any loss")
        #expect(round <= 12, "within a few rounds of the plateau")
        #expect(path.controller.filledPipe)
        #expect(path.controller.congestionEvents == 0)
        #expect(abs(path.controller.bandwidthBytesPerSecond - rate) <= 0.1 * rate, "the estimate is the bottleneck")
        // Drain empties what startup queued; probing then keeps the queue near empty.
        path.run(forMicros: 2_000_000)
        #expect(path.controller.mode == .probeBandwidth)
        path.largestQueueMicros = 0
        path.run(forMicros: 3_000_000)
        #expect(path.largestQueueMicros <= 80_000, "at most a round trip's worth queued: \(path.largestQueueMicros) µs")
    }

    /// Before: with acks bunched by ± 60 ms on a 200 ms round trip, the largest of the
    /// per-ack samples ran 15–23 % above the link (14–16 % on average over 30 s, eight
    /// seeds), and pacing at it kept a queue; over two rounds, 7–8 %.
    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6, 7, 8])
    func jitteredAcksDoNotInflateTheBottleneckEstimate(seed: UInt64) {
        var path = BottleneckPath(bytesPerSecond: Self.narrowRate, roundTripMicros: Self.narrowRoundTrip, jitterMicros: 60_000, seed: seed)
        path.run(forMicros: 5_000_000)
        #expect(path.controller.mode != .startup)
        path.largestQueueMicros = 0
        var estimates: [Double] = []
        for _ in 0..<300 {
            path.run(forMicros: 100_000)
            estimates.append(path.controller.bandwidthBytesPerSecond)
        }
        let mean = estimates.reduce(0, +) / Double(estimates.count)
        #expect(mean <= 1.1 * Self.narrowRate, "estimate \(mean) B/s on average on a \(Self.narrowRate) B/s link")
        #expect(mean >= 0.9 * Self.narrowRate, "and not below it either")
    }

    /// Acks held back for 300 ms and released together, every 2 s: over the ack span
    /// alone the two rounds around a release read up to 1.6 × the link.
    @Test func acksReleasedTogetherDoNotInflateTheEstimate() {
        let rate = 1_000_000.0 / 8
        var path = BottleneckPath(bytesPerSecond: rate, roundTripMicros: 80_000, seed: 3)
        path.run(forMicros: 5_000_000)
        #expect(path.controller.mode == .probeBandwidth)
        var largestEstimate = 0.0
        for _ in 0..<10 {
            path.ackStall = path.now + 500_000..<path.now + 800_000
            for _ in 0..<20 {
                path.run(forMicros: 100_000)
                largestEstimate = max(largestEstimate, path.controller.bandwidthBytesPerSecond)
            }
        }
        #expect(largestEstimate <= 1.3 * rate, "estimate up to \(largestEstimate) B/s on a \(rate) B/s link")
    }

    /// Before: startup grew the window by every byte of the first window delivered, so
    /// twice RFC 9002's ten datagrams went into a path that holds five, paced at 2.89 ×
    /// their rate over the assumed round trip: ≈ 0.4 s of `narrowband`'s link queued.
    @Test func startupQueuesAtMostHalfAPathOnANarrowLink() {
        var path = BottleneckPath(bytesPerSecond: Self.narrowRate, roundTripMicros: Self.narrowRoundTrip, jitterMicros: 60_000)
        let initial = path.controller.initialWindowBytes
        #expect(path.controller.pacingBytesPerSecond == Double(initial) * 1_000_000 / Double(BandwidthModelController.assumedRoundTripMicros),
                "the initial window is paced over the assumed round trip")
        path.run(forMicros: 3_000_000)
        #expect(path.controller.mode != .startup, "startup is over")
        #expect(path.largestQueueMicros <= 300_000, "queued at most \(path.largestQueueMicros) µs (the initial window alone is 0.39 s of this link)")
    }

    @Test func thePacerHoldsBulkButNotControl() throws {
        var s = CongestionControlTests.Sender(bulkBytes: 600_000, congestionControl: .bandwidthModel)
        // Even the initial window is paced (over RFC 9002's initial 333 ms RTT).
        var flight = s.poll()
        #expect(flight.count < 3, "not ten datagrams at once: \(flight.count)")
        for _ in 0..<15 {
            s.now += 34_000
            flight += s.poll()
        }
        #expect(flight.count >= 10)
        // Its acks, one per millisecond, measure the path.
        try CongestionControlTests.ackOneByOne(&s, flight, rtt: 50_000)
        let output = s.link.poll(now: s.now)
        #expect(!output.datagrams.isEmpty)
        #expect(s.link.congestion.allowsSending(), "the window has room")
        #expect(!s.link.congestion.pacingAllows(now: s.now), "the pacer is what holds bulk back")
        let next = try #require(s.link.congestion.model?.nextSendMicros)
        #expect(output.nextWakeupMicros == next, "the link asks to be polled when the pacer allows")
        // A heartbeat does not wait for it.
        let heartbeat = Message.appendEntries(AppendEntries(term: 9, prevLogIndex: 4, prevLogTerm: 3, leaderCommit: 4, entries: []))
        s.link.enqueue(OutgoingMessage(heartbeat, reliable: false, trafficClass: .control, deadlineMicros: .max, supersedeKey: "heartbeat"))
        let datagrams = s.link.poll(now: s.now).datagrams
        #expect(datagrams.count == 1)
        let frames = try datagrams.first.map { try Payload.decode(Array($0.dropFirst(DatagramHeader.size))) } ?? []
        #expect(frames == [heartbeat])
        // At the pacer's time (the heartbeat counted too), bulk goes again.
        s.now = try #require(s.link.congestion.model?.nextSendMicros)
        #expect(s.now >= next)
        #expect(!s.link.poll(now: s.now).datagrams.isEmpty)
    }
}
