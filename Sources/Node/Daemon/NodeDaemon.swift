import ClientAPI
import Dispatch
import Foundation
import Logging
import Raft
import Synchronization
import Transport
import Wire

/// The node's single loop: the one owner of its `NodeCore` (Raft, service set, requests),
/// its storage and its engine. It runs on a thread of its own — never on Transport's event
/// loop, so an fsync never stalls datagrams — and performs what the core decides: persist
/// each Ready before its messages go out, send, start and stop instances, answer clients.
public final class NodeDaemon: @unchecked Sendable {
    enum Input {
        case message(NodeID, Message, at: UInt64)
        case deploy(DeployRequest, elabMicros: UInt64, CheckedContinuation<Result<ServiceView, GatewayError>, Never>)
        case undeploy(String, CheckedContinuation<Result<ServiceView, GatewayError>, Never>)
        case memberChange(MemberChange, CheckedContinuation<Result<MemberView, GatewayError>, Never>)
        case query(@Sendable (NodeCore) -> Void)
        case givenUp(NodeID, handle: UInt64)
    }

    public let clusterID: ClusterID
    private let storage: NodeStorage
    private let endpoint: TransportEndpoint
    private let engine: any ContainerEngine
    private let logger: Logger
    private let phaseLog: PhaseLogFile?
    private let addresses: [NodeID: String]
    private let stopServicesOnExit: Bool

    // Owned by the loop thread.
    private var core: NodeCore
    private var waiting: [ClientTicket: CheckedContinuation<Result<ServiceView, GatewayError>, Never>] = [:]
    private var waitingMembers: [ClientTicket: CheckedContinuation<Result<MemberView, GatewayError>, Never>] = [:]
    private var nextTicket: ClientTicket = 1
    private var samplingFailed = false
    private var transportWarnings = TransportWarnings()
    /// The drop table is read under the endpoint's lock: every few seconds, not every tick.
    private var nextTransportCheckAt: UInt64 = 0
    private var lastRole: (role: RaftNode.Role, leader: NodeID?, term: UInt64)?
    /// The latest time handed to the core: a receive time stamped earlier never goes back.
    private var lastNow: UInt64 = 0

    /// Messages this node handed to Transport, by kind (count, encoded frame bytes).
    private let sentByKind = Mutex<[FrameKind: (count: Int, bytes: Int)]>([:])

    public var messagesSent: [FrameKind: (count: Int, bytes: Int)] { sentByKind.withLock { $0 } }

    private let inbox = Mutex<(inputs: [Input], running: Bool)>(([], true))
    private let wakeUp = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    public init(
        core: NodeCore, clusterID: ClusterID, storage: NodeStorage, endpoint: TransportEndpoint, engine: any ContainerEngine,
        logger: Logger, phaseLog: PhaseLogFile?, addresses: [NodeID: String], stopServicesOnExit: Bool
    ) {
        self.core = core
        self.clusterID = clusterID
        self.storage = storage
        self.endpoint = endpoint
        self.engine = engine
        self.logger = logger
        self.phaseLog = phaseLog
        self.addresses = addresses
        self.stopServicesOnExit = stopServicesOnExit
    }

    /// Starts Transport and the loop thread.
    public func start() {
        endpoint.start(
            onMessage: { [weak self] _, peer, message in self?.push(.message(peer, message, at: MonotonicClock.nowMicros())) },
            onGiveUp: { [weak self] _, peer, handle in self?.push(.givenUp(peer, handle: handle)) })
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "edgeraft-node-\(core.me)"
        thread.start()
    }

    /// Stops the loop: clients still waiting get a retryable "unavailable"; then Transport.
    public func stop() {
        let wasRunning = inbox.withLock { state in
            defer { state.running = false }
            return state.running
        }
        guard wasRunning else { return }
        wakeUp.signal()
        finished.wait()
        endpoint.stop()
    }

    // MARK: - The client API's side (any thread)

    public func deploy(_ request: DeployRequest, elabMicros: UInt64) async -> Result<ServiceView, GatewayError> {
        await withCheckedContinuation { continuation in
            if !push(.deploy(request, elabMicros: elabMicros, continuation)) {
                continuation.resume(returning: .failure(.unavailable("the node is shutting down; retry at another gateway")))
            }
        }
    }

