#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization
import Wire

/// One node's transport: a UDP socket, the receive gate, a `PeerLink` per peer and
/// optionally the link emulator in front of the socket, run by one event-loop thread.
///
/// `send` may be called from any thread; handlers run on the loop thread (and may call
/// `send` themselves, which then costs no thread hop).
public final class TransportEndpoint: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var id: NodeID
        public var clusterID: ClusterID
        public var protection: Protection
        /// A new epoch at every start (persisted by the node), so nonces never repeat.
        public var keyEpoch: UInt16
        public var listen: SocketAddress
        public var peers: [NodeID: SocketAddress]
        public var link = PeerLinkConfig()
        /// Emulated conditions on every outgoing datagram (nil: the real network only).
        public var emulation: LinkEmulator.Conditions?
        public var emulationSeed: UInt64 = 1

        public init(id: NodeID, clusterID: ClusterID, protection: Protection, keyEpoch: UInt16, listen: SocketAddress, peers: [NodeID: SocketAddress]) {
            self.id = id
            self.clusterID = clusterID
            self.protection = protection
            self.keyEpoch = keyEpoch
            self.listen = listen
            self.peers = peers
        }
    }

    public typealias MessageHandler = @Sendable (TransportEndpoint, NodeID, Message) -> Void
    public typealias GiveUpHandler = @Sendable (TransportEndpoint, NodeID, UInt64) -> Void

    /// One peer's link and where it is. Peers live in an array, found through an index:
    /// an array element is changed where it lies, while a dictionary value is moved out
    /// and back for every change — which cost more than the rest of a datagram's handling.
    struct Peer {
        let id: NodeID
        var address: SocketAddress?
        var link: PeerLink
        var wakeAt: UInt64?
        /// Has new input or a timer due: poll its link on this turn of the loop.
        var dirty = false
    }

    struct State {
        var gate: DatagramGate
        var peers: [Peer] = []
        var index: [NodeID: Int] = [:]
        var emulator: LinkEmulator?
        var delayed: [(time: UInt64, peer: NodeID, datagram: [UInt8])] = []
        var inbox: [(NodeID, OutgoingMessage)] = []
        var running = true

        mutating func add(_ peer: NodeID, address: SocketAddress?, link: @autoclosure () -> PeerLink) {
            if let i = index[peer] {
                if let address { peers[i].address = address }
                return
            }
            index[peer] = peers.count
            peers.append(Peer(id: peer, address: address, link: link()))
        }
    }

    public let configuration: Configuration
    public let socket: UDPSocket
    private let state: Mutex<State>
    private let wakePipe: (read: Int32, write: Int32)
    private let onThread = Mutex<pthread_t?>(nil)
    private let finished = DispatchSemaphore(value: 0)

    public init(_ configuration: Configuration) throws(UDPSocket.SocketError) {
        self.configuration = configuration
        socket = try UDPSocket(binding: configuration.listen)
        var initial = State(
            gate: DatagramGate(protection: configuration.protection, clusterID: configuration.clusterID),
            emulator: configuration.emulation.map { LinkEmulator($0, seed: configuration.emulationSeed) })
        for (peer, address) in configuration.peers.sorted(by: { $0.key < $1.key }) where peer != configuration.id {
            initial.add(peer, address: address, link: Self.link(to: peer, configuration))
        }
        state = Mutex(initial)
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw .system(operation: "pipe", errno: errno) }
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL, 0) | O_NONBLOCK)
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL, 0) | O_NONBLOCK)
        wakePipe = (fds[0], fds[1])
    }

    deinit {
        close(wakePipe.read)
        close(wakePipe.write)
    }

    private static func link(to peer: NodeID, _ configuration: Configuration) -> PeerLink {
        let sealer = DatagramSealer(
            protection: configuration.protection, clusterID: configuration.clusterID,
            sender: configuration.id, keyEpoch: configuration.keyEpoch)
        return PeerLink(peer: peer, sealer: sealer, config: configuration.link)
    }

    /// Adds (or moves) a peer; e.g. once its port is known.
    public func addPeer(_ peer: NodeID, at address: SocketAddress) {
        state.withLock { $0.add(peer, address: address, link: Self.link(to: peer, configuration)) }
    }

    /// Starts the event loop thread.
    public func start(onMessage: @escaping MessageHandler, onGiveUp: @escaping GiveUpHandler = { _, _, _ in }) {
        let thread = Thread { [self] in
            onThread.withLock { $0 = pthread_self() }
            run(onMessage: onMessage, onGiveUp: onGiveUp)
            finished.signal()
        }
        thread.name = "edgeraft-transport-\(configuration.id)"
        thread.start()
    }

    /// Stops the loop and waits for it.
    public func stop() {
        state.withLock { $0.running = false }
        wake()
        finished.wait()
    }

    /// Queues a message for `peer`; from the loop thread it goes out on this iteration.
    public func send(_ message: OutgoingMessage, to peer: NodeID) {
        state.withLock { $0.inbox.append((peer, message)) }
        let onLoop = onThread.withLock { $0.map { pthread_equal($0, pthread_self()) != 0 } ?? false }
        if !onLoop { wake() }
    }

    /// What an operator should see when the node starts: insecure mode, clamped buffers.
    public var startupWarnings: [String] {
        var warnings: [String] = []
        if case .insecure = configuration.protection {
            warnings.append("INSECURE: datagrams are neither encrypted nor authenticated; use this for local benchmarks only")
        }
        if let clamp = socket.bufferWarning { warnings.append(clamp + " (raise net.core.rmem_max / wmem_max)") }
        if let emulation = configuration.emulation {
            warnings.append("link emulation is on: \(emulation.profile.name) conditions are added to every datagram")
        }
        return warnings
    }

    public func statistics(for peer: NodeID) -> PeerStats? {
        state.withLock { s in s.index[peer].map { s.peers[$0].link.statistics } }
    }

    public var drops: DropCounters {
        state.withLock { $0.gate.drops }
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = write(wakePipe.write, &byte, 1)
    }

    private func run(onMessage: MessageHandler, onGiveUp: GiveUpHandler) {
        // Read the socket only when poll said so: every needless recvfrom is a syscall.
        var readable = true
        // Kept across turns of the loop (emptied, capacity kept): no allocation per turn.
        var batch: [(bytes: [UInt8], from: SocketAddress)] = []
        var deliveries: [(NodeID, Message)] = []
        var giveUps: [(NodeID, UInt64)] = []
        while true {
            let now = MonotonicClock.nowMicros()
            deliveries.removeAll(keepingCapacity: true)
            giveUps.removeAll(keepingCapacity: true)
            let (running, timeout): (Bool, UInt64?) = state.withLock { s in
                for (peer, message) in s.inbox {
                    guard let i = s.index[peer] else { continue }
                    s.peers[i].link.enqueue(message)
                    s.peers[i].dirty = true
                }
                s.inbox = []
                if readable { socket.receiveAll(into: &batch) }
                batch.reverse()
                // Popped, each datagram's buffer has one owner and is decrypted in place.
                while let (bytes, _) = batch.popLast() {
                    guard let opened = s.gate.open(bytes) else { continue }
                    let sender = opened.header.sender
                    guard let i = s.index[sender] else { continue }
                    for message in s.peers[i].link.receive(opened, now: now) { deliveries.append((sender, message)) }
                    s.peers[i].dirty = true
                }
                for i in s.peers.indices where s.peers[i].dirty || s.peers[i].wakeAt.map({ $0 <= now }) == true {
                    s.peers[i].dirty = false
                    let output = s.peers[i].link.poll(now: now)
                    s.peers[i].wakeAt = output.nextWakeupMicros
                    let peer = s.peers[i].id
                    giveUps += output.gaveUp.map { (peer, $0) }
                    for datagram in output.datagrams { transmit(datagram, to: i, now: now, state: &s) }
                }
                s.delayed.sort { $0.time < $1.time }
                while let first = s.delayed.first, first.time <= now {
                    s.delayed.removeFirst()
                    if let i = s.index[first.peer], let address = s.peers[i].address { socket.send(first.datagram, to: address) }
                }
                let next = min(s.peers.lazy.compactMap(\.wakeAt).min() ?? .max, s.delayed.first?.time ?? .max)
                return (s.running, next == .max ? nil : next)
            }
            for (peer, message) in deliveries { onMessage(self, peer, message) }
            for (peer, handle) in giveUps { onGiveUp(self, peer, handle) }
            guard running else { return }
            // Messages a handler sent go out before waiting.
            if state.withLock({ !$0.inbox.isEmpty }) {
                readable = false
                continue
            }
            let (socketReady, wakeReady) = wait(until: timeout)
            readable = socketReady
            if wakeReady {
                var drain = [UInt8](repeating: 0, count: 64)
                while read(wakePipe.read, &drain, drain.count) > 0 {}
            }
        }
    }

    private func transmit(_ datagram: [UInt8], to i: Int, now: UInt64, state s: inout State) {
        guard let address = s.peers[i].address else { return }
        guard s.emulator != nil else {
            socket.send(datagram, to: address)
            return
        }
        let peer = s.peers[i].id
        let arrivals = s.emulator?.transmit(from: configuration.id, to: peer, bytes: datagram.count, at: now) ?? []
        for arrival in arrivals {
            if arrival <= now {
                socket.send(datagram, to: address)
            } else {
                s.delayed.append((arrival, peer, datagram))
            }
        }
    }

    /// Waits for the socket, a wake-up or the deadline; says which of the first two fired.
    private func wait(until deadline: UInt64?) -> (socket: Bool, wake: Bool) {
        var fds = [
            pollfd(fd: socket.fd, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakePipe.read, events: Int16(POLLIN), revents: 0),
        ]
        var timeout: Int32 = -1
        if let deadline {
            let now = MonotonicClock.nowMicros()
            // poll counts milliseconds: round up, so a timer never fires early.
            timeout = deadline > now ? Int32(min((deadline - now + 999) / 1000, 60_000)) : 0
        }
        guard poll(&fds, nfds_t(fds.count), timeout) > 0 else { return (false, false) }
        return (fds[0].revents & Int16(POLLIN) != 0, fds[1].revents & Int16(POLLIN) != 0)
    }
}
