import Wire

/// A datagram that passed the gate: authenticated, fresh, from this cluster.
public struct OpenedDatagram: Sendable, Equatable {
    public var header: DatagramHeader
    /// The plaintext frames, not yet decoded.
    public var payload: [UInt8]
}

/// The receive side of datagram protection, in the only safe order: size check → header →
/// cluster id and epoch → replay pre-check → decrypt and verify → window update. Nothing
/// is decompressed or decoded here, and nothing at all before authentication.
public struct DatagramGate: Sendable {
    public let protection: Protection
    public let clusterID: ClusterID
    public let limits: WireLimits
    /// Per sender: its newest key epoch seen and the replay window of that epoch.
    private var windows: [NodeID: (epoch: UInt16, window: ReplayWindow)] = [:]
    public private(set) var drops = DropCounters()

    public init(protection: Protection, clusterID: ClusterID, limits: WireLimits = .default) {
        self.protection = protection
        self.clusterID = clusterID
        self.limits = limits
    }

    /// The datagram's payload if it passes, else nil (and the reason counted). Pass a
    /// buffer nothing else holds: it is decrypted in place.
    public mutating func open(_ datagram: consuming [UInt8]) -> OpenedDatagram? {
        switch check(datagram) {
        case .success(let opened):
            return opened
        case .failure(let reason):
            drops.count(reason)
            return nil
        }
    }

    /// Counts a drop decided later (a payload that does not decode, a limit).
    public mutating func count(_ reason: DatagramDropReason) {
        drops.count(reason)
    }

    private mutating func check(_ datagram: consuming [UInt8]) -> Result<OpenedDatagram, DatagramDropReason> {
        guard datagram.count <= limits.maxDatagramBytes else { return .failure(.tooLarge) }
        guard datagram.count >= DatagramHeader.size else { return .failure(.malformed) }
        let header: DatagramHeader
        do {
            header = try datagram.withWireReader(limits: limits) { (r) throws(WireError) in try DatagramHeader.decode(from: &r) }
        } catch {
            return .failure(.malformed)
        }
        guard header.clusterID == clusterID else { return .failure(.wrongCluster) }
        let packet = header.packetNumber.value
        // A newer epoch (the sender restarted) starts a new window, once authenticated.
        let sameEpoch: Bool
        switch windows[header.sender].map({ (epoch: $0.epoch, verdict: $0.window.check(packet)) }) {
        case .some(let known) where header.keyEpoch < known.epoch:
            return .failure(.staleEpoch)
        case .some(let known) where header.keyEpoch == known.epoch:
            guard known.verdict == .fresh else { return .failure(.replay) }
            sameEpoch = true
        default:
            sameEpoch = false
        }

        var payload = datagram
        switch (protection, header.kind) {
        case (.insecure, .plain):
            break
        case (.sealed(let key), .sealed):
            guard payload.count >= DatagramHeader.size + DatagramHeader.tagSize else { return .failure(.malformed) }
            let nonce = DatagramSealer.nonce(sender: header.sender, epoch: header.keyEpoch, packet: header.packetNumber)
            guard key.aead.open(&payload, from: DatagramHeader.size, nonce: nonce) else { return .failure(.authentication) }
        default:
            return .failure(.wrongProtection)
        }
        payload.removeFirst(DatagramHeader.size)
        if sameEpoch {
            windows[header.sender]?.window.accept(packet)
        } else {
            var window = ReplayWindow()
            window.accept(packet)
            windows[header.sender] = (header.keyEpoch, window)
        }
        return .success(OpenedDatagram(header: header, payload: payload))
    }
}
