/// The client API's routes: one table, used to register them with the router and by the
/// test that checks the server against `docs/api.yaml`.
public enum ClientAPIRoutes {
    public enum Endpoint: String, Sendable, CaseIterable {
        case deploy, listServices, getService, undeploy, cluster, health, addMember, promoteMember, removeMember
    }

    public struct Route: Sendable, Equatable {
        public var endpoint: Endpoint
        /// `GET`, `POST`, `DELETE`.
        public var method: String
        /// OpenAPI style: `{name}` is a path parameter.
        public var path: String
        /// Whether the request must carry the bearer token.
        public var needsToken: Bool
        /// Every status the route may answer with, the error statuses included.
        public var statuses: [Int]
    }

    /// 500 is listed everywhere: the server's own failure (a bug) has its JSON answer too.
    public static let all: [Route] = [
        Route(endpoint: .deploy, method: "POST", path: "/v1/services", needsToken: true,
              statuses: [201, 400, 401, 404, 409, 413, 422, 500, 502, 503, 504]),
        Route(endpoint: .listServices, method: "GET", path: "/v1/services", needsToken: true, statuses: [200, 401, 500, 503, 504]),
        Route(endpoint: .getService, method: "GET", path: "/v1/services/{name}", needsToken: true,
              statuses: [200, 400, 401, 404, 500, 503, 504]),
        Route(endpoint: .undeploy, method: "DELETE", path: "/v1/services/{name}", needsToken: true,
              statuses: [200, 400, 401, 404, 409, 500, 502, 503, 504]),
        Route(endpoint: .cluster, method: "GET", path: "/v1/cluster", needsToken: true, statuses: [200, 401, 500, 503, 504]),
        Route(endpoint: .addMember, method: "POST", path: "/v1/members", needsToken: true,
              statuses: [201, 400, 401, 409, 413, 500, 503, 504]),
        Route(endpoint: .promoteMember, method: "POST", path: "/v1/members/{id}/promote", needsToken: true,
              statuses: [200, 400, 401, 404, 409, 500, 503, 504]),
        Route(endpoint: .removeMember, method: "DELETE", path: "/v1/members/{id}", needsToken: true,
              statuses: [200, 400, 401, 404, 409, 500, 503, 504]),
        // Health stays last: `route(_:)` falls back to it.
        Route(endpoint: .health, method: "GET", path: "/v1/health", needsToken: false, statuses: [200, 500, 503, 504]),
    ]

    /// What a request that matches no route gets: 401 without the token, else 404 for an
    /// unknown path or 405 for a known path with another method.
    public static let unmatchedStatuses = [401, 404, 405, 503]

    public static func route(_ endpoint: Endpoint) -> Route {
        // `all` holds every endpoint once (checked by the spec test).
        all.first { $0.endpoint == endpoint } ?? all[all.count - 1]
    }

    /// The route a method and concrete path match, and whether the path matched with
    /// another method only (405) or not at all (404).
    public enum Match: Equatable, Sendable {
        case route(Route, parameters: [String: String])
        case wrongMethod(allowed: [String])
        case unknownPath
    }

    public static func match(method: String, path: String) -> Match {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        var allowed: [String] = []
        for route in all {
            guard let parameters = Self.parameters(of: route, segments: Array(segments)) else { continue }
            if route.method == method { return .route(route, parameters: parameters) }
            allowed.append(route.method)
        }
        return allowed.isEmpty ? .unknownPath : .wrongMethod(allowed: allowed)
    }

    private static func parameters(of route: Route, segments: [Substring]) -> [String: String]? {
        let pattern = route.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        guard pattern.count == segments.count else { return nil }
        var parameters: [String: String] = [:]
        for (expected, actual) in zip(pattern, segments) {
            if expected.hasPrefix("{"), expected.hasSuffix("}") {
                guard !actual.isEmpty else { return nil }
                parameters[String(expected.dropFirst().dropLast())] = String(actual)
            } else if expected != actual {
                return nil
            }
        }
        return parameters
    }
}
