import ClientAPI
import Raft
import Wire

/// An undeploy a gateway holds until the log records the service removed.
struct HeldUndeploy: Sendable, Equatable {
    var requestID: UInt64
    var decisionIndex: UInt64
    var tickets: [ClientTicket]
    var deadline: UInt64
    var sentTo: NodeID?
    var sentAt: UInt64 = 0
}

/// Undeploy: the gateway asks the leader (a DeployAck with status `removed` for the current
/// decision); the leader logs it as an outcome entry; every node applies it alike and the
/// node that runs the service stops it.
extension NodeCore {
    public mutating func submitUndeploy(_ ticket: ClientTicket, service: String, now: UInt64) -> [NodeEffect] {
        guard let record = services.services[service], record.status.isActive else {
            return [.reply(ticket, .failure(.notFound("no service named \(service) is deployed")))]
        }
        if var existing = heldUndeploys[service], existing.decisionIndex == record.decisionIndex {
            existing.tickets.append(ticket)
            heldUndeploys[service] = existing
            return []
        }
        guard heldUndeploys.count < GatewayRequests.maxHeld else {
            return [.reply(ticket, .failure(.unavailable("too many requests in flight at this gateway")))]
        }
        heldUndeploys[service] = HeldUndeploy(
            requestID: record.request.requestID, decisionIndex: record.decisionIndex, tickets: [ticket],
            deadline: now &+ settings.requestTimeoutMicros)
        return driveUndeploys(now: now)
    }

    mutating func driveUndeploys(now: UInt64) -> [NodeEffect] {
        var effects: [NodeEffect] = []
        for name in heldUndeploys.keys.sorted() {
            guard var undeploy = heldUndeploys[name] else { continue }
            if now >= undeploy.deadline {
                heldUndeploys[name] = nil
                effects += undeploy.tickets.map { .reply($0, .failure(.timeout("the undeploy of \(name) was not committed in time; retry it"))) }
                continue
            }
            if raft.role == .leader {
                guard let record = services.services[name], record.decisionIndex == undeploy.decisionIndex else { continue }
                effects += logOutcome(requestID: undeploy.requestID, decisionIndex: undeploy.decisionIndex, node: record.node, status: .removed, now: now)
            } else if let leader = raft.leader {
                guard undeploy.sentTo != leader || now &- undeploy.sentAt >= settings.resendMicros else { continue }
                undeploy.sentTo = leader
                undeploy.sentAt = now
                heldUndeploys[name] = undeploy
                let ack = DeployAck(requestID: undeploy.requestID, logIndex: undeploy.decisionIndex, status: .removed, handlingMicros: 0)
                effects.append(send(.deployAck(ack), to: leader, now: now))
            } else {
                maybeCampaign(now: now)
            }
        }
        return effects
    }

    mutating func completeUndeploys() -> [NodeEffect] {
        var effects: [NodeEffect] = []
        for (name, undeploy) in heldUndeploys {
            guard let record = services.services[name] else { continue }
            if record.decisionIndex != undeploy.decisionIndex || !record.status.isActive {
                heldUndeploys[name] = nil
                let view = Self.view(of: record, phases: nil)
                effects += undeploy.tickets.map { .reply($0, .success(view)) }
            }
        }
        return effects
    }
}
