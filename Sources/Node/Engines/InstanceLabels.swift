import Wire

/// The `edgeraft.*` labels every engine puts on an instance, and finds instances by: which
/// service, which request and decision it runs, and for which node.
public struct InstanceLabels: Equatable, Sendable, Hashable {
    public var service: String
    public var requestID: UInt64
    public var decisionIndex: UInt64
    public var node: NodeID

    public init(service: String, requestID: UInt64, decisionIndex: UInt64, node: NodeID) {
        self.service = service
        self.requestID = requestID
        self.decisionIndex = decisionIndex
        self.node = node
    }

    public static let serviceKey = "edgeraft.service"
    public static let requestKey = "edgeraft.request"
    public static let decisionKey = "edgeraft.decision"
    public static let nodeKey = "edgeraft.node"

    public var keyValues: [KeyValue] {
        [KeyValue(Self.serviceKey, service), KeyValue(Self.requestKey, String(requestID)),
         KeyValue(Self.decisionKey, String(decisionIndex)), KeyValue(Self.nodeKey, String(node))]
    }

    /// Reads the four labels back; nil when one is missing or not a number.
    public init?(_ pairs: [KeyValue]) {
        func value(_ key: String) -> String? { pairs.first { $0.key == key }?.value }
        guard let service = value(Self.serviceKey), let request = value(Self.requestKey).flatMap({ UInt64($0) }),
              let decision = value(Self.decisionKey).flatMap({ UInt64($0) }), let node = value(Self.nodeKey).flatMap({ NodeID($0) })
        else { return nil }
        self.init(service: service, requestID: request, decisionIndex: decision, node: node)
    }

    /// Whether every pair of `filter` is among these labels (an empty filter matches all).
    public func matches(_ filter: [KeyValue]) -> Bool {
        let mine = keyValues
        return filter.allSatisfy { mine.contains($0) }
    }

    /// A service name that is safe as a file name and as a container name: 1–63 of
    /// [a-z0-9_.-], starting with a letter or digit (names come from clients).
    public static func isValidServiceName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 63 else { return false }
        func alphanumeric(_ b: UInt8) -> Bool { (b >= 97 && b <= 122) || (b >= 48 && b <= 57) }
        return alphanumeric(first) && bytes.allSatisfy { alphanumeric($0) || $0 == 45 || $0 == 46 || $0 == 95 }
    }
}
