import Crypto
import OrderedCollections
import Wire

/// Everything a node's transport decides, without sockets or threads: the roster, the
/// handshakes, one session (with its `PeerLink`) per peer, and every drop. Time is input;
/// datagrams to send, messages to deliver and messages given up are output. Randomness
/// (ephemeral keys, session indices) comes from the system; the initiation timestamp
/// from `wallClockMicros`.
///
/// Rules (docs/transport.md, "Sessions"):
/// - Whichever side first has something to send initiates; without a session messages
///   wait until one is confirmed (`maxQueuedMessages` per peer; past it, or past their
///   deadline, they are given up). If both initiate at once, the lower node id's
///   initiation wins (it yields after `collisionYieldAfter` attempts of its own).
/// - The initiator confirms a session on the response; the responder on the first
///   authenticated datagram of it (the initiator sends ack-eliciting keepalives until it
///   hears from the peer on it).
/// - A rekey runs in the background: messages go on the current session until the new
///   one is confirmed. The replaced session keeps receiving and finishing what it had in
///   flight for `rekeyGraceMicros`; what it then still had not had acknowledged moves to
///   the new session. When the peer said in its initiation that it holds no session (it
///   restarted), the old session is dead: messages wait for the new one, and what the old
///   one had not had acknowledged moves at once. Fragmented messages are given up
///   (reported) instead of moved.
public struct TransportCore: Sendable {
    public struct Configuration: Sendable {
        public var id: NodeID
        public var clusterID: ClusterID
        public var protection: Protection
        public var link = PeerLinkConfig()
        public var sessions = SessionConfig()

        public init(id: NodeID, clusterID: ClusterID, protection: Protection) {
            self.id = id
            self.clusterID = clusterID
            self.protection = protection
        }
    }

    /// Counters of the whole node (per-peer ones are in `PeerStats`).
    public struct Counters: Sendable, Equatable {
        public var drops = DropCounters()
        /// X25519 operations spent on handshakes, both roles.
        public var diffieHellman = 0
        public var sessionsEstablished = 0
        public var initiationsSent = 0
    }

    /// What the shell tells its user about a peer (the Node daemon tells Raft).
    public enum PeerEvent: Sendable, Equatable {
        /// Messages to it were given up, or it has been silent for
        /// `SessionConfig.unreachableAfterMicros` while something was outstanding.
        case unreachable(NodeID)
        /// An authenticated datagram came from it after it was reported unreachable.
        case reachable(NodeID)
    }

    struct PendingInitiation: Sendable {
        var handshake: NoiseIKHandshake
        let index: UInt32
        let sentAt: UInt64
        /// How many initiations in a row this one is (1: the first).
        let attempt: Int
        /// Its mac1: a cookie reply to it carries this as associated data.
        let mac1: [UInt8]
        /// It carried a mac2 (this node had a cookie from the peer).
        let hadMAC2: Bool
    }

    struct Peer: Sendable {
        let id: NodeID
        /// Nil: insecure mode, or removed from the roster.
        var publicKey: NodePublicKey?
        var revoked = false
        /// mac1 key of messages to this peer, and the key of its cookie replies.
        var macKey: SymmetricKey?
        var cookieKey: SymmetricKey?
        /// The last cookie this peer gave this node (mac2 of initiations to it), and when.
        var cookie: [UInt8]?
        var cookieAt: UInt64 = 0
        /// The confirmed session everything is sent on.
        var current: Session?
        /// The session `current` replaced, receiving and finishing its in-flight messages
        /// until `previousUntil`.
        var previous: Session?
        var previousUntil: UInt64 = 0
        /// `current` is this node's initiation and nothing authenticated came on it yet:
        /// keepalives go until something does.
        var unconfirmedByPeer = false
        var keepalivesLeft = 0
        var nextKeepaliveAt: UInt64 = 0
        /// When an authenticated datagram of any of its sessions last came.
        var lastHeardAt: UInt64 = 0
        /// Since when this node has had something outstanding for the peer (nil: nothing).
        var outstandingSince: UInt64?
        var reportedUnreachable = false
        /// A responder's session awaiting its first datagram.
        var next: Session?
        /// `next` came from an initiation that said the peer holds no session: what the
        /// current one had not had acknowledged is sent again on it.
        var nextFromFreshPeer = false
        var initiation: PendingInitiation?
        /// Messages waiting for a session.
        var waiting: [OutgoingMessage] = []
        /// The newest initiation timestamp accepted from this peer.
        var newestTimestamp: UInt64 = 0
        /// The mac1 of the last initiations claiming this peer that reached Diffie-Hellman
        /// (`recentInitiationsKept`, oldest first): an exact copy is a replay, or the
        /// network's duplicate, and is dropped before it spends a token or an X25519.
        var recentInitiations = OrderedSet<[UInt8]>()
        /// Handshake datagrams to send.
        var handshakes: [[UInt8]] = []
        var giveUps: [UInt64] = []
        /// Counters of retired sessions' links.
        var retired = PeerStats()
        var wakeAt: UInt64?
        var dirty = false
    }

