import Wire

/// Transport: reliable, authenticated UDP between nodes. Built in its own issue; for now it
/// states the datagram budget it will enforce, which Wire's size report shows beside
/// each message.
public enum TransportDefaults {
    /// Bytes of frames one datagram carries by default (configurable up to 1400).
    public static let payloadBudget = 1200
    /// Header and AEAD tag around every sealed datagram.
    public static let overheadBytes = DatagramHeader.size + DatagramHeader.tagSize
}
