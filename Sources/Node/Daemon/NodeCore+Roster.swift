import Raft
import Wire

/// Transport's roster follows the log (`LiveRoster`): the core works out the changes, the
/// shell performs them (`endpoint.addPeer`, `endpoint.revoke`).
extension NodeCore {
    /// Derives the roster from the log as it is now and returns what changed.
    mutating func refreshRoster() -> [NodeEffect] {
        rosterMembership = raft.membership
        rosterLogEnd = raft.lastIndex
        let (derived, problems) = LiveRoster.derive(
            me: me, configured: configuredRoster, initial: raft.membership(asOf: raft.snapshotPosition.index),
            membership: raft.membership, committed: committedMembership, entries: raft.entries)
        var effects: [NodeEffect] = problems.map { .log(.warning, $0) }
        let changes = LiveRoster.changes(from: roster, to: derived)
        roster = derived
        for change in changes {
            switch change {
            case .add(let id, let entry): effects.append(.log(.notice, "roster: node \(id) at \(entry.addressText)"))
            case .revoke(let id): effects.append(.log(.notice, "roster: node \(id) removed; its sessions are refused"))
            }
            effects.append(.roster(change))
        }
        return effects
    }
}
