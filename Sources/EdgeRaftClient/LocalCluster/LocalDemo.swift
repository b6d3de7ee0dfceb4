import ClientAPI
import Foundation

/// `edgeraft demo`: a 6-node local cluster with two gateways and the process engine,
/// six services deployed from both gateways at once, where each went, then the cluster
/// stopped. The command prints; this returns what happened.
public enum LocalDemo {
    public struct Deployment: Sendable {
        public var name: String
        public var gateway: GatewayAddress
        public var result: Result<ServiceView, APIClientError>
    }

    public static let nodes = 6
    public static let gateways = 2
    public static let services = 6

    /// The request of service `index`: a stand-in for a real service that runs for a minute
    /// (the cluster is stopped long before).
    public static func request(_ index: Int) -> DeployBody {
        DeployBody(name: "demo-\(index)", image: "process", command: ["sleep", "60"], cpu: 0.1, memory: "16M", requestId: APIClient.drawRequestID())
    }

    /// Deploys the demo's services spread over the record's gateways, all at once; calls
    /// `deployed` as each answer arrives.
    public static func deployAll(
        _ record: ClusterRecord, session: APISession, deployed: @Sendable (Deployment) -> Void
    ) async -> [Deployment] {
        let token = (try? String(contentsOfFile: record.tokenFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        let gateways = record.gateways.compactMap { try? GatewayAddress(parsing: $0) }
        guard !gateways.isEmpty else { return [] }
        return await withTaskGroup(of: Deployment.self) { group in
            for index in 1...services {
                let gateway = gateways[index % gateways.count]
                let client = session.client(gateway: gateway, token: token)
                let body = request(index)
                group.addTask {
                    do throws(APIClientError) {
                        return Deployment(name: body.name, gateway: gateway, result: .success(try await client.deploy(body)))
                    } catch {
                        return Deployment(name: body.name, gateway: gateway, result: .failure(error))
                    }
                }
            }
            var all: [Deployment] = []
            for await deployment in group {
                deployed(deployment)
                all.append(deployment)
            }
            return all.sorted { $0.name < $1.name }
        }
    }
}
