import Hummingbird

/// In front of every route and of the router's not-found answer: the server's stop, the
/// bearer token, the body limit, and the JSON form of 404 and 405.
struct ClientAPIMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext

    var token: BearerToken
    var maxBodyBytes: Int
    var stopping: StopSignal

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let match = ClientAPIRoutes.match(method: request.method.rawValue, path: request.uri.path)
        if stopping.isStopped {
            throw APIError(.gatewayStopping)
        }
        let open: Bool
        if case .route(let route, _) = match { open = !route.needsToken } else { open = false }
        if !open, !token.authorizes(request.headers[.authorization]) {
            throw APIError.unauthorized()
        }
        // Only a deploy reads its body; a declared length over the limit is refused before any of it is read.
        if case .route(let route, _) = match, route.endpoint == .deploy,
           let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maxBodyBytes {
            throw APIError.tooLarge(limit: maxBodyBytes)
        }
        switch match {
        case .route:
            do {
                return try await next(request, context)
            } catch let error as APIError {
                throw error
            } catch let error as HTTPError {
                // Hummingbird's own refusals (e.g. a body that ends early) in the API's JSON form.
                let code = error.status == .contentTooLarge ? "too_large" : error.status == .notFound ? "not_found"
                    : error.status.code < 500 ? "invalid_request" : "internal"
                throw APIError(error.status, code: code, message: error.body ?? error.status.reasonPhrase, field: error.status.code < 500 ? "body" : nil)
            } catch {
                throw APIError(.internalServerError, code: "internal", message: "the server failed: \(error)")
            }
        case .wrongMethod(let allowed):
            var error = APIError(
                .methodNotAllowed, code: "method_not_allowed",
                message: "\(request.uri.path) takes \(allowed.joined(separator: ", ")), not \(request.method.rawValue)")
            error.headers[.allow] = allowed.joined(separator: ", ")
            throw error
        case .unknownPath:
            throw APIError(.notFound, code: "not_found", message: "no route \(request.uri.path); the API's routes are in docs/api.yaml")
        }
    }
}

extension GatewayError {
    static let gatewayStopping = GatewayError.unavailable("the gateway is stopping; retry on another gateway or after its restart")
}
