/// A datagram's sequence number within one sender's key epoch: 40 bits on the wire.
/// Never reused under one (sender, epoch); a sender that runs out moves to a new epoch.
public struct PacketNumber: Comparable, Hashable, Sendable, CustomStringConvertible {
    public static let bitWidth = 40
    public static let max = PacketNumber(unchecked: (1 << 40) - 1)

    public let value: UInt64

    /// Nil for numbers that do not fit in 40 bits.
    public init?(_ value: UInt64) {
        guard value <= PacketNumber.max.value else { return nil }
        self.value = value
    }

    init(unchecked value: UInt64) {
        self.value = value
    }

    public static func < (a: PacketNumber, b: PacketNumber) -> Bool { a.value < b.value }
    public var description: String { String(value) }
}
