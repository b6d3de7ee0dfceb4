#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import NetworkModel
import Synchronization
import Wire

/// One node's transport: a UDP socket, the `TransportCore` (roster, handshakes, sessions
/// and their links) and optionally the link emulator in front of the socket, run by one
/// event-loop thread.
///
/// `send` may be called from any thread; handlers run on the loop thread (and may call
/// `send` themselves, which then costs no thread hop).
public final class TransportEndpoint: @unchecked Sendable {
    /// A roster entry: where a node is and who it is.
    public struct PeerEntry: Sendable {
        public var address: SocketAddress
        /// Its static public key (ignored in insecure mode).
        public var publicKey: NodePublicKey?

        public init(address: SocketAddress, publicKey: NodePublicKey?) {
            self.address = address
            self.publicKey = publicKey
        }
    }

    public struct Configuration: Sendable {
        public var id: NodeID
        public var clusterID: ClusterID
        public var protection: Protection
        public var listen: SocketAddress
        public var peers: [NodeID: PeerEntry]
        public var link = PeerLinkConfig()
        public var sessions = SessionConfig()
        /// Emulated conditions on every outgoing datagram (nil: the real network only).
        public var emulation: LinkEmulator.Conditions?
        public var emulationSeed: UInt64 = 1
        /// Where the initiation timestamps' high-water mark is kept across restarts (load it
        /// with `TimestampStateFile.load()` into `sessions.timestampFloor` before starting).
        /// Nil: not kept — a node restarted with its clock behind then waits for its peers'
        /// handshakes instead.
        public var timestampState: TimestampStateFile?

        public init(id: NodeID, clusterID: ClusterID, protection: Protection, listen: SocketAddress, peers: [NodeID: PeerEntry]) {
            self.id = id
            self.clusterID = clusterID
            self.protection = protection
            self.listen = listen
            self.peers = peers
        }
    }

    public typealias MessageHandler = @Sendable (TransportEndpoint, NodeID, Message) -> Void
    public typealias GiveUpHandler = @Sendable (TransportEndpoint, NodeID, UInt64) -> Void
    /// Whether a peer is reachable (false: messages to it were given up, or it has been
    /// silent for `SessionConfig.unreachableAfterMicros` with something outstanding).
    public typealias ReachabilityHandler = @Sendable (TransportEndpoint, NodeID, Bool) -> Void

    struct State {
        var core: TransportCore
        var addresses: [NodeID: SocketAddress] = [:]
        var peerAt: [SocketAddress: NodeID] = [:]
        var emulator: LinkEmulator?
        var delayed: [(time: UInt64, peer: NodeID, datagram: [UInt8])] = []
        var inbox: [(NodeID, OutgoingMessage)] = []
        var running = true
        var timestampStoreFailures = 0

        /// The last source address looked up and its peer: datagrams come in runs from
        /// one address, and comparing 16 bytes is a fraction of hashing them.
        var lastSource: (address: SocketAddress, peer: NodeID?)?

        mutating func add(_ peer: NodeID, _ entry: PeerEntry) {
            if let old = addresses[peer] { peerAt[old] = nil }
            addresses[peer] = entry.address
            peerAt[entry.address] = peer
            lastSource = nil
            core.addPeer(peer, publicKey: entry.publicKey)
        }

        /// The roster node at `address`, if any.
        mutating func peer(at address: SocketAddress) -> NodeID? {
            if let last = lastSource, last.address == address { return last.peer }
            let peer = peerAt[address]
            lastSource = (address, peer)
            return peer
        }
    }

    public let configuration: Configuration
    /// `configuration.id`, kept apart: reading a field of `configuration` on the datagram
    /// path copied the whole struct (its roster and emulation settings) each time.
    private let id: NodeID
    public let socket: UDPSocket
    private let state: Mutex<State>
    private let wakePipe: (read: Int32, write: Int32)
    private let onThread = Mutex<pthread_t?>(nil)
    private let finished = DispatchSemaphore(value: 0)

