import ClientAPI
import Wire

/// Why the gateway could not do what a client asked; the API turns each into its status code.
public enum GatewayError: Error, Equatable, Sendable {
    /// 400: a field of the request is wrong.
    case invalid(field: String, message: String)
    /// 404
    case notFound(String)
    /// 409: e.g. the name is held by another request.
    case conflict(String)
    /// 422: no node with a fresh report fits the request.
    case noNodeFits(String)
    /// 503, retryable: no leader or quorum, shutting down, not ready.
    case unavailable(String)
    /// 504, retryable: not decided or acknowledged in time (a retry with the same request
    /// id returns the decision if it was made after all).
    case timeout(String)
    /// 502: the chosen node could not start the service.
    case deployFailed(String)
}

/// What the client API asks of the node it runs on. The daemon implements it; the API
/// server only translates HTTP and JSON to these calls and back.
public protocol ClientGateway: Sendable {
    /// Decides and starts one service; returns once its outcome is committed (or fails).
    /// `elabMicros` is the gateway's RequestElab time (parsing and validation).
    func deploy(_ request: DeployRequest, elabMicros: UInt64) async -> Result<ServiceView, GatewayError>
    /// Stops a service everywhere and removes it from the service set.
    func undeploy(service: String) async -> Result<ServiceView, GatewayError>
    /// Adds, promotes or removes a member; returns once the change is committed here (or fails).
    func changeMember(_ change: MemberChange) async -> Result<MemberView, GatewayError>
    func services() async -> [ServiceView]
    func service(named name: String) async -> ServiceView?
    func clusterStatus() async -> ClusterView
}
