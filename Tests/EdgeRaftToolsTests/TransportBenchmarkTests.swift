import Foundation
import Testing
@testable import EdgeRaftTools

/// The loopback benchmark's machinery (not its speed: numbers belong in bench/RESULTS.md).
@Suite(.serialized) struct TransportBenchmarkTests {
    @Test(arguments: [true, false])
    func measuresBothPathsInEveryBlock(sealed: Bool) throws {
        var options = TransportBenchmark.Options(rounds: 200, payloadBytes: 64, sealed: sealed, placement: .free)
        options.blocks = 4
        var blocks: [String] = []
        var warnings: [String] = []
        let result = try TransportBenchmark.run(options, progress: { blocks.append($0) }, warn: { warnings.append($0) })
        #expect(blocks.count == 4)
        #expect(warnings.contains { $0.hasPrefix("INSECURE") } == !sealed, "insecure mode is announced")
        // 50 per block; Transport leaves out each block's first round trip (a thread hop).
        #expect(result.bareNanos.count == 200)
        #expect(result.transportNanos.count == 200)
        #expect(result.bareNanos.allSatisfy { $0 > 0 } && result.transportNanos.allSatisfy { $0 > 0 })
        // Header 12, ack 8 (or fewer), Sequence 3, the 64-byte frame without its length
        // byte, and the 16-byte tag when sealed.
        let expected = 12 + 3 + 63 + (sealed ? 16 : 0)
        #expect(result.transportDatagramBytes >= Double(expected))
        #expect(result.transportDatagramBytes <= Double(expected + 8))
        #expect(result.ratio > 0)
        #expect(result.render.contains("Transport p50 / bare p50 = "))
    }

    @Test func pinningPlacesThreadsAndIsUndone() throws {
        let usable = ThreadPlacement.usableCores
        try #require(!usable.isEmpty, "affinity is known on Linux")
        var options = TransportBenchmark.Options(rounds: 100, placement: .same)
        options.blocks = 2
        let result = try TransportBenchmark.run(options)
        #expect(result.pinned?.client == [usable[0]])
        #expect(result.pinned?.server == [usable[0]])
        #expect(result.render.contains("every thread on core \(usable[0])"))
        // The calling thread may run anywhere again afterwards.
        #expect(ThreadPlacement.usableCores == usable)
    }

    @Test func splitNeedsTwoCores() {
        let usable = ThreadPlacement.usableCores
        let cores = ThreadPlacement.split.cores()
        if usable.count >= 2 {
            #expect(cores?.client == [usable[0]] && cores?.server == [usable[1]])
        } else {
            #expect(cores == nil)
        }
        #expect(ThreadPlacement.free.cores() == nil)
    }
}
