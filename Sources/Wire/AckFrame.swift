/// A closed range of acknowledged packet numbers.
public struct AckRange: Equatable, Sendable {
    public var lowest: UInt64
    public var highest: UInt64

    public init(_ lowest: UInt64, _ highest: UInt64) {
        self.lowest = lowest
        self.highest = highest
    }
}

/// Which packets arrived, as descending ranges, and how long the receiver held the ack
/// back (so the sender can take it out of its RTT sample, as QUIC does).
///
/// Body: largest acknowledged, ack delay (µs), extra range count, first range length, then
/// per extra range: gap, length. As in QUIC: first range = [largest − length, largest];
/// each next range's highest = previous lowest − gap − 2 (ranges never touch).
public struct AckFrame: FrameBody {
    /// Descending, non-overlapping, non-adjacent; never empty.
    public let ranges: [AckRange]
    public let delayMicros: UInt64

    /// Nil unless `ranges` is non-empty, descending, with a gap of at least one packet
    /// between neighbours, and within the packet-number space.
    public init?(ranges: [AckRange], delayMicros: UInt64) {
        guard let first = ranges.first, first.highest <= PacketNumber.max.value else { return nil }
        var previous: AckRange?
        for range in ranges {
            guard range.lowest <= range.highest else { return nil }
            if let previous, range.highest >= previous.lowest || previous.lowest - range.highest < 2 {
                return nil
            }
            previous = range
        }
        self.ranges = ranges
        self.delayMicros = delayMicros
    }

    private init(validated ranges: [AckRange], delayMicros: UInt64) {
        self.ranges = ranges
        self.delayMicros = delayMicros
    }

    public var largest: UInt64 { ranges[0].highest }

    public static let frameKind = FrameKind.ack

    public func encodeBody(into out: inout [UInt8]) {
        guard let first = ranges.first else { return }
        out.appendVarint(first.highest)
        out.appendVarint(delayMicros)
        out.appendVarint(ranges.count - 1)
        out.appendVarint(first.highest - first.lowest)
        var previousLowest = first.lowest
        for range in ranges.dropFirst() {
            out.appendVarint(previousLowest - range.highest - 2)
            out.appendVarint(range.highest - range.lowest)
            previousLowest = range.lowest
        }
    }

    public static func decodeBody(from reader: inout WireReader, flags: UInt8) throws(WireError) -> AckFrame {
        let largest = try reader.readVarint("largest acked", max: PacketNumber.max.value)
        let delay = try reader.readVarint("ack delay")
        let extra = try reader.readCount("ack range count", limit: reader.limits.maxAckRanges)
        let firstAt = reader.offset
        let firstLength = try reader.readVarint("first ack range")
        guard firstLength <= largest else {
            throw WireError(.valueOutOfRange(firstLength), at: firstAt, field: "first ack range")
        }
        var ranges: [AckRange] = []
        ranges.reserveCapacity(extra + 1)
        ranges.append(AckRange(largest - firstLength, largest))
        var lowest = largest - firstLength
        for _ in 0..<extra {
            let gapAt = reader.offset
            let gap = try reader.readVarint("ack gap")
            // The next range's highest is lowest − gap − 2; it must not go below zero.
            guard lowest >= 2, gap <= lowest - 2 else {
                throw WireError(.valueOutOfRange(gap), at: gapAt, field: "ack gap")
            }
            let highest = lowest - gap - 2
            let lengthAt = reader.offset
            let length = try reader.readVarint("ack range length")
            guard length <= highest else {
                throw WireError(.valueOutOfRange(length), at: lengthAt, field: "ack range length")
            }
            lowest = highest - length
            ranges.append(AckRange(lowest, highest))
        }
        return AckFrame(validated: ranges, delayMicros: delay)
    }
}
