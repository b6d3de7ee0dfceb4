/// The reliable message numbers one packet carried, in the order written. Nearly every
/// packet carries one or two, kept inline; more spill into an array. (As an array it was
/// an allocation per datagram sent and a free per packet acknowledged.)
struct CarriedUnits: Sendable, Equatable, Sequence {
    private var first: UInt64 = 0
    private var second: UInt64 = 0
    private var more: [UInt64] = []
    private(set) var count = 0

    init() {}

    var isEmpty: Bool { count == 0 }

    mutating func append(_ number: UInt64) {
        switch count {
        case 0: first = number
        case 1: second = number
        default: more.append(number)
        }
        count += 1
    }

    struct Iterator: IteratorProtocol {
        let units: CarriedUnits
        var position = 0

        mutating func next() -> UInt64? {
            guard position < units.count else { return nil }
            defer { position += 1 }
            switch position {
            case 0: return units.first
            case 1: return units.second
            default: return units.more[position - 2]
            }
        }
    }

    func makeIterator() -> Iterator { Iterator(units: self) }

    var underestimatedCount: Int { count }
}
