/// The largest value seen over the last `windowRounds` rounds (the bandwidth model's
/// bottleneck estimate): one slot per round, in a ring. Rounds age only when a new value
/// arrives, so a stretch without samples (an application-limited one) keeps the estimate.
struct WindowedMaximum: Sendable, Equatable {
    let windowRounds: UInt64
    private var rounds: [UInt64]
    private var values: [Double]
    private var latestRound: UInt64 = 0
    private(set) var maximum: Double = 0

    init(windowRounds: Int) {
        self.windowRounds = UInt64(max(windowRounds, 1))
        rounds = Array(repeating: 0, count: max(windowRounds, 1))
        values = Array(repeating: 0, count: max(windowRounds, 1))
    }

    mutating func update(_ value: Double, round: UInt64) {
        guard value.isFinite, value >= 0 else { return }
        latestRound = max(latestRound, round)
        let slot = Int(round % windowRounds)
        if rounds[slot] != round || values[slot] < value {
            if rounds[slot] != round { values[slot] = 0 }
            rounds[slot] = round
            values[slot] = max(values[slot], value)
        }
        var best: Double = 0
        for i in rounds.indices where rounds[i] + windowRounds > latestRound && rounds[i] <= latestRound {
            best = max(best, values[i])
        }
        maximum = best
    }

    mutating func reset() {
        for i in rounds.indices {
            rounds[i] = 0
            values[i] = 0
        }
        latestRound = 0
        maximum = 0
    }
}