    public func undeploy(service: String) async -> Result<ServiceView, GatewayError> {
        await withCheckedContinuation { continuation in
            if !push(.undeploy(service, continuation)) {
                continuation.resume(returning: .failure(.unavailable("the node is shutting down; retry at another gateway")))
            }
        }
    }

    public func changeMember(_ change: MemberChange) async -> Result<MemberView, GatewayError> {
        await withCheckedContinuation { continuation in
            if !push(.memberChange(change, continuation)) {
                continuation.resume(returning: .failure(.unavailable("the node is shutting down; retry at another gateway")))
            }
        }
    }

    /// Runs `body` on the loop thread with the core as it is between two steps.
    public func read<T: Sendable>(_ body: @escaping @Sendable (NodeCore) -> T) async -> T? {
        await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
            if !push(.query({ core in continuation.resume(returning: body(core)) })) { continuation.resume(returning: nil) }
        }
    }

    public var roster: [NodeID: String] { addresses }

    public func linkView(for peer: NodeID) -> ClusterView.LinkView? {
        guard let stats = endpoint.statistics(for: peer) else { return nil }
        return ClusterView.LinkView(
            smoothedRTTMicros: stats.smoothedRTTMicros, retransmissions: UInt64(max(stats.messagesRetransmitted, 0)),
            drops: UInt64(max(stats.drops.total, 0)), sessionEstablished: endpoint.hasSession(with: peer),
            datagramsSent: UInt64(max(stats.datagramsSent, 0)), bytesSent: UInt64(max(stats.bytesSent, 0)))
    }

    @discardableResult
    private func push(_ input: Input) -> Bool {
        let accepted = inbox.withLock { state -> Bool in
            guard state.running else { return false }
            state.inputs.append(input)
            return true
        }
        if accepted { wakeUp.signal() }
        return accepted
    }

    // MARK: - The loop (its own thread)

    private func run() {
        core.clock = { MonotonicClock.nowMicros() }
        while true {
            let (inputs, running) = inbox.withLock { state in
                defer { state.inputs = [] }
                return (state.inputs, state.running)
            }
            guard running else { break }
            for input in inputs { handle(input) }
            let now = MonotonicClock.nowMicros()
            sample(now: now)
            perform(core.advance(now: now))
            perform(engine.poll(nowMillis: now / 1000).flatMap { core.engineEvent($0, now: now) })
            processReady()
            logRoleChange()
            warnOfTransportDrops(now: now)
            _ = wakeUp.wait(timeout: .now() + .microseconds(Int(min(core.settings.tickMicros, 1_000_000))))
        }
        shutDown()
    }

    private func handle(_ input: Input) {
        let now = MonotonicClock.nowMicros()
        lastNow = max(lastNow, now)
        switch input {
        case .message(let peer, let message, _):
            // Transport stamps the receipt, but the core must never see time go back.
            perform(core.receive(from: peer, message, now: lastNow))
            processReady()
        case .deploy(let request, let elab, let continuation):
            let ticket = nextTicket
            nextTicket += 1
            waiting[ticket] = continuation
            perform(core.submit(ticket, request, elabMicros: elab, now: now))
            processReady()
        case .undeploy(let service, let continuation):
            let ticket = nextTicket
            nextTicket += 1
            waiting[ticket] = continuation
            perform(core.submitUndeploy(ticket, service: service, now: now))
            processReady()
        case .memberChange(let change, let continuation):
            let ticket = nextTicket
            nextTicket += 1
            waitingMembers[ticket] = continuation
            perform(core.submitMemberChange(ticket, change, now: now))
            processReady()
        case .query(let body):
            body(core)
        case .givenUp(let peer, let handle):
            logger.debug("transport gave up a message to node \(peer) (handle \(handle))")
        }
    }

    private func logRoleChange() {
        let now = (role: core.raft.role, leader: core.raft.leader, term: core.raft.term)
        defer { lastRole = now }
        guard let last = lastRole, last.role != now.role || last.leader != now.leader || last.term != now.term else { return }
        switch now.role {
        case .leader: logger.info("leader of term \(now.term)")
        case .candidate, .preCandidate: logger.debug("campaigning (\(now.role)) for term \(now.term + (now.role == .preCandidate ? 1 : 0))")
        case .follower:
            if let leader = now.leader { logger.debug("following node \(leader) in term \(now.term)") } else { logger.debug("no leader (term \(now.term))") }
        }
    }

    private func warnOfTransportDrops(now: UInt64) {
        guard now >= nextTransportCheckAt else { return }
        nextTransportCheckAt = now + 5_000_000
        for line in transportWarnings.check(drops: endpoint.drops, timestampStoreFailures: endpoint.timestampStoreFailures, now: now) {
            logger.warning("\(line)")
        }
    }

    private func sample(now: UInt64) {
        do {
            try core.sampler.sampleIfDue(nowMillis: now / 1000)
            if samplingFailed {
                samplingFailed = false
                logger.notice("workload sampling works again")
            }
        } catch {
            if !samplingFailed { logger.error("cannot measure this node's workload (\(error)); its report ages out and it is not chosen") }
            samplingFailed = true
        }
    }

    /// Persist, then act: Raft's order (docs/raft.md).
    private func processReady() {
        while let ready = core.takeReady() {
            let started = MonotonicClock.nowMicros()
            do {
                try storage.persist(ready)
            } catch {
                logger.critical("storage failed (\(error)); this node stops voting and leading — restart it once the disk is fixed")
                core.storageFailed()
                continue
            }
            let now = MonotonicClock.nowMicros()
            perform(core.readyPersisted(ready, persistMicros: now &- started, now: now))
        }
    }

    private func perform(_ effects: [NodeEffect]) {
        for effect in effects {
            switch effect {
            case .send(let peer, let message):
                var frame: [UInt8] = []
                message.message.encodeFrame(into: &frame)
                sentByKind.withLock { counts in
                    let old = counts[message.message.kind] ?? (0, 0)
                    counts[message.message.kind] = (old.count + 1, old.bytes + frame.count)
                }
                endpoint.send(message, to: peer)
            case .start(let spec):
                let now = MonotonicClock.nowMicros()
                let result: Result<StartOutcome, EngineError>
                do { result = .success(try engine.start(spec, nowMillis: now / 1000)) } catch { result = .failure(error) }
                perform(core.engineStarted(spec.labels, result: result, now: now))
            case .stop(let service, let index):
                // Only the instance of that decision: a replayed stop must not end a newer one.
                let labels = [KeyValue(InstanceLabels.serviceKey, service), KeyValue(InstanceLabels.decisionKey, String(index))]
                if !engine.inspect(matching: labels).isEmpty { engine.stop(service: service, nowMillis: MonotonicClock.nowMicros() / 1000) }
            case .reply(let ticket, let result):
                waiting.removeValue(forKey: ticket)?.resume(returning: result)
            case .replyMember(let ticket, let result):
                waitingMembers.removeValue(forKey: ticket)?.resume(returning: result)
            case .roster(.add(let peer, let entry)):
                endpoint.addPeer(peer, at: entry.address, publicKey: entry.publicKey)
            case .roster(.revoke(let peer)):
                endpoint.revoke(peer)
            case .recordPhases(let requestID, let service, let node, let index, let phases):
                phaseLog?.append(requestID: requestID, service: service, node: node, logIndex: index, phases: phases, logger: logger)
            case .log(let level, let message):
                switch level {
                case .debug: logger.debug("\(message)")
                case .info: logger.info("\(message)")
                case .notice: logger.notice("\(message)")
                case .warning: logger.warning("\(message)")
                case .error: logger.error("\(message)")
                }
            }
        }
    }

    private func shutDown() {
        let pending = inbox.withLock { state in
            defer { state.inputs = [] }
            return state.inputs
        }
        for case .deploy(_, _, let continuation) in pending {
            continuation.resume(returning: .failure(.unavailable("the node is shutting down; retry the request (same request id)")))
        }
        for case .undeploy(_, let continuation) in pending {
            continuation.resume(returning: .failure(.unavailable("the node is shutting down; retry the request")))
        }
        for case .memberChange(_, let continuation) in pending {
            continuation.resume(returning: .failure(.unavailable("the node is shutting down; retry the change")))
        }
        for case .query(let body) in pending { body(core) }
        for continuation in waiting.values {
            continuation.resume(returning: .failure(.unavailable("the node is shutting down; retry the request (same request id)")))
        }
        waiting = [:]
        for continuation in waitingMembers.values {
            continuation.resume(returning: .failure(.unavailable("the node is shutting down; check `edgeraft status`, then retry the change")))
        }
        waitingMembers = [:]
        if stopServicesOnExit, let process = engine as? ProcessEngine { process.stopAll() }
    }
}
