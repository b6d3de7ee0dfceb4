import ClientAPI
import Raft
import Wire

/// The leader's part: decide each request from the workload reports it holds, append the
/// decision, hand it to the chosen node once committed, log the outcomes chosen nodes report.
extension NodeCore {
    /// A request from a gateway (this node or another).
    mutating func lead(_ request: DeployRequest, gateway: NodeID, now: UInt64) -> [NodeEffect] {
        let id = request.requestID
        if var existing = leading[id] {
            guard existing.request == request else {
                return answer(DeployResult(requestID: id, outcome: .failed(.conflict, "request id \(id) is in flight for another request")), to: [gateway], now: now)
            }
            existing.gateways.insert(gateway)
            leading[id] = existing
            return []
        }
        guard InstanceLabels.isValidServiceName(request.service) else {
            return answer(DeployResult(requestID: id, outcome: .failed(.invalidRequest, "service name is not 1–63 of a-z, 0-9, '-', '.', '_'")), to: [gateway], now: now)
        }
        if let record = services.record(forRequest: id) {
            // A retry of a decided request: the decision stands.
            guard record.request == request else {
                return answer(DeployResult(requestID: id, outcome: .failed(.conflict, "request id \(id) is already used for service \(record.request.service)")), to: [gateway], now: now)
            }
            let placement = DeployPlacement(node: record.node, logIndex: record.decisionIndex, term: raft.term, timings: PhaseTimings())
            return answer(DeployResult(requestID: id, outcome: .placed(placement)), to: [gateway], now: now)
        }
        guard raft.role == .leader else {
            return answer(DeployResult(requestID: id, outcome: .failed(.unavailable, "node \(me) is not the leader")), to: [gateway], now: now)
        }
        var entry = LeaderRequest(request: request, gateways: [gateway], arrivedAt: now)
        // The election this node just won was (also) for this request: its cost is part of it.
        // (A stable leader keeps its term: no election is part of any request.)
        if case .onDemand = settings.mode, let election = phases.wonElection, election.term == raft.term,
           now &- leaderSince < settings.reportGraceMicros {
            entry.timings.electionNetworkMean = election.networkMean
            entry.timings.voteElectionMean = election.handlingMean
        }
        leading[id] = entry
        return decide(id, now: now)
    }

    mutating func driveLeading(now: UInt64) -> [NodeEffect] {
        var effects: [NodeEffect] = []
        if raft.role != .leader && !leading.isEmpty {
            // No longer leading: the gateways send their requests to the next leader (the
            // request id keeps that idempotent); nothing here is decided later, stale.
            let dropped = leading
            leading = [:]
            decisionRequest = [:]
            for (id, request) in dropped.sorted(by: { $0.key < $1.key }) {
                ledger.forget(requestID: id)
                effects += answer(DeployResult(requestID: id, outcome: .failed(.unavailable, "node \(me) is no longer the leader")), to: request.gateways, now: now)
            }
            return effects
        }
        for id in leading.keys.sorted() {
            guard let request = leading[id] else { continue }
            switch request.stage {
            case .toDecide:
                effects += decide(id, now: now)
            case .transferring(let index, let chosen, let sentAt) where now &- sentAt >= settings.transferTimeoutMicros:
                // The chosen node never took it (down, or cut off): its decision fails in the
                // log — every node applies that alike — and its report is forgotten until it
                // sends a new one, so the gateway's retry is decided onto another node.
                leading[id] = nil
                reports[chosen] = nil
                ledger.forget(requestID: id)
                let reason = "node \(chosen) did not acknowledge the transfer within \(settings.transferTimeoutMicros / 1000) ms"
                effects.append(.log(.warning, "request \(id) (\(request.request.service)): \(reason); failing decision \(index)"))
                effects += logOutcome(requestID: id, decisionIndex: index, node: chosen, status: .failed(reason: reason), now: now)
            case .transferring(let index, let chosen, _) where now &- request.lastSentAt >= settings.resendMicros:
                // The transfer or its acknowledgement was lost (Transport gave up): again.
                leading[id]?.lastSentAt = now
                effects.append(send(.deployTransfer(DeployTransfer(logIndex: index, term: raft.term, request: request.request)), to: chosen, now: now))
            default:
                break
            }
        }
        return effects
    }

