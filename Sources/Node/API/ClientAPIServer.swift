import ClientAPI
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization

/// The gateway's HTTP/1.1 JSON API for clients (docs/api.yaml), on Hummingbird with one
/// event-loop thread of its own. It only translates HTTP and JSON to `ClientGateway`
/// calls; the daemon starts it after its own start-up and stops it before its own stop.
public final class ClientAPIServer: Sendable {
    public enum StartError: Error, Equatable, CustomStringConvertible {
        case malformedListen(String)
        case portInUse(String)
        case remoteNeedsTLS(String)
        case emptyToken
        case tlsFiles(String)
        case alreadyStarted
        case cannotBind(address: String, reason: String)

        public var description: String {
            switch self {
            case .malformedListen(let text):
                return "gateway.listen \"\(text)\" is not HOST:PORT (e.g. 127.0.0.1:7700, [::1]:7700; port 0 picks a free one)"
            case .portInUse(let address):
                return "the client API's address \(address) is in use: stop what listens there (`ss -ltnp`) or set another gateway.listen port"
            case .remoteNeedsTLS(let address):
                return "gateway.listen \(address) is reachable from other machines: set gateway.tls-cert and gateway.tls-key, "
                    + "or gateway.allow-plaintext-remote: true to send the token in clear text, or listen on 127.0.0.1"
            case .emptyToken:
                return "the gateway's token file is empty: write a random token into it (e.g. `openssl rand -hex 32`)"
            case .tlsFiles(let reason):
                return "gateway.tls-cert/tls-key: \(reason)"
            case .alreadyStarted:
                return "the client API server was already started"
            case .cannotBind(let address, let reason):
                return "the client API cannot listen on \(address): \(reason)"
            }
        }
    }

    private enum Phase {
        case idle
        case starting
        case running(group: ServiceGroup, finished: DispatchSemaphore, eventLoops: MultiThreadedEventLoopGroup)
        case stopped
    }

    private let configuration: NodeConfig.Gateway
    private let token: BearerToken
    private let gateway: any ClientGateway
    private let logger: Logger
    private let stopping = StopSignal()
    private let phase = Mutex(Phase.idle)

    public init(configuration: NodeConfig.Gateway, token: String, gateway: any ClientGateway, logger: Logger) {
        self.configuration = configuration
        self.token = BearerToken(token)
        self.gateway = gateway
        self.logger = logger
    }

    /// Binds and starts serving; returns the bound port (the ephemeral one for port 0) once
    /// the socket listens. Call from a thread, not from an event loop or a Swift task.
    public func start() throws(StartError) -> Int {
        try phase.withLock { phase throws(StartError) in
            guard case .idle = phase else { throw .alreadyStarted }
            phase = .starting
        }
        do {
            let port = try launch()
            return port
        } catch {
            phase.withLock { $0 = .idle }
            throw error
        }
    }

    private func launch() throws(StartError) -> Int {
        guard let address = ListenAddress(parsing: configuration.listen) else { throw .malformedListen(configuration.listen) }
        guard !token.isEmpty else { throw .emptyToken }
        let server = try serverBuilder(for: address)
        if !address.isLoopback, configuration.tlsCertificateFile == nil {
            logger.warning(
                "client API on \(address) WITHOUT TLS (gateway.allow-plaintext-remote): the bearer token and every request cross the network in clear text")
        }

        // Its own single thread, made at start: a node that never serves the API pays nothing.
        let eventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bound = BoundPort()
        let app = Application(
            router: makeRouter(),
            server: server,
            configuration: ApplicationConfiguration(address: .hostname(address.host, port: address.port), serverName: nil),
            onServerRunning: { channel in bound.report(.success(channel.localAddress?.port ?? address.port)) },
            eventLoopGroupProvider: .shared(eventLoopGroup),
            logger: Self.libraryLogger(logger))
        let group = ServiceGroup(services: [app], logger: logger)
        let finished = DispatchSemaphore(value: 0)
        Task { [logger] in
            do {
                try await group.run()
                bound.report(.failure(.cannotBind(address: address.description, reason: "the server ended before it listened")))
            } catch {
                bound.report(.failure(Self.startError(error, address: address)))
                logger.debug("client API server ended: \(error)")
            }
            finished.signal()
        }
        switch bound.wait() {
        case .success(let port):
            phase.withLock { $0 = .running(group: group, finished: finished, eventLoops: eventLoopGroup) }
            // The caller logs the start (with the port): one line, not three.
            return port
        case .failure(let error):
            finished.wait()
            try? eventLoopGroup.syncShutdownGracefully()
            throw error
        }
    }

