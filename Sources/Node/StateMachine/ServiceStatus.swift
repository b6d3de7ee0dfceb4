/// Where a service stands in the replicated service set.
public enum ServiceStatus: Equatable, Sendable, Hashable {
    /// A verified decision is committed; the chosen node has not reported yet.
    case decided
    /// The chosen node took the request (from an outcome entry).
    case accepted
    /// The chosen node's engine runs it.
    case running
    /// The chosen node could not run it; the request is to be re-decided.
    case failed(reason: String)
    /// The decision did not verify on any node (nothing ran); the request is to be re-decided.
    case refused(reason: String)
    /// Undeployed: stopped on its node, its name free again.
    case removed

    /// Whether this decision still holds the service's name (and reserves its node).
    public var isActive: Bool {
        switch self {
        case .decided, .accepted, .running: return true
        case .failed, .refused, .removed: return false
        }
    }
}
