#if canImport(Glibc)
import Glibc
#endif
import Wire

/// Runs each service's command as a supervised child: its own process group (so a stop
/// reaches everything it started), stdout and stderr appended to
/// `<data>/services/<service>.log`, SIGTERM then SIGKILL after `stopTimeoutMillis`, exit
/// status reported, restarts per policy. An instance record (`<service>.instance`: pid,
/// the process's start time, labels) lets a restarted node find instances it started
/// before, so re-applying the log never starts a second one.
public final class ProcessEngine: ContainerEngine {
    public let name = "process"
    public let directory: String
    public let stopTimeoutMillis: UInt64
    public let restartPolicy: RestartPolicy

    private struct Supervised {
        var spec: InstanceSpec
        var pid: Int32
        var startTicks: UInt64
        var state: InstanceState
        var stopDeadline: UInt64 = 0
        var restarts = 0
        /// Found from its record after a restart: not our child, so it cannot be waited for.
        var adopted = false
    }

    private var instances: [String: Supervised] = [:]

    public init(dataDirectory: String, stopTimeoutMillis: UInt64 = 10_000, restartPolicy: RestartPolicy = .onFailure(maxRestarts: 3)) throws(EngineError) {
        directory = dataDirectory + "/services"
        self.stopTimeoutMillis = stopTimeoutMillis
        self.restartPolicy = restartPolicy
        if mkdir(dataDirectory, 0o750) != 0 && errno != EEXIST { throw .io(path: dataDirectory, errno: errno) }
        if mkdir(directory, 0o750) != 0 && errno != EEXIST { throw .io(path: directory, errno: errno) }
        adoptRecordedInstances()
    }

    public func logPath(service: String) -> String { directory + "/" + service + ".log" }
    private func recordPath(service: String) -> String { directory + "/" + service + ".instance" }

    // MARK: start

    public func start(_ spec: InstanceSpec, nowMillis: UInt64) throws(EngineError) -> StartOutcome {
        let service = spec.labels.service
        guard InstanceLabels.isValidServiceName(service) else { throw .invalidServiceName(service) }
        if let existing = instances[service], !Self.isExited(existing.state) {
            guard existing.spec.labels.decisionIndex == spec.labels.decisionIndex else {
                throw .otherInstanceRunning(service: service, decisionIndex: existing.spec.labels.decisionIndex)
            }
            // An adopted instance's record holds only its labels: from now on a restart by
            // policy runs the full spec the replicated service set gives.
            var updated = existing
            updated.spec = spec
            instances[service] = updated
            return .alreadyRunning(info(updated))
        }
        let (pid, ticks) = try spawn(spec)
        let supervised = Supervised(spec: spec, pid: pid, startTicks: ticks, state: .running)
        instances[service] = supervised
        writeRecord(supervised)
        return .started(info(supervised))
    }

    private static func isExited(_ state: InstanceState) -> Bool {
        if case .exited = state { return true }
        return false
    }

