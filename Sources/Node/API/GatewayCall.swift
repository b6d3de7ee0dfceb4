import Synchronization

/// Runs one call into the gateway with the API's deadline and the server's stop: the
/// client gets the gateway's answer, a retryable timeout, or a retryable "stopping",
/// whichever comes first. The gateway's call is not waited for once it lost the race
/// (the daemon answers every request in the end; a retry with its request id is safe).
struct GatewayCall: Sendable {
    var timeoutMillis: UInt64
    var stopping: StopSignal

    enum Outcome<Value: Sendable>: Sendable {
        case answered(Value)
        case timedOut
        case stopped
    }

    func run<Value: Sendable>(_ call: @escaping @Sendable () async -> Value) async -> Outcome<Value> {
        let first = FirstOutcome<Outcome<Value>>()
        return await withCheckedContinuation { continuation in
            first.arm(continuation)
            let work = Task { first.offer(.answered(await call())) }
            let deadline = Task { [timeoutMillis] in
                try? await Task.sleep(for: .milliseconds(timeoutMillis))
                if !Task.isCancelled { first.offer(.timedOut) }
            }
            let stop = Task { [stopping] in
                await stopping.wait()
                if !Task.isCancelled { first.offer(.stopped) }
            }
            first.onSettle {
                deadline.cancel()
                stop.cancel()
                _ = work  // left to finish on its own
            }
        }
    }
}

/// A one-shot rendezvous: the first offered value resumes the continuation, the rest are dropped.
final class FirstOutcome<Value: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Value, Never>?
        var settled = false
        var onSettle: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    func arm(_ continuation: CheckedContinuation<Value, Never>) {
        state.withLock { $0.continuation = continuation }
    }

    func onSettle(_ action: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state -> Bool in
            if state.settled { return true }
            state.onSettle = action
            return false
        }
        if runNow { action() }
    }

    func offer(_ value: Value) {
        let taken = state.withLock { state -> (CheckedContinuation<Value, Never>?, (@Sendable () -> Void)?) in
            guard !state.settled else { return (nil, nil) }
            state.settled = true
            defer { state.continuation = nil; state.onSettle = nil }
            return (state.continuation, state.onSettle)
        }
        taken.0?.resume(returning: value)
        taken.1?()
    }
}

/// Set once when the server stops; every waiter (and every later one) resumes then.
final class StopSignal: Sendable {
    private struct State {
        var stopped = false
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    var isStopped: Bool { state.withLock { $0.stopped } }

    func fire() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.stopped = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns when the server stops, or at once when the calling task is cancelled.
    func wait() async {
        let id = state.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.stopped || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}
