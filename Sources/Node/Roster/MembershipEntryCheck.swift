import Raft
import Wire

/// What a follower checks of a membership entry it is asked to append, against the
/// membership before it in the log: one single-server change (one node added, promoted or
/// removed; a voter left), a member record only on an add, naming exactly the added node,
/// at an address and key no other member uses. Each problem is a sentence; nil: sound.
public enum MembershipEntryCheck {
    public static func problem(
        _ payload: [UInt8], after previous: Membership, roster: [NodeID: RosterEntry]
    ) -> String? {
        let next: Membership
        let recordBytes: [UInt8]?
        do { (next, recordBytes) = try Membership.decodeEntry(payload) } catch { return "it does not decode (\(error))" }
        guard !next.voters.isEmpty else { return "it leaves no voter" }
        let before = Set(previous.members), after = Set(next.members)
        let added = after.subtracting(before), removed = before.subtracting(after)
        let promoted = Set(previous.learners).intersection(next.voters)
        let demoted = Set(previous.voters).intersection(next.learners)
        let changed = added.count + removed.count + promoted.count + demoted.count
        guard changed == 1, demoted.isEmpty else { return "it is not a single-server change of \(previous.members)" }
        guard let node = added.first else {
            return recordBytes == nil ? nil : "it carries a member record but adds no node"
        }
        guard let recordBytes else { return nil }
        let record: MemberRecord
        do { record = try MemberRecord.decode(recordBytes) } catch { return "its member record does not decode (\(error))" }
        guard record.node == node else { return "its member record names node \(record.node), not the added node \(node)" }
        let entry: RosterEntry
        do { entry = try RosterEntry(record: record) } catch { return "its member record: \(error)" }
        let taken = roster.filter { id, other in
            id != node && before.contains(id)
                && (other.address == entry.address || (other.publicKey != nil && other.publicKey == entry.publicKey))
        }
        if let other = taken.keys.min() { return "its member record gives node \(node) the address or key of node \(other)" }
        return nil
    }
}
