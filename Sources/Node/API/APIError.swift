import ClientAPI
import Foundation
import Hummingbird

/// An error answer of the client API: its status and its `APIErrorBody`. Thrown by the
/// handlers; Hummingbird's router turns it into the response.
struct APIError: Error, HTTPResponseError {
    var status: HTTPResponse.Status
    var body: APIErrorBody
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, code: String, message: String, field: String? = nil, retryable: Bool = false) {
        self.status = status
        self.body = APIErrorBody(.init(code: code, message: message, field: field, retryable: retryable))
    }

    init(_ error: GatewayError) {
        switch error {
        case .invalid(let field, let message): self.init(.badRequest, code: "invalid_request", message: message, field: field)
        case .notFound(let message): self.init(.notFound, code: "not_found", message: message)
        case .conflict(let message): self.init(.conflict, code: "conflict", message: message)
        case .noNodeFits(let message): self.init(.unprocessableContent, code: "no_node_fits", message: message)
        case .deployFailed(let message): self.init(.badGateway, code: "deploy_failed", message: message)
        case .unavailable(let message): self.init(.serviceUnavailable, code: "unavailable", message: message, retryable: true)
        case .timeout(let message): self.init(.gatewayTimeout, code: "timeout", message: message, retryable: true)
        }
    }

    static func unauthorized() -> APIError {
        var error = APIError(.unauthorized, code: "unauthorized", message: "send Authorization: Bearer <token> (the gateway's token file)")
        error.headers[.wwwAuthenticate] = "Bearer"
        return error
    }

    static func tooLarge(limit: Int) -> APIError {
        APIError(.contentTooLarge, code: "too_large", message: "the body may have at most \(limit) bytes (gateway.max-body-bytes)", field: "body")
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json"
        let bytes = (try? JSONEncoder().encode(body)) ?? Data(#"{"error":{"code":"internal","message":"","retryable":false}}"#.utf8)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
