import ClientAPI
import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A stand-in for a gateway's client API, answering each deploy attempt as a test says,
/// and remembering what it was sent.
final class FakeGateway: Sendable {
    struct Received: Sendable {
        var method: String
        var path: String
        var authorization: String?
        var body: Data
    }

    typealias Answer = @Sendable (_ attempt: Int, _ received: Received) -> (status: Int, body: String)

    private let received = Mutex<[Received]>([])
    private let answer: Answer
    private let task = Mutex<Task<Void, any Error>?>(nil)

    init(answer: @escaping Answer) { self.answer = answer }

    var requests: [Received] { received.withLock { $0 } }

    /// Starts listening on a free loopback port and returns it.
    func start() async throws -> Int {
        let router = Router()
        let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { [self] request, _ in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            let got = Received(
                method: request.method.rawValue, path: request.uri.path, authorization: request.headers[.authorization], body: Data(bytes.readableBytesView))
            let attempt = received.withLock { all in
                all.append(got)
                return all.count
            }
            let (status, body) = answer(attempt, got)
            return Response(
                status: .init(code: status), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        for path in ["/v1/services", "/v1/services/{name}", "/v1/cluster", "/v1/health"] {
            router.get(RouterPath(path), use: handler)
            router.post(RouterPath(path), use: handler)
            router.delete(RouterPath(path), use: handler)
        }
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: Self.quiet)
        task.withLock { $0 = Task { try await app.runService(gracefulShutdownSignals: []) } }
        for await port in stream { return port }
        throw CancellationError()
    }

    func stop() async {
        let running = task.withLock { $0 }
        running?.cancel()
        _ = await running?.result
    }

    /// Its shutdown on cancellation logs errors that are not the test's.
    static let quiet: Logger = {
        var logger = Logger(label: "fake-gateway")
        logger.logLevel = .critical
        return logger
    }()

    static func json<T: Encodable>(_ value: T) -> String { JSONTextForTests.encode(value) }
}

enum JSONTextForTests {
    static func encode<T: Encodable>(_ value: T) -> String {
        String(decoding: (try? JSONEncoder().encode(value)) ?? Data(), as: UTF8.self)
    }
}
