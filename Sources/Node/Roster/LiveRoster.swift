import Raft
import Wire

/// The roster a node authenticates its peers with, decided by the log: every member of the
/// membership in force (Raft's rule: an entry counts from its append, and stops counting
/// if it is cut) or of the committed one (a removal revokes only once it commits, so a cut
/// removal cannot isolate a follower from the leader that cuts it) but this node, at the
/// newest member record in the log for the node its entry adds, else at its configured entry. So a cut add drops out by itself: its entry is no longer in the
/// log, its node no longer in the membership. The node never compacts its log (it keeps no
/// snapshot of its own), so the log holds every record; a snapshot's membership would keep
/// its members at their configured entries.
public enum LiveRoster {
    /// The roster in force, and one line for each member record that does not check out
    /// (such a record is skipped by every node alike: the input is the same log).
    public static func derive(
        me: NodeID, configured: [NodeID: RosterEntry], initial: Membership, membership: Membership,
        committed: Membership? = nil, entries: [Entry]
    ) -> (roster: [NodeID: RosterEntry], problems: [String]) {
        var recorded: [NodeID: RosterEntry] = [:]
        var problems: [String] = []
        // Each entry against the one before it: its record counts only for the node it adds.
        var previous = initial
        for entry in entries where entry.kind == .membership {
            guard let decoded = try? Membership.decodeEntry(entry.payload) else { continue }
            let added = Set(decoded.membership.members).subtracting(previous.members)
            previous = decoded.membership
            guard let bytes = decoded.record else { continue }
            switch record(bytes, in: decoded.membership) {
            case .success(let (node, rosterEntry)) where added == [node]: recorded[node] = rosterEntry
            case .success(let (node, _)): problems.append("membership entry \(entry.index): its record names node \(node), which it does not add; its record is ignored")
            case .failure(let error): problems.append("membership entry \(entry.index): \(error); its record is ignored")
            }
        }
        var roster: [NodeID: RosterEntry] = [:]
        let members = Set(membership.members).union(committed?.members ?? [])
        for member in members.sorted() where member != me {
            if let entry = recorded[member] ?? configured[member] { roster[member] = entry }
        }
        return (roster, problems)
    }

    /// The record of a membership entry, checked: it decodes, names a member of that
    /// entry's membership, and gives a usable address and key.
    public static func record(_ bytes: [UInt8], in membership: Membership) -> Result<(NodeID, RosterEntry), RosterRecordError> {
        let record: MemberRecord
        do { record = try MemberRecord.decode(bytes) } catch { return .failure(.malformed(error)) }
        guard membership.contains(record.node) else { return .failure(.otherNode(record.node)) }
        do { return .success((record.node, try RosterEntry(record: record))) } catch { return .failure(error) }
    }

    /// What the endpoint must do to go from roster `old` to `new`: add a node that is new or
    /// whose address or key changed, revoke one that left (its sessions refused at once).
    public static func changes(from old: [NodeID: RosterEntry], to new: [NodeID: RosterEntry]) -> [RosterChange] {
        var changes: [RosterChange] = []
        for id in old.keys.sorted() where new[id] == nil { changes.append(.revoke(id)) }
        for id in new.keys.sorted() where old[id] != new[id] {
            if let entry = new[id] { changes.append(.add(id, entry)) }
        }
        return changes
    }
}

/// One change to the endpoint's roster.
public enum RosterChange: Equatable, Sendable {
    /// `TransportEndpoint.addPeer`: a new member, or one at a new address or key.
    case add(NodeID, RosterEntry)
    /// `TransportEndpoint.revoke`: a removed member; its sessions and handshakes are refused.
    case revoke(NodeID)
}
