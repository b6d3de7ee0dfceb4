import Foundation
import Node
import Testing
import Wire

func spec(_ service: String, decision: UInt64 = 1, _ command: [String]) -> InstanceSpec {
    InstanceSpec(
        labels: InstanceLabels(service: service, requestID: 10 + decision, decisionIndex: decision, node: 2),
        request: DeployRequest(requestID: 10 + decision, service: service, image: "none", command: command))
}

@Suite struct RestartPolicyTests {
    @Test func policiesDecideRestartsWithDoublingBackoff() {
        #expect(RestartPolicy.never.decide(after: .code(1), restartsSoFar: 0) == .giveUp)
        let onFailure = RestartPolicy.onFailure(maxRestarts: 3)
        #expect(onFailure.decide(after: .code(0), restartsSoFar: 0) == .giveUp)
        #expect(onFailure.decide(after: .code(1), restartsSoFar: 0) == .restart(afterMillis: 100))
        #expect(onFailure.decide(after: .signal(9), restartsSoFar: 2) == .restart(afterMillis: 400))
        #expect(onFailure.decide(after: .code(1), restartsSoFar: 3) == .giveUp)
        #expect(RestartPolicy.always(maxRestarts: 100).decide(after: .code(0), restartsSoFar: 50) == .restart(afterMillis: 10_000))
        #expect(RestartPolicy.always(maxRestarts: 1).decide(after: .code(0), restartsSoFar: -5) == .restart(afterMillis: 100))
    }

