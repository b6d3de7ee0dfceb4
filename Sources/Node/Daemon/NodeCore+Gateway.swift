import ClientAPI
import Raft
import Wire

/// The gateway's part: hold each client request until its outcome is committed, send it to
/// the leader (or campaign for it in on-demand mode), answer the client.
extension NodeCore {
    mutating func driveHeldRequests(now: UInt64) -> [NodeEffect] {
        var effects: [NodeEffect] = []
        for id in held.ids {
            guard var request = held[id] else { continue }
            if now >= request.deadline {
                _ = held.remove(id)
                let state = request.placement.map { "placed at index \($0.logIndex), status \(services.services[request.request.service].map { "\($0.status)" } ?? "none")" }
                    ?? "sent to \(request.sentTo.map(String.init) ?? "nobody")\(request.refusedBy.map { ", refused by \($0)" } ?? "")"
                effects.append(.log(.warning, "request \(id) (\(request.request.service)) timed out: \(state); leader \(raft.leader.map(String.init) ?? "none"), role \(raft.role)"))
                let message = "request \(id) was not decided and started within \(settings.requestTimeoutMicros / 1000) ms; retry it with the same request id"
                effects += request.tickets.map { .reply($0, .failure(.timeout(message))) }
                continue
            }
            guard request.placement == nil else { continue }
            if raft.role == .leader {
                // Also when this node, leading before, gave it back (it lost leadership, or
                // Raft dropped the proposal) and leads again.
                if request.sentTo != me || request.refusedBy == me {
                    request.sentTo = me
                    request.refusedBy = nil
                    request.sentAt = now
                    held[id] = request
                    effects += lead(request.request, gateway: me, now: now)
                }
            } else if let leader = raft.leader, leader != request.refusedBy || now &- request.sentAt >= electionTimeoutMicros {
                if request.sentTo != leader || request.refusedBy == leader || now &- request.sentAt >= settings.resendMicros {
                    request.refusedBy = nil
                    request.sentTo = leader
                    request.sentAt = now
                    held[id] = request
                    effects.append(send(.deployRequest(request.request), to: leader, now: now))
                }
            } else if raft.leader == nil {
                maybeCampaign(now: now)
            }
        }
        return effects
    }

    var electionTimeoutMicros: UInt64 { UInt64(raft.config.electionTicks) &* settings.tickMicros }

    /// On-demand mode: no live leader and work waiting, so this node stands for election
    /// (at most once per election timeout; a lost campaign is retried).
    mutating func maybeCampaign(now: UInt64) {
        guard case .onDemand = settings.mode, raft.role == .follower, raft.leader == nil, raft.config.canLead, raft.isVoter else { return }
        let timeout = UInt64(raft.config.electionTicks) &* settings.tickMicros
        if let last = lastCampaignAt, now &- last < timeout { return }
        lastCampaignAt = now
        raft.campaign()
    }

    /// The leader's answer to a request this gateway sent it.
    mutating func leaderAnswered(_ result: DeployResult, from leader: NodeID, now: UInt64) -> [NodeEffect] {
        // Only the node it was sent to (or this node, leading) answers for a request.
        guard var request = held[result.requestID], leader == me || leader == request.sentTo else { return [] }
        switch result.outcome {
        case .placed(let placement):
            request.placement = placement
            if case .onDemand = settings.mode, leader == me, let election = phases.wonElection, election.term == placement.term {
                request.preVoteNetworkMicros = election.preVoteNetworkMean
            }
            held[result.requestID] = request
            return completeHeldRequests(now: now)
        case .failed(.unavailable, _):
            // Not (or no longer) the leader: this node's view of the leader is stale. Wait for
            // it to change (or campaign, in on-demand mode) rather than ask again at once.
            request.refusedBy = leader
            request.sentAt = now
            held[result.requestID] = request
            // On-demand: the node this gateway still took for the leader has retired (its
            // retiring heartbeat is on the way here): stand for election now.
            if case .onDemand = settings.mode, raft.role == .follower, raft.leader == nil || raft.leader == leader,
               raft.config.canLead, raft.isVoter {
                lastCampaignAt = now
                raft.campaign()
            }
            return []
        case .failed(let code, let text):
            _ = held.remove(result.requestID)
            let error = Self.gatewayError(code, text)
            return request.tickets.map { .reply($0, .failure(error)) }
        }
    }

