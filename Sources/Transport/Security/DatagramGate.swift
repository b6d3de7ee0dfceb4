import Crypto
import Foundation
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

    public mutating func open(_ datagram: [UInt8]) -> OpenedDatagram? {
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

    private mutating func check(_ datagram: [UInt8]) -> Result<OpenedDatagram, DatagramDropReason> {
        guard datagram.count <= limits.maxDatagramBytes else { return .failure(.tooLarge) }
        guard datagram.count >= DatagramHeader.size else { return .failure(.malformed) }
        let header: DatagramHeader
        do {
            header = try datagram.withWireReader(limits: limits) { (r) throws(WireError) in try DatagramHeader.decode(from: &r) }
        } catch {
            return .failure(.malformed)
        }
        guard header.clusterID == clusterID else { return .failure(.wrongCluster) }
        let known = windows[header.sender]
        if let known, header.keyEpoch < known.epoch { return .failure(.staleEpoch) }
        // A newer epoch (the sender restarted) starts a new window, once authenticated.
        var window = known?.epoch == header.keyEpoch ? known?.window ?? ReplayWindow() : ReplayWindow()
        guard window.check(header.packetNumber.value) == .fresh else { return .failure(.replay) }

        let payload: [UInt8]
        switch (protection, header.kind) {
        case (.insecure, .plain):
            payload = Array(datagram[DatagramHeader.size...])
        case (.sealed(let key), .sealed):
            guard datagram.count >= DatagramHeader.size + DatagramHeader.tagSize else { return .failure(.malformed) }
            let tagStart = datagram.count - DatagramHeader.tagSize
            let nonce = DatagramSealer.nonce(sender: header.sender, epoch: header.keyEpoch, packet: header.packetNumber)
            guard let chachaNonce = try? ChaChaPoly.Nonce(data: nonce),
                  let box = try? ChaChaPoly.SealedBox(
                      nonce: chachaNonce, ciphertext: datagram[DatagramHeader.size..<tagStart], tag: datagram[tagStart...]),
                  let plain = try? ChaChaPoly.open(box, using: key.key, authenticating: datagram[0..<DatagramHeader.size])
            else { return .failure(.authentication) }
            payload = Array(plain)
        default:
            return .failure(.wrongProtection)
        }
        window.accept(header.packetNumber.value)
        windows[header.sender] = (header.keyEpoch, window)
        return .success(OpenedDatagram(header: header, payload: payload))
    }
}