    /// Stops accepting connections, answers requests still waiting on the gateway with a
    /// retryable 503, lets the others finish, and returns when the server has ended.
    /// Idempotent; call from a thread, not from an event loop or a Swift task.
    public func stop() {
        let running = phase.withLock { phase -> (ServiceGroup, DispatchSemaphore, MultiThreadedEventLoopGroup)? in
            defer { phase = .stopped }
            if case .running(let group, let finished, let eventLoops) = phase { return (group, finished, eventLoops) }
            return nil
        }
        stopping.fire()
        guard let (group, finished, eventLoops) = running else { return }
        Task { await group.triggerGracefulShutdown() }
        finished.wait()
        try? eventLoops.syncShutdownGracefully()
        logger.info("client API stopped")
    }

    // MARK: Parts

    /// Hummingbird's own logger: notice and above, so its "Server started" info line does
    /// not repeat the node's; its warnings and errors still show.
    private static func libraryLogger(_ logger: Logger) -> Logger {
        var quieter = logger
        if quieter.logLevel < .notice { quieter.logLevel = .notice }
        return quieter
    }

    private func serverBuilder(for address: ListenAddress) throws(StartError) -> HTTPServerBuilder {
        // An idle connection is closed after a while so that idle clients cannot hold sockets for ever.
        let http1 = HTTPServerBuilder.http1(configuration: .init(idleTimeout: .seconds(60)))
        switch (configuration.tlsCertificateFile, configuration.tlsKeyFile) {
        case (let certificate?, let key?):
            do {
                let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
                let privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
                let tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(privateKey))
                return try .tls(http1, tlsConfiguration: tls)
            } catch {
                throw .tlsFiles("cannot use \(certificate) and \(key) as a PEM certificate chain and private key: \(error)")
            }
        case (nil, nil):
            guard address.isLoopback || configuration.allowPlaintextRemote else { throw .remoteNeedsTLS(address.description) }
            return http1
        default:
            throw .tlsFiles("set both or neither")
        }
    }

    private func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: ClientAPIMiddleware(token: token, maxBodyBytes: configuration.maxBodyBytes, stopping: stopping))
        let handlers = ClientAPIHandlers(
            gateway: gateway, maxBodyBytes: configuration.maxBodyBytes,
            call: GatewayCall(timeoutMillis: configuration.requestTimeoutMillis, stopping: stopping),
            commandRequired: configuration.commandRequired)
        for route in ClientAPIRoutes.all {
            let endpoint = route.endpoint
            router.on(RouterPath(route.path), method: HTTPRequest.Method(route.method) ?? .get) { request, context in
                try await handlers.respond(endpoint, to: request, context: context)
            }
        }
        return router
    }

    private static func startError(_ error: any Error, address: ListenAddress) -> StartError {
        if let io = error as? IOError, io.errnoCode == EADDRINUSE { return .portInUse(address.description) }
        let text = String(describing: error)
        if text.contains("Address already in use") || text.contains("EADDRINUSE") { return .portInUse(address.description) }
        return .cannotBind(address: address.description, reason: text)
    }
}

/// The start-up handshake between `start()` and the server's task: the first report wins.
private final class BoundPort: Sendable {
    private let result = Mutex<Result<Int, ClientAPIServer.StartError>?>(nil)
    private let ready = DispatchSemaphore(value: 0)

    func report(_ outcome: Result<Int, ClientAPIServer.StartError>) {
        let first = result.withLock { result -> Bool in
            guard result == nil else { return false }
            result = outcome
            return true
        }
        if first { ready.signal() }
    }

    func wait() -> Result<Int, ClientAPIServer.StartError> {
        ready.wait()
        return result.withLock { $0 } ?? .failure(.cannotBind(address: "", reason: "no report"))
    }
}
