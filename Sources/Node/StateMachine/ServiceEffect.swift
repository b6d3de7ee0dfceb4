import Wire

/// What applying an entry asks of the node's shell. Every node computes the same effects
/// from the same entry; each acts on those addressed to it (the leader on `redecide`).
public enum ServiceEffect: Equatable, Sendable {
    /// This node is the chosen one: make sure exactly one instance of this decision runs
    /// (the engine looks up before it starts, so re-applying the log starts nothing twice).
    case ensureRunning(ServiceRecord)
    /// This node runs an instance of a decision that no longer holds: stop it.
    case stop(service: String, decisionIndex: UInt64)
    /// The decision was refused or its node failed: the leader decides the request again.
    case redecide(request: DeployRequest, reason: String)
    /// The decision verified but cannot take effect (its name is held by another request);
    /// it is a client error, answered, not retried.
    case rejected(request: DeployRequest, reason: String)
    /// The entry's payload does not decode. The bytes are the same on every node, so every
    /// node skips it alike.
    case malformedEntry(index: UInt64, error: WireError)
}

extension ServiceEffect {
    /// The effects of applying many entries at once (e.g. the whole log after a restart),
    /// without the starts that a later entry of the same batch already undoes.
    public static func coalesce(_ effects: [ServiceEffect]) -> [ServiceEffect] {
        var stopped = Set<StopKey>()
        for case .stop(let service, let index) in effects { stopped.insert(StopKey(service: service, index: index)) }
        return effects.filter { effect in
            if case .ensureRunning(let record) = effect {
                return !stopped.contains(StopKey(service: record.name, index: record.decisionIndex))
            }
            return true
        }
    }

    private struct StopKey: Hashable {
        var service: String
        var index: UInt64
    }
}