    /// Initiations remembered per peer against replays (16 bytes each). A peer sends one
    /// per rekey (120 s), or one a second while unanswered; a replayed copy gets past the
    /// cookie check, to the tokens and the Diffie-Hellman, only while its mac2 is valid
    /// (the cookie secret's 120 s): a replayer never has more valid captures than this
    /// to cycle through.
    static let recentInitiationsKept = 256

    public let configuration: Configuration
    private let wallClockMicros: @Sendable () -> UInt64
    private let identity: NodeIdentity?
    private let psk: [UInt8]?
    private let ownMacKey: SymmetricKey?
    private var cookies: CookieChecker?
    var peers: [Peer] = []
    private var peerIndex: [NodeID: Int] = [:]
    /// Session index → peer slot: current, next and pending-initiation indices.
    private var sessionIndex: [UInt32: Int] = [:]
    private var limiter: InitiationRateLimiter
    /// Initiations without a proven source: when empty, this node is under load.
    private var unproven: TokenBucket
    /// The node's Diffie-Hellman budget for answering initiations.
    private var budget: TokenBucket
    /// Datagrams to a source address rather than a peer (cookie replies).
    private var addressed: [(SocketAddress, [UInt8])] = []
    private var events: [PeerEvent] = []
    /// Reliable messages for nodes not in the roster: given up at the next poll.
    private var strayGiveUps: [(NodeID, UInt64)] = []
    private var lastTimestamp: UInt64
    /// Timestamps up to this are covered by what the shell persisted (or was asked to).
    private var reservedTimestamp: UInt64
    private var timestampToPersist: UInt64?
    public private(set) var counters = Counters()

    public init(_ configuration: Configuration, wallClockMicros: @escaping @Sendable () -> UInt64 = { WallClock.nowMicros() }) {
        self.configuration = configuration
        self.wallClockMicros = wallClockMicros
        switch configuration.protection {
        case .sealed(let identity, let presharedKey):
            self.identity = identity
            psk = presharedKey?.bytes
            ownMacKey = HandshakeMAC.key(for: identity.publicKey, psk: presharedKey?.bytes)
            cookies = CookieChecker(localPublicKey: identity.publicKey, psk: presharedKey?.bytes)
        case .insecure:
            identity = nil
            psk = nil
            ownMacKey = nil
            cookies = nil
        }
        let sessions = configuration.sessions
        limiter = InitiationRateLimiter(ratePerSecond: sessions.initiationsPerSecond, burst: sessions.initiationBurst)
        unproven = TokenBucket(ratePerSecond: sessions.unprovenInitiationsPerSecond, burst: sessions.unprovenInitiationBurst)
        budget = TokenBucket(ratePerSecond: sessions.handshakesPerSecond, burst: sessions.handshakeBurst)
        lastTimestamp = sessions.timestampFloor
        reservedTimestamp = sessions.timestampFloor
    }

    /// A timestamp the shell must persist (and pass back as `SessionConfig.timestampFloor`
    /// after a restart) before sending this poll's datagrams; nil when none is due. Every
    /// initiation timestamp this node sends is at most the last value handed out here.
    public mutating func takeTimestampToPersist() -> UInt64? {
        defer { timestampToPersist = nil }
        return timestampToPersist
    }

    /// Reachability changes since the last call, in order.
    public mutating func takeEvents(into out: inout [PeerEvent]) {
        guard !events.isEmpty else { return }
        out += events
        events = []
    }

    /// Datagrams to source addresses (cookie replies) produced since the last call.
    public mutating func takeAddressedDatagrams(into out: inout [(SocketAddress, [UInt8])]) {
        guard !addressed.isEmpty else { return }
        out += addressed
        addressed = []
    }

    /// Every drop of this node: the gate's and handshakes' (`counters.drops`) and every
    /// peer link's, current and retired — each counted once, where it was decided.
    public var drops: DropCounters {
        var all = counters.drops
        for peer in peers.indices {
            if let stats = statistics(for: peers[peer].id) { all.add(stats.drops) }
        }
        return all
    }

    // MARK: - Roster

    /// Adds a peer to the roster, or changes its key (which closes its sessions). In
    /// insecure mode the key is ignored and the peer's plain link exists at once.
    public mutating func addPeer(_ peer: NodeID, publicKey: NodePublicKey?) {
        guard peer != configuration.id else { return }
        if let i = peerIndex[peer] {
            guard peers[i].revoked || peers[i].publicKey != publicKey else { return }
            close(i)
            peers[i].revoked = false
            peers[i].publicKey = publicKey
            peers[i].macKey = publicKey.map { HandshakeMAC.key(for: $0, psk: psk) }
            peers[i].cookieKey = publicKey.map { CookieChecker.sealKey(for: $0, psk: psk) }
            peers[i].cookie = nil
            peers[i].newestTimestamp = 0
            return
        }
        peerIndex[peer] = peers.count
        var entry = Peer(id: peer, publicKey: publicKey, macKey: publicKey.map { HandshakeMAC.key(for: $0, psk: psk) },
                         cookieKey: publicKey.map { CookieChecker.sealKey(for: $0, psk: psk) })
        if identity == nil {
            // Insecure: one plain link per peer, found by the sender's id in the header.
            entry.current = Session(
                localIndex: UInt32(peer), remoteIndex: UInt32(configuration.id), sendKey: nil, receiveKey: nil,
                peer: peer, clusterID: configuration.clusterID, config: configuration.link, now: 0, initiator: true)
            sessionIndex[UInt32(peer)] = peers.count
        }
        peers.append(entry)
    }

