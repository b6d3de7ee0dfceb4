import ClientAPI
import Foundation
import Hummingbird
import Logging
import NIOCore
import Wire

/// What each route does: HTTP and JSON in, one `ClientGateway` call, JSON out. Nothing
/// here decides anything; errors are thrown as `APIError`s.
struct ClientAPIHandlers: Sendable {
    var gateway: any ClientGateway
    var maxBodyBytes: Int
    var call: GatewayCall
    /// This node's engine runs the request's command: a deploy without one gets 400.
    var commandRequired = false
    /// Draws the request id of a deploy that brings none.
    var drawRequestID: @Sendable () -> UInt64 = { UInt64.random(in: 1...DeployBodyValidation.maxRequestID) }

    func respond(_ endpoint: ClientAPIRoutes.Endpoint, to request: Request, context: BasicRequestContext) async throws -> Response {
        switch endpoint {
        case .deploy:
            var request = request
            return try await deploy(&request)
        case .listServices:
            let services = try await answer(await call.run { [gateway] in await gateway.services() })
            return try json(.ok, ServiceList(services: services))
        case .getService:
            let name = try serviceName(context)
            guard let service = try await answer(await call.run { [gateway] in await gateway.service(named: name) }) else {
                throw APIError(.notFound, code: "not_found", message: "no service named \(name)")
            }
            return try json(.ok, service)
        case .undeploy:
            let name = try serviceName(context)
            let result = try await answer(await call.run { [gateway] in await gateway.undeploy(service: name) })
            return try json(.ok, try result.answerOrThrow())
        case .cluster:
            let cluster = try await answer(await call.run { [gateway] in await gateway.clusterStatus() })
            return try json(.ok, cluster)
        case .health:
            let cluster = try await answer(await call.run { [gateway] in await gateway.clusterStatus() })
            return try json(.ok, HealthView(status: "ok", node: cluster.node))
        case .addMember:
            var request = request
            let change = try await MemberBodyValidation.decode(try await body(of: &request)).mapError(APIError.init).get()
            return try json(.created, try await changeMember(change))
        case .promoteMember:
            return try json(.ok, try await changeMember(.promote(try memberID(context))))
        case .removeMember:
            return try json(.ok, try await changeMember(.remove(try memberID(context))))
        }
    }

    private func changeMember(_ change: MemberChange) async throws -> MemberView {
        try await answer(await call.run { [gateway] in await gateway.changeMember(change) }).answerOrThrow()
    }

    private func memberID(_ context: BasicRequestContext) throws(APIError) -> NodeID {
        do throws(GatewayError) {
            return try MemberBodyValidation.nodeID(path: context.parameters.get("id") ?? "")
        } catch {
            throw APIError(error)
        }
    }

    private func body(of request: inout Request) async throws -> Data {
        do {
            return Data(try await request.collectBody(upTo: maxBodyBytes).readableBytesView)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError.tooLarge(limit: maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw APIError.tooLarge(limit: maxBodyBytes)
        }
    }

    private func deploy(_ request: inout Request) async throws -> Response {
        let received = ContinuousClock.now
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: maxBodyBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError.tooLarge(limit: maxBodyBytes)
        } catch is NIOTooManyBytesError {
            // A body without Content-Length (chunked) that grows past the limit while read.
            throw APIError.tooLarge(limit: maxBodyBytes)
        }
        let body = try DeployBodyDecoding.decode(Data(buffer.readableBytesView)).mapError(APIError.init).get()
        let deployRequest = try DeployBodyValidation.validate(body, commandRequired: commandRequired, drawID: drawRequestID).mapError(APIError.init).get()
        let elabMicros = UInt64(max(0, (ContinuousClock.now - received) / .microseconds(1)))
        let result = try await answer(await call.run { [gateway] in await gateway.deploy(deployRequest, elabMicros: elabMicros) })
        return try json(.created, try result.answerOrThrow())
    }

    private func serviceName(_ context: BasicRequestContext) throws(APIError) -> String {
        let name = context.parameters.get("name") ?? ""
        do throws(GatewayError) {
            return try DeployBodyValidation.serviceName(name)
        } catch {
            throw APIError(error)
        }
    }

    private func answer<Value>(_ outcome: GatewayCall.Outcome<Value>) throws(APIError) -> Value {
        switch outcome {
        case .answered(let value): return value
        case .timedOut:
            throw APIError(.timeout("no answer within \(call.timeoutMillis) ms (gateway.request-timeout-ms); a retry with the same requestId is safe"))
        case .stopped:
            throw APIError(.unavailable("the gateway is stopping; retry on another gateway or after its restart"))
        }
    }

    private func json(_ status: HTTPResponse.Status, _ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let bytes = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

extension Result where Failure == GatewayError {
    func answerOrThrow() throws(APIError) -> Success {
        switch self {
        case .success(let value): return value
        case .failure(let error): throw APIError(error)
        }
    }
}
