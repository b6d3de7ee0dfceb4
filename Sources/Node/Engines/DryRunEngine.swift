import Wire

/// Runs nothing and records what it would have run: for tests, benchmarks and clusters
/// that only decide.
public final class DryRunEngine: ContainerEngine {
    public enum Action: Equatable, Sendable {
        case start(InstanceSpec)
        case stop(service: String)
    }

    public let name = "dry-run"
    public private(set) var actions: [Action] = []
    private var instances: [String: InstanceInfo] = [:]

    public init() {}

    public func start(_ spec: InstanceSpec, nowMillis: UInt64) throws(EngineError) -> StartOutcome {
        guard InstanceLabels.isValidServiceName(spec.labels.service) else { throw .invalidServiceName(spec.labels.service) }
        if let existing = instances[spec.labels.service], existing.state == .running {
            guard existing.labels.decisionIndex == spec.labels.decisionIndex else {
                throw .otherInstanceRunning(service: spec.labels.service, decisionIndex: existing.labels.decisionIndex)
            }
            return .alreadyRunning(existing)
        }
        let info = InstanceInfo(labels: spec.labels, state: .running)
        instances[spec.labels.service] = info
        actions.append(.start(spec))
        return .started(info)
    }

    @discardableResult
    public func stop(service: String, nowMillis: UInt64) -> Bool {
        guard var info = instances[service], info.state == .running else { return false }
        info.state = .exited(.signal(15))
        instances[service] = info
        actions.append(.stop(service: service))
        return true
    }

    public func inspect(matching filter: [KeyValue]) -> [InstanceInfo] {
        instances.values.filter { $0.labels.matches(filter) }.sorted { $0.labels.service < $1.labels.service }
    }

    public func poll(nowMillis: UInt64) -> [EngineEvent] { [] }
}
