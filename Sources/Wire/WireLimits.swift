/// Upper bounds on everything a decoder may be asked to allocate or loop over.
///
/// Every length and count read from the wire is checked against one of these before any
/// memory is reserved for it. The defaults fit a Raspberry-Pi-class node; a node may lower
/// them, and must never raise them above what its peers send.
public struct WireLimits: Sendable, Equatable {
    /// Largest datagram accepted from a socket (header + payload + tag).
    public var maxDatagramBytes: Int = 1500
    /// Largest terms and indexes accepted (2^48 − 1): a term that large took 2^48 elections.
    public var maxTermOrIndex: UInt64 = (1 << 48) - 1
    /// Entries in one AppendEntries batch.
    public var maxEntriesPerBatch: Int = 1024
    /// Bytes of one log entry's payload: the one entry-size limit. Raft refuses a larger
    /// proposal, AppendEntries a larger entry, the write-ahead log a larger record, and
    /// every request that becomes an entry is bounded so that its entry fits
    /// (`maxDeployRequestBytes`).
    public var maxEntryBytes: Int = 64 * 1024
    /// Bytes of an encoded entry batch (after inflating, if it came compressed).
    public var maxBatchBytes: Int = 1024 * 1024
    /// Bytes of one InstallSnapshot chunk.
    public var maxSnapshotChunkBytes: Int = 64 * 1024
    /// Frames in one payload (a datagram's, or a reassembled message's). No datagram can
    /// hold more: its 1,488 payload bytes fit at most 496 frames of three bytes.
    public var maxFramesPerPayload: Int = 512
    /// Extra ack ranges in one ack frame.
    public var maxAckRanges: Int = 32
    /// Fragments one message may be cut into.
    public var maxFragmentsPerMessage: Int = 1024
    /// Bytes of one fragment's data.
    public var maxFragmentBytes: Int = 1400
    /// Bytes of a short name: service name, environment or label key.
    public var maxNameBytes: Int = 253
    /// Bytes of a free text: image reference, argument, value, error reason.
    public var maxTextBytes: Int = 4096
    /// Items in one list of a deploy request (arguments, variables, ports, labels).
    public var maxListItems: Int = 64
    /// Nodes in a load snapshot (the cluster size).
    public var maxNodes: Int = 256

    public init() {}

    /// Bytes of a deploy request's body: what is left of `maxEntryBytes` once the largest
    /// decision entry around it (`DecisionEntry.maxBytesAroundRequest`) is taken off, so a
    /// request that decodes always fits in the log entry it becomes.
    public var maxDeployRequestBytes: Int {
        max(maxEntryBytes - DecisionEntry.maxBytesAroundRequest(self), 0)
    }

    public static let `default` = WireLimits()
}
