import AsyncHTTPClient
import ClientAPI
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// The client API of one gateway (`docs/api.yaml`): typed calls, typed errors. Prints
/// nothing; the commands decide what the user sees.
public struct APIClient: Sendable {
    public let gateway: GatewayAddress
    let token: String?
    let session: APISession
    /// How long one request may take, connecting included; a deploy's gateway answers
    /// within its own request timeout (10 s by default), so this leaves it room.
    public var requestTimeoutMillis: Int64 = 20_000

    /// No answer of the API is near this large; a bigger one is not the API's.
    static let maxResponseBytes = 4 << 20

    init(gateway: GatewayAddress, token: String?, session: APISession) {
        self.gateway = gateway
        self.token = token
        self.session = session
    }

    // MARK: calls

    /// Deploys `body`, retrying retryable errors per `retry` with the same request id (one
    /// is drawn here when the body has none, so that the retries are idempotent).
    public func deploy(_ body: DeployBody, retry: DeployRetryPolicy = .standard) async throws(APIClientError) -> ServiceView {
        var body = body
        if body.requestId == nil { body.requestId = Self.drawRequestID() }
        let encoded: [UInt8]
        do { encoded = Array(try JSONEncoder().encode(body)) } catch { throw .unexpectedResponse(status: 0, reason: "cannot encode the request: \(error)") }
        var attempt = 1
        while true {
            do {
                return try await call(.POST, "/v1/services", body: encoded, expecting: ServiceView.self)
            } catch {
                let failure = error
                attempt += 1
                guard failure.isRetryable, let delay = retry.delayMillis(beforeAttempt: attempt) else { throw failure }
                // Cancelled while waiting: the last answer is the one to report.
                do { try await Task.sleep(nanoseconds: delay.multipliedReportingOverflow(by: 1_000_000).overflow ? UInt64.max : delay * 1_000_000) } catch { throw failure }
            }
        }
    }

    /// Removes the service; the answer is its last view (nil if the gateway sends none).
    @discardableResult
    public func undeploy(name: String) async throws(APIClientError) -> ServiceView? {
        let (status, body) = try await exchange(.DELETE, "/v1/services/" + Self.pathSegment(name), body: nil)
        if (200..<300).contains(status) && body.isEmpty { return nil }
        return try Self.decode(status: status, body: body, as: ServiceView.self, gateway: gateway)
    }

    public func services() async throws(APIClientError) -> ServiceList {
        try await call(.GET, "/v1/services", body: nil, expecting: ServiceList.self)
    }

    public func service(name: String) async throws(APIClientError) -> ServiceView {
        try await call(.GET, "/v1/services/" + Self.pathSegment(name), body: nil, expecting: ServiceView.self)
    }

    public func cluster() async throws(APIClientError) -> ClusterView {
        try await call(.GET, "/v1/cluster", body: nil, expecting: ClusterView.self)
    }

    /// Adds a node (a learner unless `voter`); answered once the change is committed.
    public func addMember(_ body: MemberBody) async throws(APIClientError) -> MemberView {
        let encoded: [UInt8]
        do { encoded = Array(try JSONEncoder().encode(body)) } catch { throw .unexpectedResponse(status: 0, reason: "cannot encode the request: \(error)") }
        return try await call(.POST, "/v1/members", body: encoded, expecting: MemberView.self)
    }

    public func promoteMember(id: UInt16) async throws(APIClientError) -> MemberView {
        try await call(.POST, "/v1/members/\(id)/promote", body: nil, expecting: MemberView.self)
    }

    public func removeMember(id: UInt16) async throws(APIClientError) -> MemberView {
        try await call(.DELETE, "/v1/members/\(id)", body: nil, expecting: MemberView.self)
    }

    public func health() async throws(APIClientError) -> HealthView {
        try await call(.GET, "/v1/health", body: nil, expecting: HealthView.self)
    }

    // MARK: the exchange

    /// A request id as the API takes it: decimal, 1 … 2^63 − 1.
    public static func drawRequestID() -> String { String(UInt64.random(in: 1...UInt64(Int64.max))) }

    static func pathSegment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }

    private func call<T: Decodable>(_ method: HTTPMethod, _ path: String, body: [UInt8]?, expecting: T.Type) async throws(APIClientError) -> T {
        let (status, answer) = try await exchange(method, path, body: body)
        return try Self.decode(status: status, body: answer, as: T.self, gateway: gateway)
    }

    func exchange(_ method: HTTPMethod, _ path: String, body: [UInt8]?) async throws(APIClientError) -> (Int, Data) {
        var request = HTTPClientRequest(url: "http://\(gateway.authority)\(path)")
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let status: Int
        let bytes: ByteBuffer
        do {
            let response = try await session.http.execute(request, timeout: .milliseconds(requestTimeoutMillis))
            status = Int(response.status.code)
            bytes = try await response.body.collect(upTo: Self.maxResponseBytes)
        } catch {
            throw Self.classify(error, gateway: gateway, timeoutMillis: requestTimeoutMillis)
        }
        return (status, Data(bytes.readableBytesView))
    }

    /// The answer's status and body as a value or the error the user should read.
    static func decode<T: Decodable>(status: Int, body: Data, as: T.Type, gateway: GatewayAddress) throws(APIClientError) -> T {
        if (200..<300).contains(status) {
            do { return try JSONDecoder().decode(T.self, from: body) } catch {
                throw .unexpectedResponse(status: status, reason: "its body is not the expected JSON (\(Self.summary(error)))")
            }
        }
        guard let detail = try? JSONDecoder().decode(APIErrorBody.self, from: body).error else {
            let text = String(decoding: body.prefix(120), as: UTF8.self)
            throw .unexpectedResponse(status: status, reason: text.isEmpty ? "no error body" : "body \"\(text)\"")
        }
        if status == 401 { throw .unauthorized(gateway, message: detail.message) }
        throw .rejected(status: status, detail)
    }

    static func classify(_ error: any Error, gateway: GatewayAddress, timeoutMillis: Int64) -> APIClientError {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return .unreachable(gateway)
            case .deadlineExceeded, .readTimeout: return .timedOut(gateway, millis: timeoutMillis)
            default: return .transport(gateway, reason: String(describing: error))
            }
        }
        if error is NIOConnectionError || error is ChannelError { return .unreachable(gateway) }
        if let error = error as? IOError, [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, ETIMEDOUT].contains(error.errnoCode) {
            return .unreachable(gateway)
        }
        if error is NIOTooManyBytesError { return .unexpectedResponse(status: 200, reason: "the body exceeds \(maxResponseBytes) bytes") }
        return .transport(gateway, reason: String(describing: error))
    }

    private static func summary(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, _)?: "missing \(key.stringValue)"
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?, .dataCorrupted(let context)?:
            context.codingPath.map(\.stringValue).joined(separator: ".").isEmpty ? context.debugDescription : "at " + context.codingPath.map(\.stringValue).joined(separator: ".")
        default: String(describing: error)
        }
    }
}
