import Foundation

/// Which gateway a client command talks to and with which token: `--gateway` and
/// `--token-file` / `EDGERAFT_TOKEN` when given, else the local cluster recorded in
/// `--dir` (default `./.edgeraft-cluster`): its first gateway and its token file.
public struct ClientTarget: Equatable, Sendable {
    public var gateway: GatewayAddress
    public var token: String
    /// The local cluster's record, when the target came from one.
    public var record: ClusterRecord?

    public enum TargetError: Error, Equatable, CustomStringConvertible {
        case gateway(GatewayAddress.ParseError)
        case noGateway(directory: String, ClusterRecord.RecordError)
        case recordWithoutGateway(directory: String)
        case token(ClientToken.LoadError)

        public var description: String {
            switch self {
            case .gateway(let error): error.description
            case .noGateway(let directory, let error):
                "no --gateway HOST:PORT given, and no local cluster to take one from: \(error.description.replacingOccurrences(of: "no local cluster in \(directory)", with: "none in \(directory)"))"
            case .recordWithoutGateway(let directory): "the local cluster in \(directory) has no gateway; pass --gateway HOST:PORT"
            case .token(let error): error.description
            }
        }
    }

    public static func resolve(
        gateway: String?, directory: String?, tokenFile: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(TargetError) -> ClientTarget {
        let directory = directory ?? LocalCluster.defaultDirectory
        var record: ClusterRecord?
        let address: GatewayAddress
        if let gateway {
            do { address = try GatewayAddress(parsing: gateway) } catch { throw .gateway(error) }
        } else {
            let found: ClusterRecord
            do { found = try ClusterRecord.read(directory: directory) } catch { throw .noGateway(directory: directory, error) }
            guard let first = found.gateways.first else { throw .recordWithoutGateway(directory: directory) }
            do { address = try GatewayAddress(parsing: first) } catch { throw .gateway(error) }
            record = found
        }
        // The token: the flag, else the environment, else the local cluster's own file — but
        // only for one of that cluster's gateways: its token is never sent anywhere else.
        if tokenFile == nil, environment[ClientToken.environmentVariable] == nil, record == nil,
           let found = try? ClusterRecord.read(directory: directory), found.gateways.contains(address.authority) {
            record = found
        }
        let file = tokenFile ?? (environment[ClientToken.environmentVariable] == nil ? record?.tokenFile : nil)
        do {
            return ClientTarget(gateway: address, token: try ClientToken.load(file: file, environment: environment), record: record)
        } catch { throw .token(error) }
    }
}
