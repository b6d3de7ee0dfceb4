import Wire

/// Datagram buffers kept for reuse between datagrams: a received datagram's buffer, once
/// its frames are decoded, and a sent one's, once it is on the socket, come back here and
/// are taken again for the next receive or the next datagram built. Each allocation and
/// free of a fresh buffer per datagram is gone (two a datagram each way).
///
/// A buffer is emptied as it comes back, so whoever takes one sees none of the bytes of
/// the datagram it held before (its capacity is kept, its count is zero).
public struct DatagramBufferPool: Sendable {
    /// Buffers kept at most: a burst beyond this frees the rest, as before.
    public static let limit = 16
    /// A fresh buffer's capacity: any datagram fits, sent or received, so that a buffer
    /// allocated for a small one is not reallocated when it is taken for a large one.
    public static let standardCapacity = WireLimits.default.maxDatagramBytes + 64

    private var spare: [[UInt8]] = []

    public init() {}

    /// How many buffers wait to be taken.
    public var count: Int { spare.count }

    /// An empty buffer with room for at least `minimumCapacity` bytes.
    public mutating func take(minimumCapacity: Int = 0) -> [UInt8] {
        if var buffer = spare.popLast() {
            // A no-op when the buffer has the room, as every kept one has here.
            buffer.reserveCapacity(minimumCapacity)
            return buffer
        }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(Swift.max(minimumCapacity, Self.standardCapacity))
        return buffer
    }

    /// Keeps `buffer`, emptied, for the next `take`; beyond `limit` it is freed.
    public mutating func giveBack(_ buffer: consuming [UInt8]) {
        guard spare.count < Self.limit else { return }
        var kept = buffer
        kept.removeAll(keepingCapacity: true)
        spare.append(kept)
    }
}
