import ClientAPI
import Node
import Raft
import Testing
import Wire

/// Membership changes through the log, in real `NodeCore`s: a node joins as a learner,
/// gets the log, is promoted and counts in the quorum; a removed node is refused by every
/// remaining node's roster and never chosen again.
@Suite struct MembershipPathTests {
    static let idle = InjectedLoad(cpuBusyPermille: 50, memoryUsedMiB: 500)
    static let busy = InjectedLoad(cpuBusyPermille: 800, memoryUsedMiB: 500)

    func request(_ id: UInt64, _ name: String) -> DeployRequest {
        DeployRequest(requestID: id, service: name, image: "demo", command: ["sleep", "60"], cpuMillicores: 100, memoryMiB: 64)
    }

    static let seventh = MemberRecord(node: 7, address: "127.0.0.1:7007", publicKey: nil)

    func stableCluster(loads: [NodeID: InjectedLoad] = [:]) throws -> CoreCluster {
        let cluster = CoreCluster(size: 6, mode: .stable, loads: loads)
        #expect(cluster.run(forMicros: 2_000_000) { cluster.leader != nil })
        return cluster
    }

    /// A gateway that is not the leader: the change is forwarded (MemberChange frame).
    func follower(of cluster: CoreCluster, except: Set<NodeID> = []) throws -> NodeID {
        let leader = try #require(cluster.leader)
        return try #require((1...6).map { NodeID($0) }.first { $0 != leader && !except.contains($0) })
    }

