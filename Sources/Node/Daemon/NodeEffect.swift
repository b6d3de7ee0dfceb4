import ClientAPI
import Transport
import Wire

/// A client request's handle at its gateway: the shell keeps the reply continuation under it.
public typealias ClientTicket = UInt64

/// What the node's core asks its shell to do. The core decides; the shell only performs.
public enum NodeEffect: Equatable, Sendable {
    case send(to: NodeID, OutgoingMessage)
    /// Start this decision's instance here (the engine looks up first); report back with
    /// `NodeCore.engineStarted`.
    case start(InstanceSpec)
    /// Stop this service's instance if it belongs to `decisionIndex`.
    case stop(service: String, decisionIndex: UInt64)
    /// Answer a client of this gateway.
    case reply(ClientTicket, Result<ServiceView, GatewayError>)
    /// One line of the node's phase-timing CSV.
    case recordPhases(requestID: UInt64, service: String, node: NodeID, logIndex: UInt64, phases: PhaseTable)
    case log(NodeLogLevel, String)
    /// Change Transport's roster (the log added, promoted or removed a member).
    case roster(RosterChange)
    /// Answer a client's membership change.
    case replyMember(ClientTicket, Result<MemberView, GatewayError>)
}

public enum NodeLogLevel: Equatable, Sendable {
    case debug, info, notice, warning, error
}
