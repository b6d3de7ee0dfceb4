import Testing
@testable import EdgeRaftTools

@Suite struct WireSizeReportTests {
    @Test func everyDesignTargetIsMet() {
        let report = WireSizeReport.measure()
        for row in report.rows {
            #expect(row.ours <= row.target, "\(row.name): \(row.ours) B > \(row.target) B")
        }
        #expect(report.allTargetsMet)
    }

    /// The exact sizes, so that a change that grows a message is seen in review even while
    /// it stays under its target.
    @Test func sizesArePinned() {
        let sizes = WireSizeReport.measure().rows.map(\.ours)
        #expect(sizes == [7, 6, 111, 7, 6, 4, 15])
    }

    @Test func everyRowBeatsEtcdAndTheReference() {
        for row in WireSizeReport.measure().rows {
            if let etcd = row.etcd { #expect(row.ours < etcd, "\(row.name)") }
            if let gob = row.gob { #expect(row.ours < gob, "\(row.name)") }
        }
    }

    @Test func renderedTableHasOneLinePerCaseOursFirst() {
        let text = WireSizeReport.measure().render()
        let heartbeat = text.split(separator: "\n").first { $0.hasPrefix("heartbeat (empty append)") }
        let numbers = heartbeat?.split(separator: " ").compactMap { Int($0) }
        #expect(numbers == [7, 12, 53])
        #expect(!text.contains(" NO"))
    }
}
