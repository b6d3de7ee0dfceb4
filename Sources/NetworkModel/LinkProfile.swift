/// Conditions of one network link, by the names DESIGN.md §6 gives them. Pure data,
/// shared by Transport's link emulator and Raft's simulated network.
public struct LinkProfile: Sendable, Equatable, CustomStringConvertible {
    public var name: String
    /// One-way delay and its jitter (uniform ± jitter), in microseconds.
    public var delayMicros: UInt64
    public var jitterMicros: UInt64
    /// Probability that a datagram is lost, 0…1.
    public var loss: Double
    /// Link rate in bits per second (0: unlimited).
    public var bitsPerSecond: UInt64

    public init(name: String, delayMicros: UInt64, jitterMicros: UInt64, loss: Double, bitsPerSecond: UInt64) {
        self.name = name
        self.delayMicros = delayMicros
        self.jitterMicros = jitterMicros
        self.loss = loss
        self.bitsPerSecond = bitsPerSecond
    }

    public var description: String { name }

    public static let loopback = LinkProfile(name: "loopback", delayMicros: 0, jitterMicros: 0, loss: 0, bitsPerSecond: 0)
    public static let lan = LinkProfile(name: "lan", delayMicros: 200, jitterMicros: 0, loss: 0, bitsPerSecond: 100_000_000)
    public static let piWifi = LinkProfile(name: "pi-wifi", delayMicros: 3000, jitterMicros: 2000, loss: 0.01, bitsPerSecond: 20_000_000)
    public static let lossyWifi = LinkProfile(name: "lossy-wifi", delayMicros: 10_000, jitterMicros: 5000, loss: 0.05, bitsPerSecond: 5_000_000)
    public static let cellular = LinkProfile(name: "cellular", delayMicros: 40_000, jitterMicros: 10_000, loss: 0.02, bitsPerSecond: 1_000_000)
    public static let narrowband = LinkProfile(name: "narrowband", delayMicros: 100_000, jitterMicros: 30_000, loss: 0.10, bitsPerSecond: 250_000)

    public static let all: [LinkProfile] = [loopback, lan, piWifi, lossyWifi, cellular, narrowband]

    public static func named(_ name: String) -> LinkProfile? {
        all.first { $0.name == name }
    }
}
