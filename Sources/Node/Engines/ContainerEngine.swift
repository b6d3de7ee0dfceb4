#if canImport(Glibc)
import Glibc
#endif
import Wire

/// What an engine is asked to run: the decided request and the labels that identify it.
public struct InstanceSpec: Equatable, Sendable {
    public var labels: InstanceLabels
    public var request: DeployRequest

    public init(labels: InstanceLabels, request: DeployRequest) {
        self.labels = labels
        self.request = request
    }
}

public enum ExitStatus: Equatable, Sendable, Hashable, CustomStringConvertible {
    case code(Int32)
    case signal(Int32)
    /// The instance was not this engine's child (adopted after a restart): it is gone, how
    /// it ended is not known.
    case unknown

    public var isSuccess: Bool { self == .code(0) }

    public var description: String {
        switch self {
        case .code(let code): return "exit \(code)"
        case .signal(let signal): return "signal \(signal)"
        case .unknown: return "ended (status unknown)"
        }
    }
}

public enum InstanceState: Equatable, Sendable, Hashable {
    case running
    /// Asked to stop; killed outright once the stop timeout passes.
    case stopping
    /// Exited; the restart policy starts it again at the given time.
    case restarting(atMillis: UInt64)
    case exited(ExitStatus)
}

public struct InstanceInfo: Equatable, Sendable, Hashable {
    public var labels: InstanceLabels
    public var state: InstanceState
    /// The process id (process engine), nil where the engine has none.
    public var pid: Int32?
    public var restarts: Int

    public init(labels: InstanceLabels, state: InstanceState, pid: Int32? = nil, restarts: Int = 0) {
        self.labels = labels
        self.state = state
        self.pid = pid
        self.restarts = restarts
    }
}

public enum StartOutcome: Equatable, Sendable {
    case started(InstanceInfo)
    /// An instance of this very decision is already there (found by its labels): nothing
    /// was started. This is what makes re-applying the log safe.
    case alreadyRunning(InstanceInfo)
}

/// What the supervisor saw happen since the last poll.
public enum EngineEvent: Equatable, Sendable {
    case exited(InstanceLabels, ExitStatus)
    case restarted(InstanceLabels, pid: Int32, attempt: Int)
    /// Exited and the restart policy does not start it again: report the service failed.
    case gaveUp(InstanceLabels, ExitStatus)
}

public enum EngineError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidServiceName(String)
    case noCommand(service: String)
    /// A command argument, environment entry or label holds a NUL byte or an `=` in a key.
    case invalidArgument(String)
    /// Another decision's instance of the service still runs: stop it first.
    case otherInstanceRunning(service: String, decisionIndex: UInt64)
    /// The command could not be started: `program` is its first word, `errno` the spawn's.
    case spawnFailed(service: String, program: String, errno: Int32)
    case io(path: String, errno: Int32)

    public var description: String {
        switch self {
        case .invalidServiceName(let name): return "service name \"\(name.prefix(64))\" is not 1–63 of a-z, 0-9, '-', '.', '_'"
        case .noCommand(let service): return "service \(service) has no command (the process engine runs the request's command)"
        case .invalidArgument(let what): return "invalid \(what)"
        case .otherInstanceRunning(let service, let index): return "service \(service) still runs for decision \(index)"
        case .spawnFailed(let service, let program, let errno):
            // The reason reaches the client as the deploy's failure: say it in words.
            let reason = errno == ENOENT ? "no such file" : errno == EACCES ? "permission denied" : "errno \(errno)"
            return "cannot start \(service): \(program.prefix(256)): \(reason) (errno \(errno))"
        case .io(let path, let errno): return "\(path): errno \(errno)"
        }
    }
}

/// The small protocol every engine (dry-run, process, later docker) implements. Engines are
/// driven by the node's single loop: time comes in as an argument, events come back out.
public protocol ContainerEngine: AnyObject {
    var name: String { get }
    /// Looks up the spec's labels first: an instance of the same decision is never started twice.
    func start(_ spec: InstanceSpec, nowMillis: UInt64) throws(EngineError) -> StartOutcome
    /// Begins stopping the service's instance; false when there is none running.
    @discardableResult func stop(service: String, nowMillis: UInt64) -> Bool
    /// Instances whose labels include every pair of `filter`.
    func inspect(matching filter: [KeyValue]) -> [InstanceInfo]
    /// Reaps exits, escalates stops past their timeout, restarts per policy.
    func poll(nowMillis: UInt64) -> [EngineEvent]
}
