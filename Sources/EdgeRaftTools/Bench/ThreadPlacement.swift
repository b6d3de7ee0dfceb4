import CThreadShims

/// Where the benchmark's threads run. A round trip over loopback is two thread wake-ups,
/// and what a wake-up costs depends mostly on where the woken thread sits: on the same
/// core it is a context switch, on an idle other core the core must wake first. Left to
/// the scheduler, the two paths of one run can land differently and their ratio then
/// measures placement, not work; pinned, both paths run with the same placement.
public enum ThreadPlacement: String, Sendable, CaseIterable {
    /// Clients on one core, servers on another (needs two usable cores).
    case split
    /// Every thread on one core.
    case same
    /// Not pinned: wherever the scheduler puts them.
    case free

    /// The cores this process may run on (empty where that is unknown).
    static var usableCores: [Int] {
        var cores = [Int32](repeating: 0, count: 1024)
        let count = edgeraft_usable_cores(&cores, Int32(cores.count))
        return count > 0 ? cores.prefix(Int(count)).map(Int.init) : []
    }

    /// Runs the calling thread — and the threads it starts from now on, which inherit
    /// it — on `cores` only. Returns false if the system refused or cannot do it.
    @discardableResult
    static func pinCallingThread(to cores: [Int]) -> Bool {
        guard !cores.isEmpty else { return false }
        let numbers = cores.map { Int32(truncatingIfNeeded: $0) }
        return edgeraft_pin_calling_thread(numbers, Int32(numbers.count)) == 0
    }

    /// The cores for clients and for servers under this placement (nil: leave unpinned).
    func cores() -> (client: [Int], server: [Int])? {
        let usable = Self.usableCores
        switch self {
        case .free:
            return nil
        case .same:
            guard let first = usable.first else { return nil }
            return ([first], [first])
        case .split:
            guard usable.count >= 2 else { return nil }
            return ([usable[0]], [usable[1]])
        }
    }
}
