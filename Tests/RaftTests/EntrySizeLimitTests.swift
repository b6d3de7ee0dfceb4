import Testing
import Wire
@testable import Raft

/// A proposal over the entry-size limit is refused at once, with a reason; one at the
/// limit is appended, replicated and committed (its AppendEntries decodes on the follower).
@Suite struct EntrySizeLimitTests {
    let limit = WireLimits.default.maxEntryBytes

    @Test func theLimitIsTheWireLimit() {
        #expect(Entry.maxPayloadBytes == limit)
    }

    @Test func aProposalOneByteOverTheLimitIsRefusedAndOneAtItCommits() throws {
        var c = TestCluster([1, 2, 3])
        c.campaign(1)
        let over = [UInt8](repeating: 7, count: limit + 1)
        #expect(c.propose(1, tag: 1, over) == .dropped(.entryTooLarge(bytes: limit + 1, limit: limit)))
        #expect(c[1].lastIndex == 1, "nothing appended")
        // Refused on a follower too, rather than forwarded to a leader that refuses it.
        #expect(c.propose(2, tag: 2, over) == .dropped(.entryTooLarge(bytes: limit + 1, limit: limit)))
        for size in [limit - 1, limit] {
            let payload = [UInt8](repeating: 9, count: size)
            guard case .appended(let index, _) = c.propose(1, tag: 3, payload) else { Issue.record("not appended"); return }
            #expect(c[1].commitIndex == index)
            #expect(c[2].entries.last?.payload == payload)
            // What the follower got is what the wire carries: it decodes within the limits.
            guard let append = c.messages(from: 1, to: 2).last(where: { $0.message.appendEntries?.entries.isEmpty == false })?.message.appendEntries else {
                Issue.record("no append"); return
            }
            #expect(try Payload.decodeSingle(Payload.encode([.appendEntries(append)])) == .appendEntries(append))
        }
    }

    @Test func anOnDemandNodeDoesNotHoldAnOversizedProposal() {
        var node = RaftNode(config: { var c = RaftConfig(id: 1, voters: [1, 2, 3]); c.mode = .onDemand(idleTicks: 0); return c }())
        let outcome = node.propose(Proposal(tag: 1, kind: .decision, payload: [UInt8](repeating: 0, count: limit + 1)))
        #expect(outcome == .dropped(.entryTooLarge(bytes: limit + 1, limit: limit)))
        #expect(node.heldProposals.isEmpty && node.role == .follower)
    }
}