    private func spawn(_ spec: InstanceSpec) throws(EngineError) -> (Int32, UInt64) {
        let service = spec.labels.service
        let command = spec.request.command
        guard let program = command.first else { throw .noCommand(service: service) }
        var environment = ["PATH=" + (getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin")]
        for pair in spec.request.environment {
            guard !pair.key.isEmpty, !pair.key.utf8.contains(61) else { throw .invalidArgument("environment key \"\(pair.key.prefix(64))\"") }
            environment.append(pair.key + "=" + pair.value)
        }
        for pair in spec.labels.keyValues {
            environment.append(pair.key.uppercased().replacingDots() + "=" + pair.value)
        }
        for text in command + environment where text.utf8.contains(0) {
            throw .invalidArgument("string with a NUL byte")
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath(service: service), O_WRONLY | O_CREAT | O_APPEND, 0o640)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, default signal handling and an empty mask whatever ours are.
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var pid: pid_t = 0
        let result = Self.withCStrings(command) { argv in
            Self.withCStrings(environment) { envp in
                posix_spawnp(&pid, program, &actions, &attributes, argv, envp)
            }
        }
        guard result == 0 else { throw .spawnFailed(service: service, program: program, errno: result) }
        return (pid, Self.startTicks(of: pid) ?? 0)
    }

    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        pointers.append(nil)
        defer { for pointer in pointers { free(pointer) } }
        return body(pointers)
    }

    // MARK: stop, inspect, poll

    @discardableResult
    public func stop(service: String, nowMillis: UInt64) -> Bool {
        guard var supervised = instances[service] else { return false }
        switch supervised.state {
        case .running:
            // The whole group: whatever the command started goes too.
            kill(-supervised.pid, SIGTERM)
            supervised.state = .stopping
            supervised.stopDeadline = nowMillis + stopTimeoutMillis
            instances[service] = supervised
            return true
        case .restarting:
            supervised.state = .exited(.signal(SIGTERM))
            instances[service] = supervised
            removeRecord(service: service)
            return true
        case .stopping, .exited:
            return false
        }
    }

    public func inspect(matching filter: [KeyValue]) -> [InstanceInfo] {
        instances.values.filter { $0.spec.labels.matches(filter) }.map(info).sorted { $0.labels.service < $1.labels.service }
    }

    public func poll(nowMillis: UInt64) -> [EngineEvent] {
        var events: [EngineEvent] = []
        for service in instances.keys.sorted() {
            guard var supervised = instances[service] else { continue }
            switch supervised.state {
            case .running, .stopping:
                if let status = reap(supervised) {
                    let wasStopping = supervised.state == .stopping
                    // A stopped group may leave children behind: make sure none survive.
                    kill(-supervised.pid, SIGKILL)
                    events.append(.exited(supervised.spec.labels, status))
                    if wasStopping {
                        supervised.state = .exited(status)
                        removeRecord(service: service)
                    } else {
                        switch restartPolicy.decide(after: status, restartsSoFar: supervised.restarts) {
                        case .restart(let after):
                            supervised.state = .restarting(atMillis: nowMillis + after)
                        case .giveUp:
                            supervised.state = .exited(status)
                            removeRecord(service: service)
                            events.append(.gaveUp(supervised.spec.labels, status))
                        }
                    }
                } else if supervised.state == .stopping, nowMillis >= supervised.stopDeadline {
                    kill(-supervised.pid, SIGKILL)
                }
            case .restarting(let at) where nowMillis >= at:
                do {
                    let (pid, ticks) = try spawn(supervised.spec)
                    supervised.pid = pid
                    supervised.startTicks = ticks
                    supervised.adopted = false
                    supervised.restarts += 1
                    supervised.state = .running
                    writeRecord(supervised)
                    events.append(.restarted(supervised.spec.labels, pid: pid, attempt: supervised.restarts))
                } catch {
                    supervised.state = .exited(.unknown)
                    removeRecord(service: service)
                    events.append(.gaveUp(supervised.spec.labels, .unknown))
                }
            case .restarting, .exited:
                break
            }
            instances[service] = supervised
        }
        return events
    }

    /// Stops every instance and waits until all are gone, killing what outlives `timeoutMillis`:
    /// for shutdown and for tests' teardown.
    public func stopAll(timeoutMillis: UInt64 = 5_000) {
        var now = Self.monotonicMillis()
        for service in instances.keys { stop(service: service, nowMillis: now) }
        let deadline = now + timeoutMillis
        while instances.values.contains(where: { $0.state == .stopping }) {
            now = Self.monotonicMillis()
            if now >= deadline {
                for supervised in instances.values where supervised.state == .stopping { kill(-supervised.pid, SIGKILL) }
            }
            _ = poll(nowMillis: now)
            usleep(5_000)
        }
    }

    /// The exit status if the instance has ended, nil while it runs.
    private func reap(_ supervised: Supervised) -> ExitStatus? {
        if supervised.adopted {
            return Self.startTicks(of: supervised.pid) == supervised.startTicks ? nil : .unknown
        }
        var status: Int32 = 0
        let result = waitpid(supervised.pid, &status, WNOHANG)
        if result == 0 { return nil }
        if result < 0 { return .unknown }
        // The wait-status layout of Linux: low 7 bits the signal, bits 8–15 the exit code.
        let signal = status & 0x7F
        return signal == 0 ? .code((status >> 8) & 0xFF) : .signal(signal)
    }

    private func info(_ supervised: Supervised) -> InstanceInfo {
        InstanceInfo(labels: supervised.spec.labels, state: supervised.state, pid: supervised.pid, restarts: supervised.restarts)
    }

    // MARK: instance records

    /// Field 22 of /proc/PID/stat, the process's start time in clock ticks: with the pid it
    /// names one process, so a recycled pid is not taken for the instance. Nil when the
    /// process is gone or a zombie.
    static func startTicks(of pid: Int32) -> UInt64? {
        guard let text = try? readSmallFile("/proc/\(pid)/stat") else { return nil }
        // The command name (field 2) is in parentheses and may hold spaces: count after it.
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After ")" come fields 3, 4, …: field 22 is the 20th. A zombie (state Z, field 3)
        // has ended: it only waits for its parent to reap it.
        guard fields.count >= 20, fields[0] != "Z", fields[0] != "X" else { return nil }
        return UInt64(fields[19])
    }

    static func monotonicMillis() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1000 + UInt64(now.tv_nsec) / 1_000_000
    }

