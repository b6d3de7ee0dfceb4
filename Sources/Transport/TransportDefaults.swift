import Wire

/// The datagram budget every link works within.
public enum TransportDefaults {
    /// Bytes of frames one datagram carries by default.
    public static let payloadBudget = 1200
    /// The most a configuration may ask for: with header and tag, still under the
    /// 1,500-byte Ethernet MTU less IPv6 and UDP headers.
    public static let maxPayloadBudget = 1400
    /// Header and AEAD tag around every sealed datagram.
    public static let overheadBytes = DatagramHeader.size + DatagramHeader.tagSize
}