    /// Answers every held request whose decision's outcome the service set now holds.
    mutating func completeHeldRequests(now: UInt64) -> [NodeEffect] {
        var effects: [NodeEffect] = []
        for id in held.ids {
            guard var request = held[id], let placement = request.placement else { continue }
            guard let record = services.services[request.request.service], record.decisionIndex == placement.logIndex,
                  record.request.requestID == id else { continue }
            switch record.status {
            case .running:
                _ = held.remove(id)
                let table = Self.phaseTable(placement.timings, elabMicros: request.elabMicros, preVote: request.preVoteNetworkMicros)
                let view = Self.view(of: record, phases: table)
                effects += request.tickets.map { .reply($0, .success(view)) }
                // A retry answered from the decided record carries no measured phases.
                if placement.timings != PhaseTimings() {
                    effects.append(.recordPhases(requestID: id, service: record.name, node: record.node, logIndex: record.decisionIndex, phases: table))
                }
            case .failed(let reason), .refused(let reason):
                request.failedDecisions += 1
                if request.failedDecisions >= settings.maxDecisions {
                    _ = held.remove(id)
                    effects += request.tickets.map { .reply($0, .failure(.deployFailed(reason))) }
                } else {
                    request.placement = nil
                    request.sentTo = nil
                    held[id] = request
                }
            case .removed:
                _ = held.remove(id)
                effects += request.tickets.map { .reply($0, .failure(.conflict("service \(record.name) was undeployed while its deploy was in flight"))) }
            case .decided, .accepted:
                break
            }
        }
        return effects
    }

    static func gatewayError(_ code: DeployErrorCode, _ text: String) -> GatewayError {
        switch code {
        case .invalidRequest: return .invalid(field: "request", message: text)
        case .noNodeFits: return .noNodeFits(text)
        case .noQuorum, .unavailable: return .unavailable(text)
        case .timeout: return .timeout(text)
        case .deployFailed: return .deployFailed(text)
        case .conflict: return .conflict(text)
        }
    }

    static func phaseTable(_ timings: PhaseTimings, elabMicros: UInt64, preVote: UInt64) -> PhaseTable {
        PhaseTable(
            RequestElab: elabMicros, ElectionNetworkMean: timings.electionNetworkMean, VoteElectionMean: timings.voteElectionMean,
            ChoosingPhase: timings.choosingPhase, VoteConsNetMean: timings.voteConsNetMean, VoteConsElabMean: timings.voteConsElabMean,
            WriteLog: timings.writeLog, TransfertReq: timings.transfertReq, PreVoteNetworkMean: preVote)
    }

    static func view(of record: ServiceRecord, phases: PhaseTable?) -> ServiceView {
        let (status, reason): (String, String?) = switch record.status {
        case .decided: ("decided", nil)
        case .accepted: ("accepted", nil)
        case .running: ("running", nil)
        case .failed(let reason): ("failed", reason)
        case .refused(let reason): ("refused", reason)
        case .removed: ("removed", nil)
        }
        return ServiceView(
            name: record.name, requestId: String(record.request.requestID), image: record.request.image, node: record.node,
            decisionIndex: record.decisionIndex, status: status, reason: reason, phases: phases)
    }

    func send(_ message: Message, to peer: NodeID, now: UInt64) -> NodeEffect {
        .send(to: peer, OutgoingPolicy.outgoing(message, nowMicros: now))
    }
}
