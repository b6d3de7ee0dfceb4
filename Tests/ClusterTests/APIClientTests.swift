import ClientAPI
import Foundation
import Testing

@testable import EdgeRaftClient

@Suite struct APIClientTests {
    static let service = ServiceView(name: "web", requestId: "1", image: "nginx", node: 4, decisionIndex: 9, status: "running", phases: PhaseTable(WriteLog: 900))
    static let busy = APIErrorBody(.init(code: "unavailable", message: "no leader yet", retryable: true))
    static let fastRetry = DeployRetryPolicy(attempts: 3, firstDelayMillis: 1, maxDelayMillis: 2)

    func withGateway(_ answer: @escaping FakeGateway.Answer, _ body: (APIClient, FakeGateway) async throws -> Void) async throws {
        let gateway = FakeGateway(answer: answer)
        let port = try await gateway.start()
        do {
            try await APISession.with { session in
                try await body(session.client(gateway: GatewayAddress(host: "127.0.0.1", port: port), token: "s3cret"), gateway)
            }
        } catch {
            await gateway.stop()
            throw error
        }
        await gateway.stop()
    }

    @Test func aRetryableErrorIsSentAgainWithTheSameRequestIDUntilItSucceeds() async throws {
        try await withGateway({ attempt, _ in attempt < 3 ? (503, FakeGateway.json(Self.busy)) : (201, FakeGateway.json(Self.service)) }) { client, gateway in
            let answer = try await client.deploy(DeployBody(name: "web", image: "nginx"), retry: Self.fastRetry)
            #expect(answer == Self.service)
            let ids = try gateway.requests.map { try JSONDecoder().decode(DeployBody.self, from: $0.body).requestId }
            #expect(ids.count == 3)
            let first = try #require(ids.first ?? nil)
            #expect(ids.allSatisfy { $0 == first })
            #expect((UInt64(first) ?? 0) >= 1)
            #expect(gateway.requests.allSatisfy { $0.method == "POST" && $0.path == "/v1/services" && $0.authorization == "Bearer s3cret" })
        }
    }

    @Test func retriesStopAfterThePolicysLastAttempt() async throws {
        try await withGateway({ _, _ in (503, FakeGateway.json(Self.busy)) }) { client, gateway in
            await #expect(throws: APIClientError.rejected(status: 503, Self.busy.error)) {
                try await client.deploy(DeployBody(name: "web", image: "nginx", requestId: "77"), retry: Self.fastRetry)
            }
            #expect(gateway.requests.count == 3)
            let error = APIClientError.rejected(status: 503, Self.busy.error)
            #expect(error.description.contains("no leader yet") && error.description.contains("may be sent again"))
        }
    }

    @Test func aBadRequestIsNotRetriedAndNamesTheField() async throws {
        let bad = APIErrorBody(.init(code: "invalid_request", message: "name must be 1–63 of a-z 0-9 _ . -", field: "name"))
        try await withGateway({ _, _ in (400, FakeGateway.json(bad)) }) { client, gateway in
            do throws(APIClientError) {
                _ = try await client.deploy(DeployBody(name: "Web!", image: "nginx"), retry: Self.fastRetry)
                Issue.record("the deploy succeeded")
            } catch {
                #expect(error == .rejected(status: 400, bad.error))
                #expect(!error.isRetryable)
                #expect(error.description == "the gateway rejected the request (HTTP 400, invalid_request): name must be 1–63 of a-z 0-9 _ . - [field: name]")
            }
            #expect(gateway.requests.count == 1)
        }
    }

    @Test func aRefusedTokenSaysSo() async throws {
        let refused = APIErrorBody(.init(code: "unauthorized", message: "missing or wrong bearer token"))
        try await withGateway({ _, _ in (401, FakeGateway.json(refused)) }) { client, _ in
            do throws(APIClientError) {
                _ = try await client.services()
                Issue.record("no error")
            } catch {
                guard case .unauthorized = error else { Issue.record("\(error)"); return }
                #expect(error.description.contains("refused the token") && error.description.contains("--token-file"))
            }
        }
    }

    @Test func everyReadDecodesItsShape() async throws {
        let cluster = ClusterView(node: 1, clusterId: 2, mode: "stable", role: "leader", leader: 1, term: 3, commitIndex: 4, appliedIndex: 4, members: [])
        try await withGateway({ _, received in
            switch (received.method, received.path) {
            case ("GET", "/v1/health"): (200, #"{"status":"ok","node":1}"#)
            case ("GET", "/v1/cluster"): (200, FakeGateway.json(cluster))
            case ("GET", "/v1/services"): (200, FakeGateway.json(ServiceList(services: [Self.service])))
            case ("GET", "/v1/services/web"): (200, FakeGateway.json(Self.service))
            case ("DELETE", "/v1/services/web"): (200, "")
            default: (404, FakeGateway.json(APIErrorBody(.init(code: "not_found", message: "no such service"))))
            }
        }) { client, _ in
            let health = try await client.health()
            let view = try await client.cluster()
            let list = try await client.services()
            let one = try await client.service(name: "web")
            let removed = try await client.undeploy(name: "web")
            #expect(health == HealthView(status: "ok", node: 1))
            #expect(view == cluster)
            #expect(list == ServiceList(services: [Self.service]))
            #expect(one == Self.service)
            #expect(removed == nil)
            await #expect(throws: APIClientError.rejected(status: 404, .init(code: "not_found", message: "no such service"))) { try await client.service(name: "nope") }
        }
    }

    @Test func anAnswerThatIsNotTheAPIsSaysSo() async throws {
        try await withGateway({ attempt, _ in attempt == 1 ? (502, "<html>bad gateway</html>") : (200, #"{"services": 5}"#) }) { client, _ in
            do throws(APIClientError) {
                _ = try await client.services()
                Issue.record("no error")
            } catch {
                #expect(error == .unexpectedResponse(status: 502, reason: "body \"<html>bad gateway</html>\""))
            }
            do throws(APIClientError) {
                _ = try await client.services()
                Issue.record("no error")
            } catch {
                guard case .unexpectedResponse(200, _) = error else { Issue.record("\(error)"); return }
            }
        }
    }

    @Test func nothingListeningReadsAsUnreachableWithWhatToDo() async throws {
        let port = try FreePorts.pick(udp: 0, tcp: 1).tcp[0]
        try await APISession.with { session in
            let client = session.client(gateway: GatewayAddress(host: "127.0.0.1", port: Int(port)), token: nil)
            do throws(APIClientError) {
                _ = try await client.deploy(DeployBody(name: "a", image: "b"), retry: Self.fastRetry)
                Issue.record("no error")
            } catch {
                #expect(error == .unreachable(GatewayAddress(host: "127.0.0.1", port: Int(port))))
                #expect(error.description == "cannot reach the gateway at 127.0.0.1:\(port) — is a node with a gateway running there? (`edgeraft cluster up` starts one)")
            }
        }
    }
}
