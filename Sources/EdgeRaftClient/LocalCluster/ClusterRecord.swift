import Foundation

/// `D/cluster.json`: what `cluster up` started, so that `cluster down`, `deploy --dir D` and
/// `status --dir D` find it again.
public struct ClusterRecord: Codable, Equatable, Sendable {
    public static let fileName = "cluster.json"
    public static let currentVersion = 1

    public struct Node: Codable, Equatable, Sendable {
        public var id: UInt16
        public var pid: Int32
        /// UDP `HOST:PORT`.
        public var listen: String
        /// The client API's `HOST:PORT`, for a gateway.
        public var gateway: String?
        public var config: String
        public var dataDir: String
        public var log: String

        public init(id: UInt16, pid: Int32, listen: String, gateway: String?, config: String, dataDir: String, log: String) {
            self.id = id
            self.pid = pid
            self.listen = listen
            self.gateway = gateway
            self.config = config
            self.dataDir = dataDir
            self.log = log
        }
    }

    public var version: Int
    public var directory: String
    public var clusterId: UInt16
    public var mode: String
    public var engine: String
    public var tokenFile: String
    /// Every gateway's client-API address, in node order.
    public var gateways: [String]
    public var nodes: [Node]

    public init(directory: String, clusterId: UInt16, mode: String, engine: String, tokenFile: String, gateways: [String], nodes: [Node]) {
        version = Self.currentVersion
        self.directory = directory
        self.clusterId = clusterId
        self.mode = mode
        self.engine = engine
        self.tokenFile = tokenFile
        self.gateways = gateways
        self.nodes = nodes
    }

    public enum RecordError: Error, Equatable, CustomStringConvertible {
        case missing(directory: String)
        case unreadable(path: String, reason: String)
        case malformed(path: String, reason: String)
        case unsupportedVersion(path: String, version: Int)

        public var description: String {
            switch self {
            case .missing(let directory):
                "no local cluster in \(directory) (no \(ClusterRecord.fileName) there) — start one with `edgeraft cluster up --dir \(directory)`, or pass the --dir it was started with"
            case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
            case .malformed(let path, let reason): "\(path) is not a cluster record: \(reason)"
            case .unsupportedVersion(let path, let version): "\(path) has version \(version); this edgeraft reads version \(ClusterRecord.currentVersion)"
            }
        }
    }

    /// A record file is a few KiB; anything this large is not one.
    static let maxBytes = 1 << 20

    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Every field is a plain string or integer: encoding cannot fail.
        return (try? encoder.encode(self)) ?? Data()
    }

    public static func decode(_ data: Data, path: String) throws(RecordError) -> ClusterRecord {
        guard data.count <= maxBytes else { throw .malformed(path: path, reason: "\(data.count) bytes, more than \(maxBytes)") }
        struct Versioned: Decodable { var version: Int }
        guard let versioned = try? JSONDecoder().decode(Versioned.self, from: data) else {
            throw .malformed(path: path, reason: "not JSON with a \"version\"")
        }
        guard versioned.version == currentVersion else { throw .unsupportedVersion(path: path, version: versioned.version) }
        do {
            return try JSONDecoder().decode(ClusterRecord.self, from: data)
        } catch {
            throw .malformed(path: path, reason: String(describing: error))
        }
    }

    public static func read(directory: String) throws(RecordError) -> ClusterRecord {
        let path = directory + "/" + fileName
        guard FileManager.default.fileExists(atPath: path) else { throw .missing(directory: directory) }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch { throw .unreadable(path: path, reason: error.localizedDescription) }
        return try decode(data, path: path)
    }

    /// Written whole to a temporary file and renamed, so a reader never sees half a record.
    public func write(directory: String) throws(RecordError) {
        let path = directory + "/" + Self.fileName
        do {
            try encoded().write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .unreadable(path: path, reason: "cannot write it: \(error.localizedDescription)")
        }
    }
}