    @Test func labelsRoundTripAndServiceNamesAreChecked() {
        let labels = InstanceLabels(service: "web-1", requestID: 7, decisionIndex: 12, node: 3)
        #expect(InstanceLabels(labels.keyValues) == labels)
        #expect(labels.matches([KeyValue("edgeraft.decision", "12")]) && !labels.matches([KeyValue("edgeraft.decision", "13")]))
        #expect(InstanceLabels([KeyValue("edgeraft.service", "x")]) == nil)
        for good in ["a", "web-1", "db_2.x", String(repeating: "a", count: 63)] { #expect(InstanceLabels.isValidServiceName(good)) }
        for bad in ["", "-a", "../x", "a/b", "Web", String(repeating: "a", count: 64), "a b", "é"] { #expect(!InstanceLabels.isValidServiceName(bad)) }
    }
}

@Suite struct DryRunEngineTests {
    @Test func recordsWhatWouldRunAndNeverStartsADecisionTwice() throws {
        let engine = DryRunEngine()
        let web = spec("web", ["nginx"])
        #expect(try engine.start(web, nowMillis: 0) == .started(InstanceInfo(labels: web.labels, state: .running)))
        #expect(try engine.start(web, nowMillis: 1) == .alreadyRunning(InstanceInfo(labels: web.labels, state: .running)))
        #expect(throws: EngineError.otherInstanceRunning(service: "web", decisionIndex: 1)) { try engine.start(spec("web", decision: 2, ["nginx"]), nowMillis: 2) }
        #expect(throws: EngineError.invalidServiceName("../etc")) { try engine.start(spec("../etc", ["x"]), nowMillis: 2) }
        #expect(engine.inspect(matching: [KeyValue("edgeraft.service", "web")]).count == 1)
        #expect(engine.stop(service: "web", nowMillis: 3))
        #expect(!engine.stop(service: "web", nowMillis: 4))
        #expect(engine.actions == [.start(web), .stop(service: "web")])
    }
}

/// Real child processes. Every test stops all its children in teardown (`defer`), whether
/// its expectations held or not, and kills by pid whatever is left.
@Suite(.serialized) struct ProcessEngineTests {
    static func dataDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("edgeraft-engine-\(UUID().uuidString)").path
    }

    static func now() -> UInt64 { UInt64(DispatchTime.now().uptimeNanoseconds / 1_000_000) }

    /// Polls until `done` holds or 10 s pass (a bound on waiting, not a speed assertion).
    static func pollUntil(_ engine: ProcessEngine, _ done: ([EngineEvent]) -> Bool) -> [EngineEvent] {
        var events: [EngineEvent] = []
        let deadline = now() + 10_000
        while now() < deadline {
            events += engine.poll(nowMillis: now())
            if done(events) { break }
            usleep(10_000)
        }
        return events
    }

    static func teardown(_ engine: ProcessEngine, _ directory: String) {
        let pids = engine.inspect(matching: []).compactMap(\.pid)
        engine.stopAll(timeoutMillis: 1_000)
        for pid in pids { kill(-pid, SIGKILL); kill(pid, SIGKILL) }
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func alive(_ pid: Int32) -> Bool { kill(pid, 0) == 0 }

    @Test func runsInItsOwnProcessGroupAndStopsOnSIGTERM() throws {
        let directory = Self.dataDirectory()
        let engine = try ProcessEngine(dataDirectory: directory)
        defer { Self.teardown(engine, directory) }
        let sleeper = spec("sleeper", ["/bin/sh", "-c", "sleep 30"])
        guard case .started(let info) = try engine.start(sleeper, nowMillis: Self.now()), let pid = info.pid else {
            Issue.record("not started")
            return
        }
        #expect(getpgid(pid) == pid)
        #expect(Self.alive(pid))
        // Look up before starting: the same decision is not started twice.
        #expect(try engine.start(sleeper, nowMillis: Self.now()) == .alreadyRunning(info))
        #expect(engine.inspect(matching: [KeyValue("edgeraft.decision", "1")]).map(\.pid) == [pid])
        #expect(engine.stop(service: "sleeper", nowMillis: Self.now()))
        let events = Self.pollUntil(engine) { !$0.isEmpty }
        #expect(events == [.exited(sleeper.labels, .signal(SIGTERM))])
        #expect(engine.inspect(matching: []).first?.state == .exited(.signal(SIGTERM)))
    }

    @Test func aChildIgnoringSIGTERMIsKilledAfterTheTimeout() throws {
        let directory = Self.dataDirectory()
        let engine = try ProcessEngine(dataDirectory: directory, stopTimeoutMillis: 200)
        defer { Self.teardown(engine, directory) }
        let stubborn = spec("stubborn", ["/bin/sh", "-c", "trap '' TERM; echo ready; sleep 30"])
        _ = try engine.start(stubborn, nowMillis: Self.now())
        // Wait for the trap to be set before asking it to stop.
        let log = engine.logPath(service: "stubborn")
        let ready = Self.now() + 10_000
        while Self.now() < ready, (try? String(contentsOfFile: log, encoding: .utf8))?.contains("ready") != true { usleep(10_000) }
        engine.stop(service: "stubborn", nowMillis: Self.now())
        let events = Self.pollUntil(engine) { !$0.isEmpty }
        #expect(events == [.exited(stubborn.labels, .signal(SIGKILL))])
    }

    @Test func outputGoesToTheLogFileAndTheExitStatusIsReported() throws {
        let directory = Self.dataDirectory()
        let engine = try ProcessEngine(dataDirectory: directory, restartPolicy: .never)
        defer { Self.teardown(engine, directory) }
        var job = spec("job", ["/bin/sh", "-c", "echo to-stdout; echo to-stderr >&2; echo $GREETING; exit 3"])
        job.request.environment = [KeyValue("GREETING", "hello")]
        _ = try engine.start(job, nowMillis: Self.now())
        let events = Self.pollUntil(engine) { $0.count >= 2 }
        #expect(events == [.exited(job.labels, .code(3)), .gaveUp(job.labels, .code(3))])
        let log = try String(contentsOfFile: engine.logPath(service: "job"), encoding: .utf8)
        #expect(log == "to-stdout\nto-stderr\nhello\n")
    }

    @Test func aFailingServiceIsRestartedPerPolicyThenGivenUp() throws {
        let directory = Self.dataDirectory()
        let engine = try ProcessEngine(dataDirectory: directory, restartPolicy: .onFailure(maxRestarts: 2))
        defer { Self.teardown(engine, directory) }
        let crashing = spec("crashing", ["/bin/sh", "-c", "echo run; exit 1"])
        _ = try engine.start(crashing, nowMillis: Self.now())
        let events = Self.pollUntil(engine) { $0.contains { if case .gaveUp = $0 { return true } else { return false } } }
        let restarts = events.compactMap { event -> Int? in
            if case .restarted(_, _, let attempt) = event { return attempt }
            return nil
        }
        #expect(restarts == [1, 2])
        #expect(events.last == .gaveUp(crashing.labels, .code(1)))
        let log = try String(contentsOfFile: engine.logPath(service: "crashing"), encoding: .utf8)
        #expect(log == "run\nrun\nrun\n")
    }

    @Test func aRestartedNodeFindsItsRunningInstanceAndStartsNoSecond() throws {
        let directory = Self.dataDirectory()
        let first = try ProcessEngine(dataDirectory: directory)
        defer { Self.teardown(first, directory) }
        let sleeper = spec("kept", ["/bin/sh", "-c", "sleep 30"])
        guard case .started(let info) = try first.start(sleeper, nowMillis: Self.now()), let pid = info.pid else {
            Issue.record("not started")
            return
        }
        // A new engine on the same data directory stands for the node after a restart.
        let second = try ProcessEngine(dataDirectory: directory)
        defer { Self.teardown(second, directory) }
        #expect(second.inspect(matching: [KeyValue("edgeraft.service", "kept")]).map(\.pid) == [pid])
        guard case .alreadyRunning(let found) = try second.start(sleeper, nowMillis: Self.now()) else {
            Issue.record("started a second instance")
            return
        }
        #expect(found.pid == pid)
        #expect(second.inspect(matching: []).count == 1)
        #expect(throws: EngineError.otherInstanceRunning(service: "kept", decisionIndex: 1)) {
            try second.start(spec("kept", decision: 2, ["/bin/sh", "-c", "sleep 30"]), nowMillis: Self.now())
        }
        // Stopping reaches it though it is not the second engine's child.
        #expect(second.stop(service: "kept", nowMillis: Self.now()))
        // Ended though not yet reaped by its parent (the first engine): a zombie counts as gone.
        let events = Self.pollUntil(second) { !$0.isEmpty }
        #expect(events == [.exited(sleeper.labels, .unknown)])
        _ = Self.pollUntil(first) { !$0.isEmpty }
        #expect(!Self.alive(pid))
    }

    @Test func aRecordOfAnEndedProcessIsNotAdopted() throws {
        let directory = Self.dataDirectory()
        let first = try ProcessEngine(dataDirectory: directory, restartPolicy: .never)
        defer { Self.teardown(first, directory) }
        _ = try first.start(spec("brief", ["/bin/sh", "-c", "sleep 30"]), nowMillis: Self.now())
        // Killed behind the engine's back: its record stays, its process does not.
        for instance in first.inspect(matching: []) { if let pid = instance.pid { kill(-pid, SIGKILL) } }
        usleep(50_000)
        let second = try ProcessEngine(dataDirectory: directory)
        #expect(second.inspect(matching: []).isEmpty)
        _ = Self.pollUntil(first) { !$0.isEmpty }
    }

    @Test func badSpecsAreTypedErrors() throws {
        let directory = Self.dataDirectory()
        let engine = try ProcessEngine(dataDirectory: directory)
        defer { Self.teardown(engine, directory) }
        #expect(throws: EngineError.noCommand(service: "empty")) { try engine.start(spec("empty", []), nowMillis: 0) }
        #expect(throws: EngineError.invalidServiceName("a/b")) { try engine.start(spec("a/b", ["/bin/true"]), nowMillis: 0) }
        #expect(throws: EngineError.invalidArgument("string with a NUL byte")) { try engine.start(spec("nul", ["/bin/echo", "a\u{0}b"]), nowMillis: 0) }
        #expect(throws: EngineError.spawnFailed(service: "missing", program: "/no/such/program", errno: ENOENT)) {
            try engine.start(spec("missing", ["/no/such/program"]), nowMillis: 0)
        }
    }

    /// The reason a missing binary gives is what the client reads as the deploy's failure.
    @Test func aMissingProgramSaysNoSuchFile() throws {
        let directory = Self.dataDirectory()
        let engine = try ProcessEngine(dataDirectory: directory)
        defer { Self.teardown(engine, directory) }
        do {
            _ = try engine.start(spec("missing", ["no-such-program-edgeraft"]), nowMillis: 0)
            Issue.record("a missing program started")
        } catch {
            #expect("\(error)" == "cannot start missing: no-such-program-edgeraft: no such file (errno \(ENOENT))")
        }
    }
}