    /// The workload of every member as this leader knows it now: its own sample and each
    /// peer's last report, aged by the time the leader held it.
    public func candidates(now: UInt64) -> [Candidate] {
        let nowMillis = now / 1000
        var list: [Candidate] = []
        for node in raft.membership.members {
            if node == me {
                if let report = sampler.report(nowMillis: nowMillis, reserved: ownReservation) {
                    list.append(Candidate(node: me, report: report, pending: ledger.reservation(for: me)))
                }
            } else if let held = reports[node] {
                var report = held.report
                let heldMillis = (now &- held.receivedAt) / 1000
                report.sampleAgeMillis = UInt32(min(UInt64(report.sampleAgeMillis) &+ heldMillis, UInt64(UInt32.max)))
                list.append(Candidate(node: node, report: report, pending: ledger.reservation(for: node)))
            }
        }
        return list
    }

    /// What the services decided onto this node reserve (taken off its free capacity).
    var ownReservation: Reservation {
        services.desiredHere.reduce(into: Reservation.none) { $0 = $0.adding(Placement.demand(of: $1.request)) }
    }

    mutating func decide(_ id: UInt64, now: UInt64) -> [NodeEffect] {
        guard var request = leading[id], raft.role == .leader else { return [] }
        if let record = services.record(forRequest: id) {
            // Decided meanwhile (by an earlier leader): the decision stands.
            leading[id] = nil
            let placement = DeployPlacement(node: record.node, logIndex: record.decisionIndex, term: raft.term, timings: PhaseTimings())
            return answer(DeployResult(requestID: id, outcome: .placed(placement)), to: request.gateways, now: now)
        }
        let started = clock()
        let candidates = candidates(now: now)
        let decided = Placement.decide(
            request.request, among: candidates, policy: settings.policy, leader: me, term: raft.term, timestampMicros: wallNow(now))
        switch decided {
        case .failure(let failure):
            // A new leader may not have heard every report yet.
            if now &- leaderSince < settings.reportGraceMicros { return [] }
            leading[id] = nil
            return answer(DeployResult(requestID: id, outcome: .failed(.noNodeFits, "no node fits: \(failure)")), to: request.gateways, now: now)
        case .success(var entry):
            if settings.liePlacement && request.decisions == 0,
               let lie = candidates.map(\.node).filter({ $0 != entry.chosen }).max() {
                entry.chosen = lie
            }
            request.timings.choosingPhase = clock() &- started
            switch raft.propose(Proposal(tag: id, kind: .decision, payload: entry.encoded())) {
            case .appended(let index, _):
                request.stage = .proposed(index: index)
                request.decisions += 1
                leading[id] = request
                decisionRequest[index] = id
                awaitingOutcome[id] = now &+ settings.requestTimeoutMicros
                raft.retirementHeld = true
                phases.track(index: index)
                ledger.record(requestID: id, node: entry.chosen, demand: Placement.demand(of: request.request), atMillis: now / 1000)
                return [.log(.info, "request \(id) (\(request.request.service)): decided node \(entry.chosen) at index \(index), term \(raft.term)")]
            case .dropped(.entryTooLarge(let bytes, let limit)):
                leading[id] = nil
                return answer(DeployResult(requestID: id, outcome: .failed(.invalidRequest, "the decision would be \(bytes) bytes, over the entry limit of \(limit)")), to: request.gateways, now: now)
            case .dropped, .forward, .held:
                // Leadership is moving: the gateways send the request to the next leader.
                leading[id] = nil
                return answer(DeployResult(requestID: id, outcome: .failed(.unavailable, "leadership is changing")), to: request.gateways, now: now)
            }
        }
    }

    /// Sends (or, for this node as gateway, delivers) a result to the request's gateways.
    mutating func answer(_ result: DeployResult, to gateways: Set<NodeID>, now: UInt64) -> [NodeEffect] {
        var effects: [NodeEffect] = []
        for gateway in gateways.sorted() {
            if gateway == me {
                effects += leaderAnswered(result, from: me, now: now)
            } else {
                effects.append(send(.deployResult(result), to: gateway, now: now))
            }
        }
        return effects
    }

