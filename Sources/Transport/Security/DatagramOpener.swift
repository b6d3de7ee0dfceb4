import Wire

/// A datagram that passed its session's checks: authenticated, fresh, from this cluster.
public struct OpenedDatagram: Sendable, Equatable {
    public var header: DatagramHeader
    /// The plaintext frames, not yet decoded (empty: a keepalive).
    public var payload: [UInt8]
}

/// The receive side of one session, in the only safe order: replay pre-check → decrypt
/// and verify → window update. (Size, header and cluster are checked before the session
/// is looked up: `header(of:)`.) Nothing is decompressed or decoded here, and nothing at
/// all before authentication; a forged datagram cannot move the window.
public struct DatagramOpener: Sendable {
    /// The session's receiving key; nil: plain datagrams (insecure mode).
    let key: ChaChaPolyAEAD?
    public private(set) var window = ReplayWindow()

    public init(key: ChaChaPolyAEAD?) {
        self.key = key
    }

    /// The header of a data datagram of `clusterID`, or why it is dropped.
    public static func header(of datagram: [UInt8], clusterID: ClusterID, limits: WireLimits = .default) -> Result<DatagramHeader, DatagramDropReason> {
        guard datagram.count <= limits.maxDatagramBytes else { return .failure(.tooLarge) }
        guard datagram.count >= DatagramHeader.size else { return .failure(.malformed) }
        let header: DatagramHeader
        do {
            header = try datagram.withWireReader(limits: limits) { (r) throws(WireError) in try DatagramHeader.decode(from: &r) }
        } catch {
            return .failure(.malformed)
        }
        guard header.clusterID == clusterID else { return .failure(.wrongCluster) }
        return .success(header)
    }

    /// The datagram's payload if it passes; pass a buffer nothing else holds: it is
    /// decrypted in place.
    public mutating func open(_ datagram: consuming [UInt8], header: DatagramHeader) -> Result<OpenedDatagram, DatagramDropReason> {
        let packet = header.packetNumber.value
        guard window.check(packet) == .fresh else { return .failure(.replay) }
        var payload = datagram
        switch (key, header.kind) {
        case (nil, .plain):
            break
        case (.some(let key), .sealed):
            guard payload.count >= DatagramHeader.size + DatagramHeader.tagSize else { return .failure(.malformed) }
            guard key.open(&payload, from: DatagramHeader.size, nonce: ChaChaPolyAEAD.Nonce(counter: packet)) else {
                return .failure(.authentication)
            }
        default:
            return .failure(.wrongProtection)
        }
        payload.removeFirst(DatagramHeader.size)
        window.accept(packet)
        return .success(OpenedDatagram(header: header, payload: payload))
    }

    /// Header checks and `open` together (tests, fuzzers).
    public mutating func open(_ datagram: [UInt8], clusterID: ClusterID) -> Result<OpenedDatagram, DatagramDropReason> {
        switch Self.header(of: datagram, clusterID: clusterID) {
        case .failure(let reason): .failure(reason)
        case .success(let header): open(datagram, header: header)
        }
    }
}
