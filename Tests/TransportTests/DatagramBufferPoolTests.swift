import Testing
import Wire
@testable import Transport

/// Buffers reused between datagrams: never a byte of the datagram a buffer held before.
@Suite struct DatagramBufferPoolTests {
    static let junk = [UInt8](repeating: 0xEE, count: 1400)

    @Test func aBufferGivenBackIsTakenEmptyWithItsCapacity() {
        var pool = DatagramBufferPool()
        pool.giveBack(Self.junk)
        #expect(pool.count == 1)
        let taken = pool.take(minimumCapacity: 100)
        #expect(taken.isEmpty)
        #expect(taken.capacity >= Self.junk.count)
        #expect(pool.count == 0)
        #expect(pool.take().capacity >= DatagramBufferPool.standardCapacity, "a fresh one fits any datagram")
    }

    @Test func thePoolKeepsAtMostItsLimit() {
        var pool = DatagramBufferPool()
        for _ in 0..<(DatagramBufferPool.limit + 5) { pool.giveBack(Self.junk) }
        #expect(pool.count == DatagramBufferPool.limit)
    }

    @Test func aDatagramBuiltInAReusedBufferIsTheOneBuiltInAFreshOne() throws {
        func link() -> PeerLink {
            var link = PeerLink(peer: 2, sealer: DatagramSealer(clusterID: 1, receiverIndex: 9, key: LinkHarness.key(1, 2)))
            link.enqueue(OutgoingMessage(.timeoutNow(TimeoutNow(term: 3)), deadlineMicros: .max))
            return link
        }
        var fresh = link()
        var reusing = link()
        var pool = DatagramBufferPool()
        for _ in 0..<3 { pool.giveBack(Self.junk) }
        var freshOut: [(NodeID, [UInt8])] = []
        var reusedOut: [(NodeID, [UInt8])] = []
        var gaveUp: [UInt64] = []
        _ = fresh.poll(now: 0, datagrams: &freshOut, gaveUp: &gaveUp)
        _ = reusing.poll(now: 0, datagrams: &reusedOut, gaveUp: &gaveUp, reusing: &pool)
        #expect(pool.count == 2, "the datagram was built in a kept buffer")
        try #require(freshOut.count == 1 && reusedOut.count == 1)
        #expect(reusedOut[0].1 == freshOut[0].1)
        #expect(reusedOut[0].1.count < Self.junk.count)
    }

    @Test func aDatagramReceivedIntoAReusedBufferHoldsOnlyItsOwnBytes() throws {
        let receiver = try UDPSocket(binding: SocketAddress("127.0.0.1:0"))
        let sender = try UDPSocket(binding: SocketAddress("127.0.0.1:0"))
        var pool = DatagramBufferPool()
        pool.giveBack(Self.junk)
        let small: [UInt8] = [1, 2, 3, 4, 5]
        #expect(sender.send(small, to: receiver.localAddress))
        var batch: [(bytes: [UInt8], from: SocketAddress)] = []
        for _ in 0..<100 where batch.isEmpty {
            _ = receiver.waitReadable(timeoutMillis: 100)
            receiver.receiveAll(into: &batch, reusing: &pool)
        }
        try #require(batch.count == 1)
        #expect(batch[0].bytes == small)
        #expect(batch[0].bytes.capacity >= Self.junk.count, "received into the kept buffer")
        #expect(pool.count == 0)
    }

    @Test func messagesLargeAndSmallArriveWholeThroughReusedBuffers() {
        // Sizes alternate, so a small datagram is built and received in a buffer that last
        // held a large one; sealed, any stray byte would fail authentication or decoding.
        func message(_ i: Int) -> Message {
            .installSnapshot(InstallSnapshot(term: 1, lastIncludedIndex: UInt64(i), lastIncludedTerm: 1, offset: 0, done: true,
                                             data: [UInt8](repeating: UInt8(i), count: i % 2 == 0 ? 900 : 3)))
        }
        var net = CoreNetwork(nodes: [1, 2])
        for i in 0..<40 {
            net.send(1, 2, message(i))
            net.send(2, 1, message(i + 100))
            net.run(for: 20_000)
        }
        net.run(for: 2_000_000)
        #expect(net.delivered[2]!.map(\.message) == (0..<40).map(message))
        #expect(net.delivered[1]!.map(\.message) == (0..<40).map { message($0 + 100) })
        #expect(net.cores[2]!.bufferPool.count > 0, "decoded buffers were kept for reuse")
    }
}