    /// After applying committed entries: each committed decision of this leader is handed
    /// to its node, re-decided, or failed.
    mutating func followCommittedDecisions(_ entries: [Entry], effects serviceEffects: [ServiceEffect], now: UInt64) -> [NodeEffect] {
        var effects: [NodeEffect] = []
        var refused = Set<UInt64>()
        var rejected: [UInt64: String] = [:]
        for effect in serviceEffects {
            switch effect {
            case .redecide(let request, _): refused.insert(request.requestID)
            case .rejected(let request, let reason): rejected[request.requestID] = reason
            default: break
            }
        }
        for entry in entries where entry.kind == .decision {
            guard let id = decisionRequest.removeValue(forKey: entry.index) else { continue }
            let round = phases.closeAppend(index: entry.index)
            guard var request = leading[id], request.stage == .proposed(index: entry.index) else { continue }
            if let round {
                request.timings.voteConsNetMean = round.networkMean
                request.timings.voteConsElabMean = round.handlingMean
            }
            if let reason = rejected[id] {
                leading[id] = nil
                ledger.forget(requestID: id)
                effects += answer(DeployResult(requestID: id, outcome: .failed(.conflict, reason)), to: request.gateways, now: now)
                continue
            }
            guard !refused.contains(id), let record = services.record(forRequest: id), record.decisionIndex == entry.index else {
                ledger.forget(requestID: id)
                if request.decisions >= settings.maxDecisions {
                    leading[id] = nil
                    effects += answer(DeployResult(requestID: id, outcome: .failed(.deployFailed, "\(request.decisions) decisions for request \(id) were refused")), to: request.gateways, now: now)
                } else {
                    request.stage = .toDecide
                    leading[id] = request
                    effects.append(.log(.warning, "request \(id): the decision at index \(entry.index) was refused; deciding again"))
                    effects += decide(id, now: now)
                }
                continue
            }
            if record.node == me {
                leading[id] = request
                effects += transferAcknowledged(id, index: entry.index, now: now)
            } else {
                request.stage = .transferring(index: entry.index, chosen: record.node, sentAt: now)
                request.lastSentAt = now
                leading[id] = request
                effects.append(send(.deployTransfer(DeployTransfer(logIndex: entry.index, term: raft.term, request: request.request)), to: record.node, now: now))
                // It starts the service when it applies the decision: tell it the commit now.
                raft.notifyCommit(to: [record.node])
            }
        }
        return effects
    }

    /// The chosen node took the request: the leader's phases are complete; tell the gateways.
    mutating func transferAcknowledged(_ id: UInt64, index: UInt64, now: UInt64) -> [NodeEffect] {
        guard var request = leading.removeValue(forKey: id) else { return [] }
        if case .transferring(let sentIndex, _, let sentAt) = request.stage, sentIndex == index {
            request.timings.transfertReq = now &- sentAt
        }
        guard let record = services.services[request.request.service], record.decisionIndex == index else { return [] }
        if awaitingOutcome[id] != nil { outcomeGateways[id] = request.gateways.subtracting([me]) }
        let placement = DeployPlacement(node: record.node, logIndex: index, term: raft.term, timings: request.timings)
        return answer(DeployResult(requestID: id, outcome: .placed(placement)), to: request.gateways, now: now)
    }

    /// A DeployAck: the chosen node took the request, or reports it running or failed.
    mutating func acknowledged(_ ack: DeployAck, by node: NodeID, now: UInt64) -> [NodeEffect] {
        var effects: [NodeEffect] = []
        if case .accepted = ack.status {
            if let request = leading[ack.requestID], case .transferring(let index, let chosen, _) = request.stage,
               index == ack.logIndex, chosen == node {
                effects += transferAcknowledged(ack.requestID, index: index, now: now)
            }
            return effects
        }
        if case .removed = ack.status {
            // An undeploy, from any member's gateway: logged against the node that runs it.
            guard let record = services.record(forRequest: ack.requestID), record.decisionIndex == ack.logIndex else { return effects }
            return effects + logOutcome(requestID: ack.requestID, decisionIndex: ack.logIndex, node: record.node, status: .removed, now: now)
        }
        return effects + logOutcome(requestID: ack.requestID, decisionIndex: ack.logIndex, node: node, status: ack.status, now: now)
    }

    /// Appends an outcome entry, once per decision and status, if it would change the record.
    mutating func logOutcome(requestID: UInt64, decisionIndex: UInt64, node: NodeID, status: DeployStatus, now: UInt64) -> [NodeEffect] {
        guard raft.role == .leader else { return [] }
        guard let name = services.record(forRequest: requestID)?.name, let record = services.services[name],
              record.decisionIndex == decisionIndex, record.node == node else { return [] }
        if case .running = status, record.status == .running { return [] }
        let statusBits: UInt64 = switch status {
        case .accepted, .running: 0
        case .failed: 1 << 63
        case .removed: 1 << 62
        }
        let statusKey = OutcomeKey(requestID: requestID, decisionIndex: decisionIndex | statusBits)
        guard !proposedOutcomes.contains(statusKey) else { return [] }
        let entry = OutcomeEntry(requestID: requestID, decisionIndex: decisionIndex, node: node, status: status, timestampMicros: wallNow(now))
        if case .appended = raft.propose(Proposal(tag: requestID, kind: .outcome, payload: entry.encoded())) {
            if proposedOutcomes.count >= 4_096 { proposedOutcomes.removeAll() }
            proposedOutcomes.insert(statusKey)
        }
        return []
    }
}