    /// Removes a peer from the roster: its sessions close (their unacknowledged messages
    /// are given up), and its handshakes are refused from then on. No other peer's
    /// session or key is touched.
    public mutating func revoke(_ peer: NodeID) {
        guard let i = peerIndex[peer] else { return }
        close(i)
        peers[i].revoked = true
        peers[i].publicKey = nil
        peers[i].macKey = nil
        peers[i].cookieKey = nil
        peers[i].cookie = nil
    }

    public func isInRoster(_ peer: NodeID) -> Bool {
        peerIndex[peer].map { !peers[$0].revoked } ?? false
    }

    /// Closes every session and handshake of peer slot `i`; gives up all it holds.
    private mutating func close(_ i: Int) {
        retire(i, \.current)
        retire(i, \.next)
        retire(i, \.previous)
        peers[i].unconfirmedByPeer = false
        if let pending = peers[i].initiation { sessionIndex[pending.index] = nil }
        peers[i].initiation = nil
        peers[i].giveUps += peers[i].waiting.map(\.handle)
        peers[i].retired.messagesGivenUp += peers[i].waiting.count
        peers[i].waiting = []
        peers[i].handshakes = []
        peers[i].dirty = true
    }

    @discardableResult
    private mutating func retire(_ i: Int, _ slot: WritableKeyPath<Peer, Session?>, keeping: Bool = false) -> [PeerLink.Unacknowledged] {
        guard let localIndex = peers[i][keyPath: slot]?.localIndex else { return [] }
        sessionIndex[localIndex] = nil
        let (handles, kept) = peers[i][keyPath: slot]?.link.abandon(keeping: keeping) ?? ([], [])
        peers[i].giveUps += handles
        if let stats = peers[i][keyPath: slot]?.link.statistics { peers[i].retired.accumulate(stats) }
        peers[i][keyPath: slot] = nil
        return kept
    }

    // MARK: - Sending

    /// Queues a message for `peer`. It goes on the current session, or waits for one
    /// (starting a handshake if none is under way). A message for a node not in the
    /// roster is given up at once (reported at the next poll).
    public mutating func enqueue(_ message: OutgoingMessage, to peer: NodeID, now: UInt64) {
        guard let i = peerIndex[peer] else {
            if message.reliable { strayGiveUps.append((peer, message.handle)) }
            return
        }
        peers[i].dirty = true
        guard !peers[i].revoked else {
            if message.reliable { peers[i].giveUps.append(message.handle) }
            return
        }
        if sendsOnCurrent(i) {
            // A rekey under way does not hold messages back: the current session is valid.
            peers[i].current?.link.enqueue(message)
            return
        }
        if !message.reliable {
            // Superseded soon anyway; waiting would only make it stale.
            if peers[i].current != nil { peers[i].current?.link.enqueue(message) }
            if peers[i].initiation == nil && peers[i].next == nil { startInitiation(i, now: now) }
            return
        }
        guard peers[i].waiting.count < configuration.link.maxQueuedMessages else {
            peers[i].giveUps.append(message.handle)
            peers[i].retired.messagesGivenUp += 1
            return
        }
        if let key = message.supersedeKey { peers[i].waiting.removeAll { $0.supersedeKey == key } }
        peers[i].waiting.append(message)
        if peers[i].initiation == nil && peers[i].next == nil { startInitiation(i, now: now) }
    }

    /// Whether new messages go on the current session: there is one, and the peer has not
    /// told (by a fresh initiation) that it restarted and so no longer holds it.
    private func sendsOnCurrent(_ i: Int) -> Bool {
        peers[i].current != nil && !(peers[i].next != nil && peers[i].nextFromFreshPeer)
    }

    private mutating func freshIndex() -> UInt32 {
        while true {
            let candidate = UInt32.random(in: 1...UInt32.max)
            if sessionIndex[candidate] == nil { return candidate }
        }
    }

    /// A timestamp newer than every one this node sent before, also across restarts: the
    /// wall clock (µs), but never below the last one + 1 nor the persisted floor — an
    /// RTC-less node restarted with its clock behind still sends newer ones. Reserves
    /// ahead and asks the shell to persist the reservation (`takeTimestampToPersist`).
    private mutating func nextTimestamp() -> UInt64 {
        lastTimestamp = max(wallClockMicros(), lastTimestamp == .max ? .max : lastTimestamp + 1)
        if lastTimestamp > reservedTimestamp {
            let span = configuration.sessions.timestampReservationMicros
            reservedTimestamp = lastTimestamp > .max - span ? .max : lastTimestamp + span
            timestampToPersist = reservedTimestamp
        }
        return lastTimestamp
    }

