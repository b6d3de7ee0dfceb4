import Wire

/// Who takes part: voters elect and form quorums; learners only receive the log.
///
/// Encoded (as the payload of a `membership` entry and at the head of a snapshot) as:
/// version u8 (1), voter count, voter ids, learner count, learner ids — all varints, counts
/// at most `maxNodes`, ids in ascending order, none twice, no learner also a voter. That is
/// the only accepted form (docs/wire-format.md §6.3), so a membership has one encoding.
public struct Membership: Equatable, Sendable, Hashable {
    public private(set) var voters: [NodeID]
    public private(set) var learners: [NodeID]

    public init(voters: [NodeID], learners: [NodeID] = []) {
        let voterSet = Set(voters)
        self.voters = voterSet.sorted()
        self.learners = Set(learners).subtracting(voterSet).sorted()
    }

    public var members: [NodeID] { (voters + learners).sorted() }
    public func isVoter(_ id: NodeID) -> Bool { voters.contains(id) }
    public func contains(_ id: NodeID) -> Bool { voters.contains(id) || learners.contains(id) }
    public var quorum: Int { Quorum.majority(of: voters.count) }

    /// The membership after `change`, or nil when the change changes nothing.
    public func applying(_ change: MembershipChange) -> Membership? {
        switch change {
        case .addVoter(let id):
            guard !isVoter(id) else { return nil }
            return Membership(voters: voters + [id], learners: learners.filter { $0 != id })
        case .addLearner(let id):
            guard !contains(id) else { return nil }
            return Membership(voters: voters, learners: learners + [id])
        case .remove(let id):
            guard contains(id) else { return nil }
            return Membership(voters: voters.filter { $0 != id }, learners: learners.filter { $0 != id })
        }
    }

    public func encoded() -> [UInt8] {
        var out: [UInt8] = [1]
        out.appendVarint(voters.count)
        for id in voters { out.appendVarint(UInt64(id)) }
        out.appendVarint(learners.count)
        for id in learners { out.appendVarint(UInt64(id)) }
        return out
    }

    public static func decode(from reader: inout WireReader) throws(WireError) -> Membership {
        let versionAt = reader.offset
        let version = try reader.readByte("membership version")
        guard version == 1 else { throw WireError(.unsupportedVersion(version), at: versionAt, field: "membership version") }
        let voterCount = try reader.readCount("voter count", limit: reader.limits.maxNodes)
        var voters: [NodeID] = []
        for _ in 0..<voterCount {
            let at = reader.offset
            let id = try reader.readNodeID("voter")
            guard voters.last.map({ id > $0 }) ?? true else { throw WireError(.valueOutOfRange(UInt64(id)), at: at, field: "voter") }
            voters.append(id)
        }
        let learnerCount = try reader.readCount("learner count", limit: reader.limits.maxNodes)
        var learners: [NodeID] = []
        for _ in 0..<learnerCount {
            let at = reader.offset
            let id = try reader.readNodeID("learner")
            guard learners.last.map({ id > $0 }) ?? true, !voters.contains(id) else {
                throw WireError(.valueOutOfRange(UInt64(id)), at: at, field: "learner")
            }
            learners.append(id)
        }
        return Membership(voters: voters, learners: learners)
    }

    /// Most bytes of the opaque record a membership entry may carry after the membership.
    public static let maxRecordBytes = 256

    /// A membership entry's payload: this membership, then — for a change that adds a node —
    /// the application's record of it (opaque here, 1…`maxRecordBytes` bytes), so that
    /// what the application needs about the node is decided atomically with the change.
    public func entryPayload(record: [UInt8]? = nil) -> [UInt8] {
        var out = encoded()
        if let record, !record.isEmpty { out.appendLengthPrefixed(record) }
        return out
    }

    /// Decodes a membership entry's payload: the membership, then, iff bytes remain, a
    /// record `bytes(maxRecordBytes)` that is not empty (docs/wire-format.md §6.3).
    public static func decodeEntry(_ bytes: [UInt8]) throws(WireError) -> (membership: Membership, record: [UInt8]?) {
        try bytes.withWireReader { (reader) throws(WireError) -> (membership: Membership, record: [UInt8]?) in
            let membership = try decode(from: &reader)
            guard reader.remaining > 0 else { return (membership, nil) }
            let lengthAt = reader.offset
            let record = try reader.readLengthPrefixedBytes("membership record", limit: maxRecordBytes)
            guard !record.isEmpty else { throw WireError(.valueOutOfRange(0), at: lengthAt, field: "membership record") }
            try reader.expectEnd("membership entry")
            return (membership, record)
        }
    }

    public static func decode(_ bytes: [UInt8]) throws(WireError) -> Membership {
        try bytes.withWireReader { (reader) throws(WireError) -> Membership in
            let membership = try decode(from: &reader)
            try reader.expectEnd("membership")
            return membership
        }
    }
}

/// One single-server change (Raft dissertation §4.1): one at a time, in effect as soon as
/// its entry is in the log.
public enum MembershipChange: Equatable, Sendable {
    case addVoter(NodeID)
    case addLearner(NodeID)
    case remove(NodeID)
}