    private func writeRecord(_ supervised: Supervised) {
        var text = "pid=\(supervised.pid)\nstart=\(supervised.startTicks)\n"
        for pair in supervised.spec.labels.keyValues { text += pair.key + "=" + pair.value + "\n" }
        let path = recordPath(service: supervised.spec.labels.service)
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard fd >= 0 else { return }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
        close(fd)
        if written == bytes.count { rename(temporary, path) } else { unlink(temporary) }
    }

    private func removeRecord(service: String) {
        unlink(recordPath(service: service))
    }

    /// Instances recorded by an earlier run of this node that still run (same pid, same
    /// start time) are taken over; records of ended ones are removed.
    private func adoptRecordedInstances() {
        guard let dir = opendir(directory) else { return }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name.hasSuffix(".instance") else { continue }
            let path = directory + "/" + name
            guard let text = try? Self.readSmallFile(path), let record = Self.parseRecord(text),
                  InstanceLabels.isValidServiceName(record.labels.service),
                  Self.startTicks(of: record.pid) == record.startTicks
            else {
                unlink(path)
                continue
            }
            // No command: until the node's service set hands over the full spec (see `start`),
            // a restart by policy has nothing to run and gives up.
            let request = DeployRequest(requestID: record.labels.requestID, service: record.labels.service, image: "")
            instances[record.labels.service] = Supervised(
                spec: InstanceSpec(labels: record.labels, request: request), pid: record.pid, startTicks: record.startTicks,
                state: .running, adopted: true)
        }
    }

    private static func parseRecord(_ text: String) -> (pid: Int32, startTicks: UInt64, labels: InstanceLabels)? {
        var pairs: [KeyValue] = []
        var pid: Int32?, ticks: UInt64?
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { return nil }
            switch parts[0] {
            case "pid": pid = Int32(parts[1])
            case "start": ticks = UInt64(parts[1])
            default: pairs.append(KeyValue(String(parts[0]), String(parts[1])))
            }
        }
        guard let pid, pid > 1, let ticks, let labels = InstanceLabels(pairs) else { return nil }
        return (pid, ticks, labels)
    }

    /// Instance records and /proc/PID/stat are well under 4 KiB; a longer file is not ours.
    static func readSmallFile(_ path: String) throws(EngineError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: path, errno: errno) }
        defer { close(fd) }
        let limit = 4 * 1024
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, errno: errno)
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk.prefix(count))
            guard bytes.count <= limit else { throw .io(path: path, errno: EFBIG) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension String {
    fileprivate func replacingDots() -> String {
        String(map { $0 == "." ? "_" : $0 })
    }
}