    private mutating func startInitiation(_ i: Int, now: UInt64, attempt: Int = 1) {
        guard let identity, let remote = peers[i].publicKey, let macKey = peers[i].macKey else { return }
        if let old = peers[i].initiation { sessionIndex[old.index] = nil }
        let index = freshIndex()
        let header = HandshakeInitiation.header(clusterID: configuration.clusterID, sender: configuration.id, senderIndex: index)
        var handshake = NoiseIKHandshake.initiator(
            prologue: HandshakePrologue.initiation(header), localStatic: identity.privateKey, remoteStatic: remote.key, psk: psk)
        var timestamp: [UInt8] = []
        timestamp.appendFixed(nextTimestamp(), width: 8)
        // Flags: bit 0 = this node holds no session with the peer (it just started).
        timestamp.append(peers[i].current == nil ? 1 : 0)
        let before = handshake.diffieHellmanCount
        guard let noise = try? handshake.writeInitiation(ephemeral: Curve25519.KeyAgreement.PrivateKey(), payload: timestamp) else { return }
        counters.diffieHellman += handshake.diffieHellmanCount - before
        var message = header + noise
        let mac1 = HandshakeMAC.mac(message[...], key: macKey)
        message += mac1
        let cookie = peers[i].cookie.flatMap { now < peers[i].cookieAt + configuration.sessions.cookieLifetimeMicros ? $0 : nil }
        if let cookie {
            message += HandshakeMAC.mac2(message, cookie: cookie)
        } else {
            message += [UInt8](repeating: 0, count: HandshakeMAC.size)
        }
        sessionIndex[index] = i
        peers[i].initiation = PendingInitiation(handshake: handshake, index: index, sentAt: now, attempt: attempt, mac1: mac1, hadMAC2: cookie != nil)
        peers[i].handshakes.append(message)
        peers[i].dirty = true
        counters.initiationsSent += 1
    }

    // MARK: - Receiving

    /// Takes one datagram from `source`; appends what it delivers. Pass a buffer nothing
    /// else holds: it is decrypted in place. `sourcePeer` is the roster node at that
    /// address, if any: a datagram of a session this node does not know, from a peer it has
    /// no session with (this node restarted), prompts a handshake to that peer.
    public mutating func receive(_ datagram: consuming [UInt8], from source: SocketAddress, sourcePeer: NodeID? = nil, now: UInt64,
                                 into deliveries: inout [(NodeID, Message)]) {
        guard datagram.count <= WireLimits.default.maxDatagramBytes else { return counters.drops.count(.tooLarge) }
        switch DatagramKind.of(datagram) {
        case .sealed?, .plain?:
            receiveData(datagram, sourcePeer: sourcePeer, now: now, into: &deliveries)
        case .initiation?:
            receiveInitiation(datagram, from: source, now: now)
        case .response? where CookieReply.isCookieReply(datagram):
            receiveCookieReply(datagram, now: now)
        case .response?:
            receiveResponse(datagram, now: now)
        case nil:
            counters.drops.count(.malformed)
        }
    }

    private enum Slot { case current, next, previous }

    /// Reads or changes peer slot `i` where it lies. An array's getter copies the element,
    /// and a `Peer` holds two links: reading one field through it retained and released
    /// dozens of references on every datagram. Its modify accessor lends the element.
    private mutating func inPlace<R>(_ i: Int, _ body: (inout Peer) -> R) -> R { body(&peers[i]) }

    private mutating func receiveData(_ datagram: consuming [UInt8], sourcePeer: NodeID?, now: UInt64, into deliveries: inout [(NodeID, Message)]) {
        let header: DatagramHeader
        switch DatagramOpener.header(of: datagram, clusterID: configuration.clusterID) {
        case .failure(let reason): return counters.drops.count(reason)
        case .success(let decoded): header = decoded
        }
        guard (header.kind == .sealed) == (identity != nil) else { return counters.drops.count(.wrongProtection) }
        guard let i = sessionIndex[header.receiverIndex] else {
            // Insecure: the index is the sender's node id, and no such peer is in the roster.
            counters.drops.count(header.kind == .plain ? .unknownPeer : .unknownSession)
            if let sourcePeer, let j = peerIndex[sourcePeer], !peers[j].revoked, peers[j].current == nil,
               peers[j].initiation == nil, peers[j].next == nil {
                startInitiation(j, now: now)
            }
            return
        }
        let index = header.receiverIndex
        let (found, peer) = inPlace(i) { p -> (Slot?, NodeID) in
            if p.current?.localIndex == index { return (.current, p.id) }
            if p.next?.localIndex == index { return (.next, p.id) }
            if p.previous?.localIndex == index { return (.previous, p.id) }
            return (nil, p.id)
        }
        // Otherwise a pending initiation's index: no keys yet.
        guard let slot = found else { return counters.drops.count(.unknownSession) }
        let result: Result<OpenedDatagram, DatagramDropReason>?
        switch slot {
        case .current: result = peers[i].current?.opener.open(datagram, header: header)
        case .next: result = peers[i].next?.opener.open(datagram, header: header)
        case .previous: result = peers[i].previous?.opener.open(datagram, header: header)
        }
        guard let result else { return counters.drops.count(.unknownSession) }
        let opened: OpenedDatagram
        switch result {
        case .failure(let reason): return counters.drops.count(reason)
        case .success(let value): opened = value
        }
        if slot == .next { confirmNext(i, now: now) }
        let unreachableBefore = inPlace(i) { p -> Bool in
            if slot != .previous { p.unconfirmedByPeer = false }
            p.lastHeardAt = now
            defer { p.reportedUnreachable = false }
            return p.reportedUnreachable
        }
        if unreachableBefore { events.append(.reachable(peer)) }
        // Appended where they go: an array per datagram, then copied, is gone.
        if slot == .previous {
            peers[i].previous?.link.receive(opened, now: now, into: &deliveries)
        } else {
            peers[i].current?.link.receive(opened, now: now, into: &deliveries)
        }
        peers[i].dirty = true
    }

