import Wire

/// The leader's record of what it decided onto each node, so that the next decision counts
/// it until the node's own reports show it. A node's report reflects a decision once the
/// node has applied it; the leader cannot see when that was, so a decision counts as pending
/// until a report sampled `settleMillis` after the decision arrives (counting a service
/// twice for a moment only spreads a burst further; counting it never would pile it up).
public struct PendingLedger: Equatable, Sendable {
    public struct Item: Equatable, Sendable {
        public var requestID: UInt64
        public var node: NodeID
        public var demand: ResourceDemand
        public var decidedAtMillis: UInt64
    }

    public let settleMillis: UInt64
    public private(set) var items: [Item] = []
    /// Bounds the ledger: a leader deciding without ever hearing reports back forgets the
    /// oldest decisions first.
    public let maxItems: Int

    public init(settleMillis: UInt64 = 1_000, maxItems: Int = 4_096) {
        self.settleMillis = settleMillis
        self.maxItems = max(1, maxItems)
    }

    public mutating func record(requestID: UInt64, node: NodeID, demand: ResourceDemand, atMillis: UInt64) {
        if items.count >= maxItems { items.removeFirst(items.count - maxItems + 1) }
        items.append(Item(requestID: requestID, node: node, demand: demand, decidedAtMillis: atMillis))
    }

    /// A refused or failed decision no longer reserves anything.
    public mutating func forget(requestID: UInt64) {
        items.removeAll { $0.requestID == requestID }
    }

    /// A report from `node` sampled at `sampledAtMillis` shows every decision that settled
    /// before it: those leave the ledger.
    public mutating func reportArrived(from node: NodeID, sampledAtMillis: UInt64) {
        items.removeAll { $0.node == node && $0.decidedAtMillis.addingSaturated(settleMillis) <= sampledAtMillis }
    }

    public func reservation(for node: NodeID) -> Reservation {
        items.reduce(into: Reservation.none) { sum, item in
            if item.node == node { sum = sum.adding(item.demand) }
        }
    }
}
