#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// Keeps every core busy at the lowest scheduling priority while a benchmark runs.
///
/// On an idle machine a thread woken by a datagram first waits for its core to leave a
/// sleep state, tens of microseconds that swamp the work being measured; on a busy one
/// the core is awake and the work shows. Spinning threads that yield to anything else
/// (SCHED_IDLE on Linux, else nice 19) give the busy case on demand.
public final class BusyCores: Sendable {
    private let stopFlag = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    public let count: Int

    public init(count: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.count = max(count, 1)
        for index in 0..<self.count {
            let thread = Thread { [self] in
                Self.lowerOwnPriority()
                var spins: UInt64 = 0
                while !stopFlag.load(ordering: .relaxed) { spins &+= 1 }
                finished.signal()
            }
            thread.name = "edgeraft-busy-\(index)"
            thread.start()
        }
    }

    /// Stops the spinners and waits for them.
    public func stop() {
        guard !stopFlag.exchange(true, ordering: .relaxed) else { return }
        for _ in 0..<count { finished.wait() }
    }

    private static func lowerOwnPriority() {
        #if os(Linux)
        // SCHED_IDLE (5): runs only when nothing else wants the core.
        var parameters = sched_param(sched_priority: 0)
        if sched_setscheduler(0, 5, &parameters) == 0 { return }
        #endif
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
    }
}