    /// The responder's new session got its first datagram: it replaces the current one.
    private mutating func confirmNext(_ i: Int, now: UInt64) {
        guard let session = peers[i].next else { return }
        let peerRestarted = peers[i].nextFromFreshPeer
        peers[i].next = nil
        peers[i].nextFromFreshPeer = false
        replaceCurrent(i, with: session, peerRestarted: peerRestarted, now: now)
    }

    /// A confirmed new session becomes the current one. The old one stays receiving for
    /// the grace period (its in-flight messages move over at its end) — unless the peer
    /// restarted, when it is dead and what it had not had acknowledged moves at once.
    private mutating func replaceCurrent(_ i: Int, with session: Session, peerRestarted: Bool, now: UInt64) {
        // A previous session still in its grace period gives way to this one's.
        var kept = retire(i, \.previous, keeping: true)
        if peerRestarted {
            kept += retire(i, \.current, keeping: true)
        } else if peers[i].current != nil {
            peers[i].previous = peers[i].current
            peers[i].previousUntil = now + configuration.sessions.rekeyGraceMicros
        }
        peers[i].current = session
        peers[i].unconfirmedByPeer = false
        counters.sessionsEstablished += 1
        for message in kept { peers[i].current?.link.adopt(message) }
        flushWaiting(i)
    }

    private mutating func flushWaiting(_ i: Int) {
        let waiting = peers[i].waiting
        peers[i].waiting = []
        for message in waiting { peers[i].current?.link.enqueue(message) }
        peers[i].dirty = true
    }

