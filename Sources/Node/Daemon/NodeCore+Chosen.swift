import Raft
import Wire

/// The chosen node's part: take the transfer, start the instance, and make sure its outcome
/// (running, or failed with the reason) reaches the log — through whichever node leads.
extension NodeCore {
    mutating func acceptTransfer(_ transfer: DeployTransfer, from leader: NodeID, now: UInt64) -> [NodeEffect] {
        let ack = DeployAck(requestID: transfer.request.requestID, logIndex: transfer.logIndex, status: .accepted, handlingMicros: 0)
        return [send(.deployAck(ack), to: leader, now: now)]
    }

    /// The engine's answer to a `.start` effect.
    public mutating func engineStarted(_ labels: InstanceLabels, result: Result<StartOutcome, EngineError>, now: UInt64) -> [NodeEffect] {
        guard let record = services.services[labels.service], record.decisionIndex == labels.decisionIndex,
              record.request.requestID == labels.requestID else { return [] }
        let status: DeployStatus
        switch result {
        case .success:
            if record.status == .running { return [] }
            status = .running
        case .failure(let error):
            status = .failed(reason: error.description)
        }
        owe(status, for: record.request.requestID, decisionIndex: record.decisionIndex, service: record.name)
        return driveOwedOutcomes(now: now)
            + [.log(.info, "service \(labels.service) (decision \(labels.decisionIndex)): \(status)")]
    }

    /// What the engine saw happen since the last poll.
    public mutating func engineEvent(_ event: EngineEvent, now: UInt64) -> [NodeEffect] {
        switch event {
        case .gaveUp(let labels, let status):
            guard let record = services.services[labels.service], record.decisionIndex == labels.decisionIndex, record.status.isActive else { return [] }
            // A service that ran to completion (exit 0) is done, not failed: re-deciding
            // it would run it again for ever.
            if status.isSuccess {
                return [.log(.info, "service \(labels.service) exited with status 0 and is not restarted")]
            }
            owe(.failed(reason: "exited with \(status) and the restart policy gave up"), for: labels.requestID, decisionIndex: labels.decisionIndex, service: labels.service)
            return driveOwedOutcomes(now: now)
        case .exited(let labels, let status):
            return [.log(.notice, "service \(labels.service) exited with \(status)")]
        case .restarted(let labels, let pid, let attempt):
            return [.log(.notice, "service \(labels.service) restarted (attempt \(attempt), pid \(pid))")]
        }
    }

    mutating func owe(_ status: DeployStatus, for requestID: UInt64, decisionIndex: UInt64, service: String) {
        let key = OutcomeKey(requestID: requestID, decisionIndex: decisionIndex)
        guard owedOutcomes.count < 4_096 || owedOutcomes[key] != nil else { return }
        owedOutcomes[key] = OwedOutcome(service: service, status: status)
    }

    mutating func driveOwedOutcomes(now: UInt64) -> [NodeEffect] {
        var effects: [NodeEffect] = []
        for (key, owed) in owedOutcomes.sorted(by: { $0.key.decisionIndex < $1.key.decisionIndex }) {
            if raft.role == .leader {
                effects += logOutcome(requestID: key.requestID, decisionIndex: key.decisionIndex, node: me, status: owed.status, now: now)
            } else if let leader = raft.leader {
                guard owed.sentTo != leader || now &- owed.sentAt >= settings.resendMicros else { continue }
                owedOutcomes[key]?.sentTo = leader
                owedOutcomes[key]?.sentAt = now
                let ack = DeployAck(requestID: key.requestID, logIndex: key.decisionIndex, status: owed.status, handlingMicros: 0)
                effects.append(send(.deployAck(ack), to: leader, now: now))
            } else {
                maybeCampaign(now: now)
            }
        }
        return effects
    }

    /// Drops the owed outcomes the log now holds (or that no longer matter).
    mutating func settleOwedOutcomes() -> [NodeEffect] {
        for (key, owed) in owedOutcomes {
            guard let record = services.services[owed.service], record.decisionIndex == key.decisionIndex else {
                owedOutcomes[key] = nil
                continue
            }
            switch (owed.status, record.status) {
            case (.running, .running), (.failed, .failed), (_, .refused):
                owedOutcomes[key] = nil
            case (.failed, .running):
                break
            default:
                break
            }
        }
        return []
    }
}
