import Testing
import Raft

@Suite struct QuorumTests {
    @Test(arguments: [(1, 1), (2, 2), (3, 2), (4, 3), (5, 3), (6, 4), (7, 4)])
    func majorityIsFloorHalfPlusOne(voters: Int, majority: Int) {
        #expect(Quorum.majority(of: voters) == majority)
    }

    @Test func threeOfSixIsNotAMajority() {
        #expect(3 < Quorum.majority(of: 6))
    }
}
