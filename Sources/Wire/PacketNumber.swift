/// A datagram's sequence number within one session and direction: 40 bits on the wire,
/// the nonce counter of the session's key. Never reused in a session; a session is
/// rekeyed long before it runs out.
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
