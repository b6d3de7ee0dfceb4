/// When a supervised instance that exited on its own is started again. Pure: exit status
/// and the restarts so far in, a decision out.
public enum RestartPolicy: Equatable, Sendable, Hashable {
    case never
    /// Restart after a non-zero exit or a signal, at most `maxRestarts` times.
    case onFailure(maxRestarts: Int)
    /// Restart after any exit, at most `maxRestarts` times.
    case always(maxRestarts: Int)

    public enum Decision: Equatable, Sendable {
        case restart(afterMillis: UInt64)
        case giveUp
    }

    /// Backoff doubles from 100 ms per restart, capped at 10 s (a crash loop costs little).
    public func decide(after status: ExitStatus, restartsSoFar: Int) -> Decision {
        let limit: Int
        switch self {
        case .never: return .giveUp
        case .onFailure(let max):
            if status.isSuccess { return .giveUp }
            limit = max
        case .always(let max):
            limit = max
        }
        guard restartsSoFar < limit else { return .giveUp }
        let shift = UInt64(min(max(restartsSoFar, 0), 7))
        return .restart(afterMillis: min(100 << shift, 10_000))
    }
}
