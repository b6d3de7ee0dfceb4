/// Everything a node wants done since it was last asked, as plain values.
///
/// The shell must act in this order: persist `snapshotToInstall`, `hardState` and
/// `entriesToPersist`, then send `messages`, then apply `committedEntries`. Persisting
/// first is what makes a vote or an acknowledgement safe to send.
public struct Ready: Equatable, Sendable {
    /// A snapshot received from the leader: save it, compact the log on disk through its
    /// position keeping only `entriesToPersist` after it, and load it into the state
    /// machine in place of everything applied so far.
    public var snapshotToInstall: Snapshot?
    /// Set when term, vote or commit changed.
    public var hardState: HardState?
    /// Entries to write. The log on disk is cut after `entriesToPersist[0].index − 1` first
    /// (a new leader may have overwritten an uncommitted suffix).
    public var entriesToPersist: [Entry] = []
    public var messages: [Envelope] = []
    /// Newly committed entries, in index order, to apply to the state machine.
    public var committedEntries: [Entry] = []
    /// Held proposals (on-demand mode) to send to a leader that another node became.
    public var forwards: [ForwardedProposals] = []
    /// Held proposals given up (campaign lost with no leader known, or storage failed).
    public var droppedProposals: [Proposal] = []

    public var isEmpty: Bool {
        snapshotToInstall == nil && hardState == nil && entriesToPersist.isEmpty && messages.isEmpty && committedEntries.isEmpty
            && forwards.isEmpty && droppedProposals.isEmpty
    }
}
