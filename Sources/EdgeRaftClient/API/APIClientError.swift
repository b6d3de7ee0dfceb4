import ClientAPI

/// What went wrong talking to a gateway, worded for the person at the terminal.
public enum APIClientError: Error, Equatable, CustomStringConvertible {
    /// Nothing answered at the address (refused, unreachable, connect timed out).
    case unreachable(GatewayAddress)
    /// 401: the token was missing or not the gateway's.
    case unauthorized(GatewayAddress, message: String)
    /// Any other 4xx or 5xx that carried the API's error body.
    case rejected(status: Int, APIErrorBody.Detail)
    /// A status or body that is not the API's (another server on that port?).
    case unexpectedResponse(status: Int, reason: String)
    /// The request was sent but no answer came in time.
    case timedOut(GatewayAddress, millis: Int64)
    /// The connection broke for another reason.
    case transport(GatewayAddress, reason: String)

    /// True when sending the same request again (same request id) is safe and may succeed.
    public var isRetryable: Bool {
        switch self {
        case .rejected(_, let detail): detail.retryable
        case .timedOut: true
        case .unreachable, .unauthorized, .unexpectedResponse, .transport: false
        }
    }

    public var description: String {
        switch self {
        case .unreachable(let gateway):
            return "cannot reach the gateway at \(gateway) — is a node with a gateway running there? (`edgeraft cluster up` starts one)"
        case .unauthorized(let gateway, let message):
            let why = message.isEmpty ? "" : " (\(message))"
            return "the gateway at \(gateway) refused the token\(why) — pass the token its config's gateway.token-file holds, with --token-file FILE or \(ClientToken.environmentVariable) (a local cluster's is DIR/token)"
        case .rejected(let status, let detail):
            var text = status < 500 ? "the gateway rejected the request" : "the gateway could not complete the request"
            text += " (HTTP \(status), \(detail.code)): \(detail.message)"
            if let field = detail.field { text += " [field: \(field)]" }
            if detail.retryable { text += " — this is temporary: the same request may be sent again" }
            return text
        case .unexpectedResponse(let status, let reason):
            return "the answer is not the EdgeRaft API's (HTTP \(status)): \(reason) — is --gateway the client-API address of a node?"
        case .timedOut(let gateway, let millis):
            return "the gateway at \(gateway) did not answer within \(millis) ms — the request may still complete; send it again with the same --request-id to find out"
        case .transport(let gateway, let reason):
            return "the connection to the gateway at \(gateway) failed: \(reason)"
        }
    }
}
