import Testing
import Transport
@testable import Node

/// The drops an operator must hear of (a wrong key in a roster shows only as drops), told
/// once a minute at most, with the count since last told.
@Suite struct TransportWarningsTests {
    static func drops(_ reason: DatagramDropReason, _ count: Int) -> DropCounters {
        var table = DropCounters()
        for _ in 0..<count { table.count(reason) }
        return table
    }

    @Test func aBadMAC1IsToldWithWhatItMostLikelyMeans() {
        var warnings = TransportWarnings()
        #expect(warnings.check(drops: DropCounters(), timestampStoreFailures: 0, now: 1_000).isEmpty, "nothing dropped: nothing said")
        let lines = warnings.check(drops: Self.drops(.badMAC, 3), timestampStoreFailures: 0, now: 2_000)
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("3 handshake initiations with a bad mac1") == true)
        #expect(lines.first?.contains("wrong key") == true)
    }

    @Test func eachKindIsToldAtMostOnceAMinuteWithTheCountSinceLastTold() {
        var warnings = TransportWarnings()
        _ = warnings.check(drops: Self.drops(.authentication, 2), timestampStoreFailures: 0, now: 0)
        #expect(warnings.check(drops: Self.drops(.authentication, 50), timestampStoreFailures: 0, now: 30_000_000).isEmpty,
                "within the minute: held back")
        let later = warnings.check(drops: Self.drops(.authentication, 60), timestampStoreFailures: 0, now: 60_000_000)
        #expect(later.count == 1 && later.first?.hasPrefix("58 ") == true, "the count since it was last told")
        #expect(warnings.check(drops: Self.drops(.authentication, 60), timestampStoreFailures: 0, now: 200_000_000).isEmpty,
                "no new drops: nothing said")
        #expect(warnings.check(drops: Self.drops(.replay, 500), timestampStoreFailures: 0, now: 300_000_000).isEmpty,
                "replays and the like are not a misconfiguration: counted, not told")
    }

    @Test func aFailedTimestampWriteIsTold() {
        var warnings = TransportWarnings()
        let lines = warnings.check(drops: DropCounters(), timestampStoreFailures: 1, now: 5_000)
        #expect(lines.count == 1 && lines.first?.contains("timestamp state failed") == true)
        #expect(warnings.check(drops: DropCounters(), timestampStoreFailures: 1, now: 100_000_000).isEmpty)
    }
}
