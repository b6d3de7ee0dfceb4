import Raft
import Wire

/// Raft's Ready, once the shell has made it durable: its messages get this node's workload
/// report and handling time and go out; its committed entries are applied to the service set.
extension NodeCore {
    public mutating func takeReady() -> Ready? {
        raft.hasReady ? raft.takeReady() : nil
    }

    /// The shell persisted `ready` (in `persistMicros`); now it may be acted on.
    public mutating func readyPersisted(_ ready: Ready, persistMicros: UInt64, now: UInt64) -> [NodeEffect] {
        var effects: [NodeEffect] = []
        // Before the messages: a member added by this Ready must be in Transport's roster
        // when the leader's first append to it goes out.
        // Also when a membership entry commits (a removal revokes only then) and when the log
        // was cut (a cut entry may have left the membership as it was but held a record).
        let logCut = ready.entriesToPersist.first.map { $0.index <= rosterLogEnd } ?? false
        if rosterMembership != raft.membership || logCut
            || ready.entriesToPersist.contains(where: { $0.kind == .membership })
            || ready.committedEntries.contains(where: { $0.kind == .membership }) {
            effects += refreshRoster()
        } else {
            rosterLogEnd = raft.lastIndex
        }
        for entry in ready.entriesToPersist where entry.kind == .decision {
            if let id = decisionRequest[entry.index], leading[id] != nil { leading[id]?.timings.writeLog = persistMicros }
        }
        let nowMillis = now / 1000
        let report = sampler.report(nowMillis: nowMillis, reserved: ownReservation)
        var reported = false
        for envelope in ready.messages {
            var message = envelope.message.wire
            let peer = envelope.to
            let handling = requestReceivedAt[peer].map { now &- $0 } ?? 0
            switch message {
            case .voteResponse(var response):
                response.handlingMicros = handling
                response.report = report
                reported = reported || report != nil
                message = .voteResponse(response)
            case .appendResponse(var response):
                response.handlingMicros = handling
                response.report = report
                reported = reported || report != nil
                message = .appendResponse(response)
            case .requestVote(let request):
                phases.voteRequested(from: peer, term: request.term, preVote: request.preVote, at: now)
            case .appendEntries(let append) where !append.entries.isEmpty:
                let first = append.prevLogIndex &+ 1
                phases.appendSent(to: peer, through: append.prevLogIndex &+ UInt64(append.entries.count), firstIndex: first, at: now)
            default:
                break
            }
            effects.append(send(message, to: peer, now: now))
        }
        if reported, let report { sentReports.record(report) }
        requestReceivedAt = [:]
        if !ready.forwards.isEmpty || !ready.droppedProposals.isEmpty {
            // This node proposes only as leader, so Raft never holds its proposals; a
            // proposal dropped on the way is decided again by its gateway's resend.
            let count = ready.forwards.reduce(0) { $0 + $1.proposals.count } + ready.droppedProposals.count
            effects.append(.log(.debug, "\(count) proposals were not appended (leadership changed)"))
        }
        noticeRole(now: now)
        guard !ready.committedEntries.isEmpty else { return effects }
        var serviceEffects: [ServiceEffect] = []
        for entry in ready.committedEntries {
            serviceEffects += services.apply(index: entry.index, entry: LogEntry(term: entry.term, kind: entry.kind, payload: entry.payload))
        }
        serviceEffects = ServiceEffect.coalesce(serviceEffects)
        var waitingGateways: [NodeID] = []
        for entry in ready.committedEntries where entry.kind == .outcome {
            guard let outcome = try? OutcomeEntry.decode(entry.payload) else { continue }
            // A failed or removed decision reserves nothing any more.
            if outcome.status != .running, outcome.status != .accepted {
                ledger.forget(requestID: outcome.requestID)
            }
            if outcome.status != .accepted, let gateways = outcomeGateways.removeValue(forKey: outcome.requestID) {
                waitingGateways += gateways
            }
        }
        raft.notifyCommit(to: waitingGateways)
        for effect in serviceEffects {
            switch effect {
            case .ensureRunning(let record) where record.node == me:
                // Started only if it still holds after the whole batch (a replay after a
                // restart may hold its failure further on).
                if let current = services.services[record.name], current.decisionIndex == record.decisionIndex, current.status.isActive {
                    effects.append(.start(InstanceSpec(
                        labels: InstanceLabels(service: record.name, requestID: record.request.requestID, decisionIndex: record.decisionIndex, node: me),
                        request: record.request)))
                }
            case .stop(let service, let index):
                effects.append(.stop(service: service, decisionIndex: index))
            case .malformedEntry(let index, let error):
                effects.append(.log(.error, "entry \(index) does not decode (\(error)); every node skips it alike"))
            case .redecide(let request, let reason):
                if leading[request.requestID] != nil { effects.append(.log(.warning, "request \(request.requestID): \(reason)")) }
            default:
                break
            }
        }
        effects += followCommittedDecisions(ready.committedEntries, effects: serviceEffects, now: now)
        effects += settleOwedOutcomes()
        for id in Array(awaitingOutcome.keys) {
            // Settled once the log holds its outcome, or the decision no longer holds.
            guard let record = services.record(forRequest: id) else {
                if !leading.keys.contains(id) { awaitingOutcome[id] = nil }
                continue
            }
            if record.status == .running || !record.status.isActive { awaitingOutcome[id] = nil }
        }
        raft.retirementHeld = holdsLeadership
        outcomeGateways = outcomeGateways.filter { awaitingOutcome[$0.key] != nil }
        effects += completeHeldRequests(now: now)
        effects += completeUndeploys()
        effects += driveMemberChange(now: now)
        return effects
    }
}