    private mutating func receiveInitiation(_ datagram: [UInt8], from source: SocketAddress, now: UInt64) {
        guard let identity, let ownMacKey else { return counters.drops.count(.wrongProtection) }
        let message: HandshakeInitiation
        do {
            message = try HandshakeInitiation.decode(datagram)
        } catch {
            return counters.drops.count(.malformed)
        }
        guard message.clusterID == configuration.clusterID else { return counters.drops.count(.wrongCluster) }
        // The cheap checks, in order of cost; no Diffie-Hellman before all have passed.
        guard HandshakeMAC.verify(datagram, key: ownMacKey) else { return counters.drops.count(.badMAC) }
        guard let i = peerIndex[message.sender], !peers[i].revoked, let expected = peers[i].publicKey, let peerMacKey = peers[i].macKey
        else { return counters.drops.count(.unknownPeer) }
        // A copy of an initiation already taken to Diffie-Hellman: a captured one replayed
        // from the peer's address would otherwise spend the peer's own tokens and the
        // node's budget, and two X25519, before its timestamp showed it stale.
        let mac1 = Array(datagram[HandshakeInitiation.mac1Offset..<HandshakeInitiation.mac2Offset])
        guard !peers[i].recentInitiations.contains(mac1) else { return counters.drops.count(.staleInitiation) }
        if let pending = peers[i].initiation, configuration.id < message.sender,
           pending.attempt < configuration.sessions.collisionYieldAfter {
            return counters.drops.count(.handshakeCollision)
        }
        // Under load only a proven source (valid mac2) gets Diffie-Hellman; the others get
        // a cookie for their address. The per-source limit counts proven sources only, so a
        // spoofer cannot spend a real peer's tokens.
        let claimsCookie = datagram[HandshakeInitiation.mac2Offset...].contains { $0 != 0 }
        if claimsCookie, cookies?.hasValidMAC2(datagram, from: source, now: now) == true {
            guard limiter.allow(source, now: now) else { return counters.drops.count(.rateLimited) }
        } else if !unproven.take(now: now) {
            if let reply = cookies?.reply(to: message, from: source, now: now) { addressed.append((source, reply)) }
            return counters.drops.count(.cookieRequired)
        }
        guard budget.take(now: now) else { return counters.drops.count(.overBudget) }
        peers[i].recentInitiations.append(mac1)
        if peers[i].recentInitiations.count > Self.recentInitiationsKept { peers[i].recentInitiations.removeFirst() }

        let header = Array(datagram[0..<HandshakeInitiation.headerSize])
        var handshake = NoiseIKHandshake.responder(
            prologue: HandshakePrologue.initiation(header), localStatic: identity.privateKey, psk: psk)
        let payload: [UInt8]
        do {
            payload = try handshake.readInitiation(message.noise) { $0.rawRepresentation == expected.key.rawRepresentation }
        } catch {
            counters.diffieHellman += handshake.diffieHellmanCount
            return counters.drops.count(.authentication)
        }
        counters.diffieHellman += handshake.diffieHellmanCount
        guard payload.count == 9, payload[8] & ~1 == 0 else { return counters.drops.count(.malformed) }
        let timestamp = payload[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        let fresh = payload[8] & 1 != 0
        guard timestamp > peers[i].newestTimestamp else {
            // Authentic but not newer: a replay, or the peer restarted with its clock behind
            // and no floor. When the peer has been silent on the current session for a retry
            // interval, a handshake of this node's own (timestamped by its clock) gets a
            // session either way; a replay costs at most a background rekey.
            if peers[i].initiation == nil && peers[i].next == nil && now >= peers[i].lastHeardAt + configuration.sessions.handshakeRetryMicros {
                startInitiation(i, now: now)
            }
            return counters.drops.count(.staleInitiation)
        }

        let before = handshake.diffieHellmanCount
        guard let noise = try? handshake.writeResponse(ephemeral: Curve25519.KeyAgreement.PrivateKey(), payload: []),
              let keys = try? handshake.transportKeys(),
              let sendKey = ChaChaPolyAEAD(key: SymmetricKey(data: keys.send)),
              let receiveKey = ChaChaPolyAEAD(key: SymmetricKey(data: keys.receive))
        else {
            counters.diffieHellman += handshake.diffieHellmanCount - before
            return counters.drops.count(.authentication)
        }
        counters.diffieHellman += handshake.diffieHellmanCount - before
        peers[i].newestTimestamp = timestamp
        // This node yields its own initiation (the peer's id is lower), and a newer
        // initiation replaces an unconfirmed session.
        if let pending = peers[i].initiation { sessionIndex[pending.index] = nil }
        peers[i].initiation = nil
        if let old = peers[i].next?.localIndex { sessionIndex[old] = nil }
        peers[i].nextFromFreshPeer = fresh
        let index = freshIndex()
        peers[i].next = Session(
            localIndex: index, remoteIndex: message.senderIndex, sendKey: sendKey, receiveKey: receiveKey, sendKeyID: Self.fingerprint(keys.send),
            peer: peers[i].id, clusterID: configuration.clusterID, config: configuration.link, now: now, initiator: false)
        sessionIndex[index] = i
        var response = HandshakeResponse.header(clusterID: configuration.clusterID, senderIndex: index, receiverIndex: message.senderIndex) + noise
        response += HandshakeMAC.mac(response[...], key: peerMacKey)
        peers[i].handshakes.append(response)
        peers[i].dirty = true
    }

    private mutating func receiveResponse(_ datagram: [UInt8], now: UInt64) {
        guard let ownMacKey else { return counters.drops.count(.wrongProtection) }
        let message: HandshakeResponse
        do {
            message = try HandshakeResponse.decode(datagram)
        } catch {
            return counters.drops.count(.malformed)
        }
        guard message.clusterID == configuration.clusterID else { return counters.drops.count(.wrongCluster) }
        guard HandshakeMAC.verify(datagram, key: ownMacKey) else { return counters.drops.count(.badMAC) }
        guard let i = sessionIndex[message.receiverIndex], var pending = peers[i].initiation,
              pending.index == message.receiverIndex
        else { return counters.drops.count(.unknownSession) }
        let before = pending.handshake.diffieHellmanCount
        let keys: (send: [UInt8], receive: [UInt8])
        do {
            _ = try pending.handshake.readResponse(message.noise)
            keys = try pending.handshake.transportKeys()
        } catch {
            counters.diffieHellman += pending.handshake.diffieHellmanCount - before
            return counters.drops.count(.authentication)
        }
        counters.diffieHellman += pending.handshake.diffieHellmanCount - before
        guard let sendKey = ChaChaPolyAEAD(key: SymmetricKey(data: keys.send)),
              let receiveKey = ChaChaPolyAEAD(key: SymmetricKey(data: keys.receive))
        else { return counters.drops.count(.authentication) }
        peers[i].initiation = nil
        // An unconfirmed session of the peer's own initiation loses to this one; if it came
        // from a fresh initiation, the current session is dead.
        let peerRestarted = peers[i].next != nil && peers[i].nextFromFreshPeer
        retire(i, \.next)
        peers[i].nextFromFreshPeer = false
        let session = Session(
            localIndex: pending.index, remoteIndex: message.senderIndex, sendKey: sendKey, receiveKey: receiveKey, sendKeyID: Self.fingerprint(keys.send),
            peer: peers[i].id, clusterID: configuration.clusterID, config: configuration.link, now: now, initiator: true)
        sessionIndex[pending.index] = i
        replaceCurrent(i, with: session, peerRestarted: peerRestarted, now: now)
        peers[i].unconfirmedByPeer = true
        peers[i].keepalivesLeft = configuration.sessions.confirmationKeepalives
        peers[i].nextKeepaliveAt = now
    }

    /// A cookie reply to this node's pending initiation: its next initiation to the peer
    /// carries mac2 under the cookie (sent at the retry timer, as WireGuard does).
    private mutating func receiveCookieReply(_ datagram: [UInt8], now: UInt64) {
        guard identity != nil else { return counters.drops.count(.wrongProtection) }
        let reply: CookieReply
        do {
            reply = try CookieReply.decode(datagram)
        } catch {
            return counters.drops.count(.malformed)
        }
        guard reply.clusterID == configuration.clusterID else { return counters.drops.count(.wrongCluster) }
        guard let i = sessionIndex[reply.receiverIndex], let pending = peers[i].initiation,
              pending.index == reply.receiverIndex, let key = peers[i].cookieKey
        else { return counters.drops.count(.unknownSession) }
        guard let cookie = CookieChecker.open(reply, mac1: pending.mac1, key: key) else { return counters.drops.count(.authentication) }
        peers[i].cookie = cookie
        peers[i].cookieAt = now
        // Once per initiation sent without a cookie, the next goes at once (with mac2);
        // a reply to one that had mac2 waits for the retry timer, so replies cannot loop.
        if !pending.hadMAC2 {
            sessionIndex[pending.index] = nil
            peers[i].initiation = nil
            startInitiation(i, now: now, attempt: pending.attempt + 1)
        }
    }

    static func fingerprint(_ key: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: key).prefix(8)) }

    // MARK: - Timers and output

    /// Runs the timers of peers with new input or a timer due, and appends what they
    /// send and give up. Returns the earliest time to call again (nil: only on input).
    public mutating func poll(now: UInt64, datagrams: inout [(NodeID, [UInt8])], gaveUp: inout [(NodeID, UInt64)]) -> UInt64? {
        var next: UInt64?
        // Guarded: appending even an empty array cost a call and a uniqueness check per poll.
        if !strayGiveUps.isEmpty {
            gaveUp += strayGiveUps
            strayGiveUps = []
        }
        for i in peers.indices {
            if peers[i].dirty || peers[i].wakeAt.map({ $0 <= now }) == true {
                peers[i].dirty = false
                peers[i].wakeAt = pollPeer(i, now: now, datagrams: &datagrams, gaveUp: &gaveUp)
            }
            if let wake = peers[i].wakeAt { next = min(next ?? wake, wake) }
        }
        return next
    }

    private mutating func pollPeer(_ i: Int, now: UInt64, datagrams: inout [(NodeID, [UInt8])], gaveUp: inout [(NodeID, UInt64)]) -> UInt64? {
        let config = configuration.sessions
        let peer = inPlace(i) { $0.id }
        var wake: UInt64?
        func consider(_ time: UInt64?) {
            if let time { wake = min(wake ?? time, time) }
        }
        if identity != nil && !peers[i].revoked {
            // Waiting messages past their deadline are given up like any other.
            if peers[i].waiting.contains(where: { $0.deadlineMicros <= now }) {
                let expired = peers[i].waiting.filter { $0.deadlineMicros <= now }
                peers[i].waiting.removeAll { $0.deadlineMicros <= now }
                peers[i].giveUps += expired.map(\.handle)
                peers[i].retired.messagesGivenUp += expired.count
            }
            if let pending = peers[i].initiation, now >= pending.sentAt + config.handshakeRetryMicros {
                sessionIndex[pending.index] = nil
                peers[i].initiation = nil
                if !peers[i].waiting.isEmpty || peers[i].current != nil { startInitiation(i, now: now, attempt: pending.attempt + 1) }
            }
            // A responder's session whose initiator never confirmed it (its keepalives
            // lost, or it went away) does not hold the peer's traffic back: with messages
            // for the peer, this node initiates after one retry interval; without, the
            // session is dropped after three.
            if let unconfirmed = peers[i].next {
                let outstanding = !peers[i].waiting.isEmpty || (peers[i].current?.link.outstanding ?? 0) > 0
                let limit = unconfirmed.establishedAt + (outstanding ? 1 : 3) * config.handshakeRetryMicros
                if now >= limit {
                    retire(i, \.next)
                    peers[i].nextFromFreshPeer = false
                    if outstanding && peers[i].initiation == nil { startInitiation(i, now: now) }
                } else {
                    consider(limit)
                }
            }
            // Reject-after-time: a session this old is never used again.
            // Only the field is read, where it lies: binding the session copied it whole (its
            // link, every queue retained) on every poll.
            if let establishedAt = inPlace(i, { $0.current?.establishedAt }), now >= establishedAt + config.rejectAfterMicros {
                retire(i, \.current)
                peers[i].unconfirmedByPeer = false
                if peers[i].initiation == nil && peers[i].next == nil { startInitiation(i, now: now) }
            }
            consider(inPlace(i) { $0.current?.establishedAt }.map { $0 + config.rejectAfterMicros })
            // The replaced session's grace is over: what it still has moves to the current.
            if peers[i].previous != nil {
                if now >= peers[i].previousUntil {
                    let kept = retire(i, \.previous, keeping: true)
                    if peers[i].current != nil {
                        for message in kept { peers[i].current?.link.adopt(message) }
                    } else {
                        // No session to move them to (the current one was retired first,
                        // by a `rejectAfterMicros` shorter than the grace): given up, and said.
                        peers[i].giveUps += kept.map(\.handle)
                        peers[i].retired.messagesGivenUp += kept.count
                    }
                } else {
                    consider(peers[i].previousUntil)
                }
            }
            let rekey = inPlace(i) { p -> (due: Bool, time: UInt64)? in
                guard case .none = p.initiation, case .none = p.next,
                      let due = p.current?.rekeyDue(now: now, config: config),
                      let time = p.current?.rekeyTime(config: config) else { return nil }
                return (due, time)
            }
            if let rekey {
                if rekey.due { startInitiation(i, now: now) } else { consider(rekey.time) }
            }
            consider(inPlace(i) { $0.initiation?.sentAt }.map { $0 + config.handshakeRetryMicros })
            consider(peers[i].waiting.lazy.map(\.deadlineMicros).min())
        }
        for message in peers[i].handshakes { datagrams.append((peer, message)) }
        peers[i].handshakes = []
        // The links append to `datagrams` where it lies; what they give up is gathered
        // apart (empty, it costs nothing), as `peers[i]` is busy while a link runs.
        var linkGaveUp: [UInt64] = []
        if peers[i].previous != nil {
            consider(peers[i].previous?.link.poll(now: now, datagrams: &datagrams, gaveUp: &linkGaveUp))
        }
        let before = datagrams.count
        if peers[i].current != nil {
            consider(peers[i].current?.link.poll(now: now, datagrams: &datagrams, gaveUp: &linkGaveUp))
        }
        if !linkGaveUp.isEmpty { peers[i].giveUps += linkGaveUp }
        if peers[i].unconfirmedByPeer && peers[i].keepalivesLeft > 0 {
            if datagrams.count > before {
                // Data went out: it elicits an ack, which confirms as well.
                peers[i].nextKeepaliveAt = now + config.confirmationKeepaliveMicros
            } else if now >= peers[i].nextKeepaliveAt, let keepalive = peers[i].current?.link.keepalive(ackEliciting: true) {
                datagrams.append((peer, keepalive))
                peers[i].keepalivesLeft -= 1
                peers[i].nextKeepaliveAt = now + config.confirmationKeepaliveMicros
            }
            if peers[i].keepalivesLeft > 0 { consider(peers[i].nextKeepaliveAt) }
        }
        consider(updateReachability(i, now: now))
        for handle in peers[i].giveUps { gaveUp.append((peer, handle)) }
        peers[i].giveUps = []
        return wake
    }

    /// Makes every session's pending ack due now (a stopping node acknowledges what it
    /// delivered); the next `poll` sends them.
    public mutating func acknowledgeAll() {
        for i in peers.indices {
            inPlace(i) { p in
                p.current?.link.acknowledgeNow()
                p.next?.link.acknowledgeNow()
                p.previous?.link.acknowledgeNow()
                p.dirty = true
            }
        }
    }

    /// Reports the peer unreachable once when messages to it are given up or it stays
    /// silent with something outstanding; returns when to look again.
    private mutating func updateReachability(_ i: Int, now: UInt64) -> UInt64? {
        let after = configuration.sessions.unreachableAfterMicros
        let (unreachable, lookAgain) = inPlace(i) { p -> (NodeID?, UInt64?) in
            var initiating = false
            if case .some = p.initiation { initiating = true }
            let outstanding = !p.waiting.isEmpty || initiating
                || (p.current?.link.outstanding ?? 0) > 0 || (p.previous?.link.outstanding ?? 0) > 0
            if !outstanding {
                p.outstandingSince = nil
            } else if p.outstandingSince == nil {
                p.outstandingSince = now
            }
            guard !p.reportedUnreachable else { return (nil, nil) }
            let quietSince = max(p.lastHeardAt, p.outstandingSince ?? 0)
            let deadline = quietSince > .max - after ? .max : quietSince + after
            if !p.giveUps.isEmpty || (outstanding && now >= deadline) {
                p.reportedUnreachable = true
                return (p.id, nil)
            }
            return (nil, outstanding ? deadline : nil)
        }
        if let unreachable { events.append(.unreachable(unreachable)) }
        return lookAgain
    }

    // MARK: - Inspection

    /// The peer's counters over all its sessions.
    public func statistics(for peer: NodeID) -> PeerStats? {
        guard let i = peerIndex[peer] else { return nil }
        var stats = peers[i].current?.link.statistics ?? PeerStats()
        if let previous = peers[i].previous?.link.statistics { stats.accumulate(previous) }
        stats.accumulate(peers[i].retired)
        return stats
    }

    /// Whether `peer` has a confirmed session.
    public func hasSession(with peer: NodeID) -> Bool {
        peerIndex[peer].map { peers[$0].current != nil } ?? false
    }
}

extension PeerStats {
    /// Adds another set's counters (the estimates — RTT, window, bytes in flight — stay
    /// this one's): a retired session's counts go on counting in the peer's totals.
    mutating func accumulate(_ other: PeerStats) {
        datagramsSent += other.datagramsSent
        bytesSent += other.bytesSent
        datagramsReceived += other.datagramsReceived
        bytesReceived += other.bytesReceived
        messagesRetransmitted += other.messagesRetransmitted
        packetsLost += other.packetsLost
        spuriousLosses += other.spuriousLosses
        messagesGivenUp += other.messagesGivenUp
        drops.add(other.drops)
        batchBytesRaw += other.batchBytesRaw
        batchBytesSent += other.batchBytesSent
        bytesRetransmitted += other.bytesRetransmitted
        congestionEvents += other.congestionEvents
        persistentCongestionEvents += other.persistentCongestionEvents
        probeTimeouts += other.probeTimeouts
    }
}