    public init(_ configuration: Configuration, wallClockMicros: @escaping @Sendable () -> UInt64 = { WallClock.nowMicros() }) throws(UDPSocket.SocketError) {
        self.configuration = configuration
        id = configuration.id
        socket = try UDPSocket(binding: configuration.listen)
        var coreConfiguration = TransportCore.Configuration(id: configuration.id, clusterID: configuration.clusterID, protection: configuration.protection)
        coreConfiguration.link = configuration.link
        coreConfiguration.sessions = configuration.sessions
        var initial = State(
            core: TransportCore(coreConfiguration, wallClockMicros: wallClockMicros),
            emulator: configuration.emulation.map { LinkEmulator($0, seed: configuration.emulationSeed) })
        for (peer, entry) in configuration.peers.sorted(by: { $0.key < $1.key }) where peer != configuration.id {
            initial.add(peer, entry)
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

    /// Adds a peer to the roster (or moves it, or changes its key — which closes its
    /// sessions); e.g. once its port is known.
    public func addPeer(_ peer: NodeID, at address: SocketAddress, publicKey: NodePublicKey?) {
        state.withLock { $0.add(peer, PeerEntry(address: address, publicKey: publicKey)) }
        wake()
    }

    /// Removes a node from the roster: its sessions are closed (what they had not had
    /// acknowledged is reported given up) and its handshakes refused from then on; no
    /// other node's session or key changes.
    public func revoke(_ peer: NodeID) {
        state.withLock { $0.core.revoke(peer) }
        wake()
    }

    /// Starts the event loop thread.
    public func start(onMessage: @escaping MessageHandler, onGiveUp: @escaping GiveUpHandler = { _, _, _ in },
                      onReachability: @escaping ReachabilityHandler = { _, _, _ in }) {
        let thread = Thread { [self] in
            onThread.withLock { $0 = pthread_self() }
            run(onMessage: onMessage, onGiveUp: onGiveUp, onReachability: onReachability)
            finished.signal()
        }
        thread.name = "edgeraft-transport-\(configuration.id)"
        thread.start()
    }

    /// Stops the loop and waits for it (a second call returns at once).
    public func stop() {
        let wasRunning = state.withLock { s in
            defer { s.running = false }
            return s.running
        }
        guard wasRunning else { return }
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
        state.withLock { $0.core.statistics(for: peer) }
    }

    /// Every drop of this node, by reason: the core's (gate, handshakes, every peer
    /// link) and the emulator's.
    public var drops: DropCounters {
        state.withLock { s in
            var all = s.core.drops
            if let emulator = s.emulator { all.add(emulator.dropped) }
            return all
        }
    }

    /// Handshake and session counters of this node.
    public var counters: TransportCore.Counters {
        state.withLock { $0.core.counters }
    }

    /// Times the timestamp high-water mark could not be written to `timestampState`
    /// (each one a restart with the clock behind could then be refused as stale).
    public var timestampStoreFailures: Int {
        state.withLock { $0.timestampStoreFailures }
    }

    public func hasSession(with peer: NodeID) -> Bool {
        state.withLock { $0.core.hasSession(with: peer) }
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = write(wakePipe.write, &byte, 1)
    }

    private func run(onMessage: MessageHandler, onGiveUp: GiveUpHandler, onReachability: ReachabilityHandler) {
        // Read the socket only when poll said so: every needless recvfrom is a syscall.
        var readable = true
        // Kept across turns of the loop (emptied, capacity kept): no allocation per turn.
        var batch: [(bytes: [UInt8], from: SocketAddress)] = []
        var deliveries: [(NodeID, Message)] = []
        var giveUps: [(NodeID, UInt64)] = []
        var outgoing: [(NodeID, [UInt8])] = []
        var addressed: [(SocketAddress, [UInt8])] = []
        var events: [TransportCore.PeerEvent] = []
        while true {
            let now = MonotonicClock.nowMicros()
            // `deliveries`, `outgoing` and the inbox are emptied by popping (each element
            // moved out, the capacity kept): emptying them in one call destroyed their
            // tuples through the runtime's generic path, thousands of instructions a turn.
            giveUps.removeAll(keepingCapacity: true)
            if !events.isEmpty { events.removeAll(keepingCapacity: true) }
            state.withLock { s in
                if readable { socket.receiveAll(into: &batch) }
                batch.reverse()
                // Popped, each datagram's buffer has one owner and is decrypted in place.
                while let (bytes, from) = batch.popLast() {
                    let sourcePeer = s.peer(at: from)
                    s.core.receive(bytes, from: from, sourcePeer: sourcePeer, now: now, into: &deliveries)
                }
            }
            // Handlers run before the links are polled, so that what they send (a response)
            // leaves in this turn and carries the ack of what it answers: polling first
            // cost a whole second turn of the loop per message received.
            deliveries.reverse()
            while let (peer, message) = deliveries.popLast() { onMessage(self, peer, message) }
            let (running, timeout): (Bool, UInt64?) = state.withLock { s in
                s.inbox.reverse()
                while let (peer, message) = s.inbox.popLast() { s.core.enqueue(message, to: peer, now: now) }
                let wakeAt = s.core.poll(now: now, datagrams: &outgoing, gaveUp: &giveUps)
                // The timestamp reservation is on disk before an initiation using it leaves.
                if let floor = s.core.takeTimestampToPersist(), let file = configuration.timestampState, !file.store(floor) {
                    s.timestampStoreFailures += 1
                }
                s.core.takeAddressedDatagrams(into: &addressed)
                s.core.takeEvents(into: &events)
                addressed.reverse()
                while let (address, datagram) = addressed.popLast() { socket.send(datagram, to: address) }
                outgoing.reverse()
                while let (peer, datagram) = outgoing.popLast() { transmit(datagram, to: peer, now: now, state: &s) }
                // Sorting even an empty array went through the generic sort: skipped.
                if s.delayed.count > 1 { s.delayed.sort { $0.time < $1.time } }
                while let first = s.delayed.first, first.time <= now {
                    s.delayed.removeFirst()
                    if let address = s.addresses[first.peer] { socket.send(first.datagram, to: address) }
                }
                let next = min(wakeAt ?? .max, s.delayed.first?.time ?? .max)
                return (s.running, next == .max ? nil : next)
            }
            for (peer, handle) in giveUps { onGiveUp(self, peer, handle) }
            for event in events {
                switch event {
                case .unreachable(let peer): onReachability(self, peer, false)
                case .reachable(let peer): onReachability(self, peer, true)
                }
            }
            guard running else { return acknowledgeBeforeStopping() }
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

    /// The last turn: what this node delivered is acknowledged, so that its peers do not
    /// send it again to the next process on this address.
    private func acknowledgeBeforeStopping() {
        let now = MonotonicClock.nowMicros()
        var outgoing: [(NodeID, [UInt8])] = []
        var giveUps: [(NodeID, UInt64)] = []
        state.withLock { s in
            s.core.acknowledgeAll()
            _ = s.core.poll(now: now, datagrams: &outgoing, gaveUp: &giveUps)
            for (peer, datagram) in outgoing { transmit(datagram, to: peer, now: now, state: &s) }
        }
    }

    private func transmit(_ datagram: [UInt8], to peer: NodeID, now: UInt64, state s: inout State) {
        guard let address = s.addresses[peer] else { return }
        guard case .some = s.emulator else {
            socket.send(datagram, to: address)
            return
        }
        let arrivals = s.emulator?.transmit(from: id, to: peer, bytes: datagram.count, at: now) ?? []
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
        var timeout: Int32 = -1
        if let deadline {
            let now = MonotonicClock.nowMicros()
            // poll counts milliseconds: round up, so a timer never fires early.
            timeout = deadline > now ? Int32(min((deadline - now + 999) / 1000, 60_000)) : 0
        }
        // On the stack: an array of the two was an allocation every time the loop waited.
        return withUnsafeTemporaryAllocation(of: pollfd.self, capacity: 2) { fds in
            fds.initialize(repeating: pollfd(fd: socket.fd, events: Int16(POLLIN), revents: 0))
            fds[1] = pollfd(fd: wakePipe.read, events: Int16(POLLIN), revents: 0)
            guard let base = fds.baseAddress, poll(base, 2, timeout) > 0 else { return (false, false) }
            return (fds[0].revents & Int16(POLLIN) != 0, fds[1].revents & Int16(POLLIN) != 0)
        }
    }
}
