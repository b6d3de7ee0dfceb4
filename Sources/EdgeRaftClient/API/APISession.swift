import AsyncHTTPClient
import NIOCore
import NIOPosix

/// The one HTTP client a CLI command uses, for every gateway it talks to, on one event-loop
/// thread of its own. `withSession` shuts both down when the body returns or throws, so no
/// command leaves threads or connections behind.
public final class APISession: Sendable {
    let http: HTTPClient
    private let group: MultiThreadedEventLoopGroup

    public init() {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var configuration = HTTPClient.Configuration()
        // The API is plain HTTP on loopback by default; a redirect would be someone else's server.
        configuration.redirectConfiguration = .disallow
        configuration.timeout.connect = .seconds(2)
        http = HTTPClient(eventLoopGroupProvider: .shared(group), configuration: configuration)
    }

    /// Closes the connections and stops the event-loop thread. Call once.
    public func shutdown() async {
        try? await http.shutdown()
        try? await group.shutdownGracefully()
    }

    public static func with<R>(_ body: (APISession) async throws -> R) async throws -> R {
        let session = APISession()
        do {
            let result = try await body(session)
            await session.shutdown()
            return result
        } catch {
            await session.shutdown()
            throw error
        }
    }

    public func client(gateway: GatewayAddress, token: String?) -> APIClient {
        APIClient(gateway: gateway, token: token, session: self)
    }
}