    @Test func aSeventhNodeJoinsAsLearnerGetsTheLogAndCountsInTheQuorumOncePromoted() throws {
        let cluster = try stableCluster()
        let first = cluster.submit(at: 1, request(1, "before"))
        #expect(cluster.run(forMicros: 5_000_000) { cluster.memberReplies.isEmpty && cluster.replies[first] != nil })
        // The new node starts outside the membership, its roster naming the six.
        // The idlest node, so that placement sends the decision after its promotion there
        // (the cut-off nodes' reports are still fresh when it is made).
        cluster.addCore(7, voters: (1...6).map { NodeID($0) }, load: Self.idle)
        #expect(cluster.cores[7]!.raft.isVoter == false)

        let gateway = try follower(of: cluster)
        let add = cluster.submitMemberChange(at: gateway, .add(Self.seventh, voter: false))
        #expect(cluster.run(forMicros: 5_000_000) { cluster.memberReplies[add] != nil })
        let added = try #require(try cluster.memberReplies[add]?.get())
        #expect(added == MemberView(id: 7, address: "127.0.0.1:7007", role: "learner"))
        for id in 1...6 { #expect(cluster.rosters[NodeID(id)]?.contains(7) == true, "node \(id)") }
        // It receives the log: the decision made before it joined is in its service set.
        #expect(cluster.run(forMicros: 3_000_000) { cluster.cores[7]!.services.services["before"] != nil })
        #expect(cluster.cores[7]!.raft.membership == Membership(voters: [1, 2, 3, 4, 5, 6], learners: [7]))
        #expect(cluster.cores[7]!.raft.isVoter == false)

        let promote = cluster.submitMemberChange(at: try follower(of: cluster, except: [gateway]), .promote(7))
        #expect(cluster.run(forMicros: 5_000_000) { cluster.memberReplies[promote] != nil })
        #expect(try cluster.memberReplies[promote]?.get().role == "voter")
        #expect(cluster.run(forMicros: 2_000_000) { (1...7).allSatisfy { cluster.cores[NodeID($0)]!.raft.membership.voters.count == 7 } })

        // Seven voters: a majority is four. With three of the first six cut off, the leader,
        // two others and node 7 are four — the decision commits only because node 7 votes.
        let leader = try #require(cluster.leader)
        let cut = Set((1...6).map { NodeID($0) }.filter { $0 != leader }.prefix(3))
        cluster.isolated = cut
        let ticket = cluster.submit(at: leader, request(2, "after"))
        #expect(cluster.run(forMicros: 8_000_000) { cluster.replies[ticket] != nil }, "\(cluster.logs[leader] ?? [])")
        let placed = try #require(try cluster.replies[ticket]?.get())
        #expect(placed.status == "running" && placed.node == 7)
        // And without node 7 too, three of seven cannot decide anything.
        cluster.isolated = cut.union([7])
        let stuck = cluster.submit(at: leader, request(3, "stuck"))
        cluster.run(forMicros: 12_000_000) { cluster.replies[stuck] != nil }
        #expect(cluster.cores[leader]!.services.services["stuck"] == nil)
    }

    @Test func aRemovedNodeIsRefusedByEveryRemainingNodeAndNeverChosenAgain() throws {
        // Node 6 is the idle one: placement would choose it first.
        let cluster = try stableCluster(loads: [1: Self.busy, 2: Self.busy, 3: Self.busy, 4: Self.busy, 5: Self.busy, 6: Self.idle])
        let leader = try #require(cluster.leader)
        let removed: NodeID = leader == 6 ? 5 : 6
        let remove = cluster.submitMemberChange(at: try follower(of: cluster, except: [removed]), .remove(removed))
        #expect(cluster.run(forMicros: 5_000_000) { cluster.memberReplies[remove] != nil })
        #expect(try cluster.memberReplies[remove]?.get().role == "removed")
        cluster.run(forMicros: 1_000_000)
        let remaining = (1...6).map { NodeID($0) }.filter { $0 != removed }
        for id in remaining {
            #expect(cluster.rosters[id]?.contains(removed) == false, "node \(id)")
            #expect(cluster.rosterChanges[id]?.last == .revoke(removed), "node \(id)")
            #expect(cluster.cores[id]!.raft.membership.contains(removed) == false)
        }
        // The removed node hears no leader, campaigns, and every datagram of it is refused.
        cluster.refused = []
        cluster.run(forMicros: 3_000_000)
        #expect(cluster.refused.contains { $0.0 == removed })
        #expect(cluster.refused.allSatisfy { $0.0 == removed && remaining.contains($0.1) })
        let tickets = (0..<4).map { cluster.submit(at: leader, request(UInt64(20 + $0), "svc-\($0)")) }
        #expect(cluster.run(forMicros: 10_000_000) { tickets.allSatisfy { cluster.replies[$0] != nil } })
        for ticket in tickets { #expect(try cluster.replies[ticket]?.get().node != removed) }
        #expect(cluster.starts.allSatisfy { $0.0 != removed })
    }

    @Test func changesThatCannotBeMadeAreRefusedWithTheirStatus() throws {
        let cluster = try stableCluster()
        let leader = try #require(cluster.leader)
        func refusal(_ change: MemberChange) -> GatewayError? {
            let ticket = cluster.submitMemberChange(at: leader, change)
            cluster.run(forMicros: 3_000_000) { cluster.memberReplies[ticket] != nil }
            if case .failure(let error) = cluster.memberReplies[ticket] { return error }
            return nil
        }
        #expect(refusal(.add(MemberRecord(node: 3, address: "127.0.0.1:7100", publicKey: nil), voter: false)) == .conflict("node 3 is already a member"))
        #expect(refusal(.add(MemberRecord(node: 9, address: "127.0.0.1:7003", publicKey: nil), voter: false)) == .conflict("node 3 already has that address or public key"))
        // The gateway's own address: the roster holds only the others, so it is checked apart.
        #expect(refusal(.add(MemberRecord(node: 9, address: "127.0.0.1:\(7000 + Int(leader))", publicKey: nil), voter: false))
            == .conflict("node \(leader) (this gateway) already has that address or public key"))
        #expect(refusal(.promote(2)) == .conflict("node 2 is a voter already"))
        #expect(refusal(.remove(42)) == .notFound("node 42 is not a member"))
        if case .invalid(let field, _)? = refusal(.add(MemberRecord(node: 9, address: "0.0.0.0:7100", publicKey: nil), voter: false)) {
            #expect(field == "address")
        } else {
            Issue.record("a wildcard address is not refused")
        }
        // One change at a time: a second change while the first is not committed.
        let first = cluster.submitMemberChange(at: leader, .add(Self.seventh, voter: false))
        let second = cluster.submitMemberChange(at: leader, .remove(2))
        #expect(cluster.memberReplies[second] != nil)
        if case .failure(.conflict)? = cluster.memberReplies[second] {} else { Issue.record("second change: \(String(describing: cluster.memberReplies[second]))") }
        _ = first
    }

    /// A MemberChange frame counts only from a voter of the committed membership, never
    /// about its sender; refusals are logged once a second per peer.
    @Test func memberChangeFramesFromLearnersOrAboutTheSenderAreRefused() throws {
        let cluster = try stableCluster()
        let leader = try #require(cluster.leader)
        let voter = try follower(of: cluster)
        let before = cluster.cores[leader]!.raft.lastIndex
        var effects = cluster.cores[leader]!.receive(from: voter, .memberChange(.remove(voter)), now: cluster.now)
        effects += cluster.cores[leader]!.receive(from: voter, .memberChange(.remove(voter)), now: cluster.now + 1_000)
        #expect(cluster.cores[leader]!.refusedMemberChanges == 2)
        #expect(effects.count(where: { if case .log = $0 { true } else { false } }) == 1)
        #expect(cluster.cores[leader]!.raft.lastIndex == before)

        // A learner: neither its own promotion nor anyone else's removal.
        cluster.addCore(7, voters: (1...6).map { NodeID($0) })
        let add = cluster.submitMemberChange(at: leader, .add(Self.seventh, voter: false))
        #expect(cluster.run(forMicros: 5_000_000) { cluster.memberReplies[add] != nil })
        let current = try #require(cluster.leader)
        let now = cluster.now
        _ = cluster.cores[current]!.receive(from: 7, .memberChange(.promote(7)), now: now)
        _ = cluster.cores[current]!.receive(from: 7, .memberChange(.remove(voter)), now: now)
        cluster.run(forMicros: 1_000_000)
        #expect(cluster.cores[current]!.raft.membership == Membership(voters: [1, 2, 3, 4, 5, 6], learners: [7]))
    }

    /// A follower withholds its acknowledgement of a membership entry that is not one
    /// sound single-server change, and raises an alarm.
    @Test func aFollowerRefusesToAppendAnUnsoundMembershipEntry() throws {
        let cluster = try stableCluster()
        let leader = try #require(cluster.leader)
        let target = try follower(of: cluster)
        let voters = (1...6).map { NodeID($0) }
        let record = { (id: NodeID, address: String) in MemberRecord(node: id, address: address, publicKey: nil).encoded() }
        let forged: [[UInt8]] = [
            Membership(voters: voters, learners: [7, 8]).entryPayload(record: record(7, "127.0.0.1:7107")),
            Membership(voters: voters, learners: [7]).entryPayload(record: record(8, "127.0.0.1:7108")),
            Membership(voters: voters, learners: [7]).entryPayload(record: record(7, "127.0.0.1:7002")),
            Membership(voters: voters.filter { $0 != 2 }).entryPayload(record: record(2, "127.0.0.1:7102")),
            Membership(voters: [], learners: voters).entryPayload(),
        ]
        for payload in forged {
            var core = cluster.cores[target]!
            let last = core.raft.lastIndex
            let append = AppendEntries(
                term: core.raft.term, prevLogIndex: last, prevLogTerm: core.raft.lastTerm, leaderCommit: core.raft.commitIndex,
                entries: [LogEntry(term: core.raft.term, kind: .membership, payload: payload)])
            let alarms = core.membershipAlarms
            _ = core.receive(from: leader, .appendEntries(append), now: cluster.now)
            #expect(core.membershipAlarms == alarms + 1)
            #expect(core.raft.lastIndex == last)
        }
        // A sound add is taken.
        var core = cluster.cores[target]!
        let last = core.raft.lastIndex
        let sound = AppendEntries(
            term: core.raft.term, prevLogIndex: last, prevLogTerm: core.raft.lastTerm, leaderCommit: core.raft.commitIndex,
            entries: [LogEntry(term: core.raft.term, kind: .membership, payload: Membership(voters: voters, learners: [7]).entryPayload(record: record(7, "127.0.0.1:7107")))])
        _ = core.receive(from: leader, .appendEntries(sound), now: cluster.now)
        #expect(core.membershipAlarms == 0)
        #expect(core.raft.lastIndex == last + 1)
    }

    /// A removal revokes only once it commits: an uncommitted one leaves the removed node
    /// in every roster (so a cut removal cannot isolate it from its leader).
    @Test func aRemovalRevokesOnlyOnceItCommits() throws {
        let cluster = try stableCluster()
        let leader = try #require(cluster.leader)
        let removed = try follower(of: cluster)
        let witness = try follower(of: cluster, except: [removed])
        cluster.isolated = Set((1...6).map { NodeID($0) }).subtracting([leader, witness, removed])
        let remove = cluster.submitMemberChange(at: leader, .remove(removed))
        cluster.run(forMicros: 500_000)
        #expect(cluster.memberReplies[remove] == nil)
        #expect(cluster.cores[witness]!.raft.membership.contains(removed) == false)
        #expect(cluster.rosters[witness]?.contains(removed) == true)
        #expect(cluster.rosters[leader]?.contains(removed) == true)
        cluster.isolated = []
        #expect(cluster.run(forMicros: 5_000_000) { cluster.memberReplies[remove] != nil })
        cluster.run(forMicros: 500_000)
        #expect(cluster.rosters[witness]?.contains(removed) == false)
        #expect(cluster.rosters[leader]?.contains(removed) == false)
    }
}
