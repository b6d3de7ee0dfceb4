/// A name and a value: an environment variable or a label.
public struct KeyValue: Equatable, Sendable, Hashable, CustomStringConvertible {
    public var key: String
    public var value: String

    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }

    public var description: String { "\(key)=\(value)" }
}

/// A port the service publishes on its node.
public struct PortMapping: Equatable, Sendable, Hashable, CustomStringConvertible {
    public enum Proto: UInt8, Sendable, Hashable {
        case tcp = 0
        case udp = 1
    }

    public var containerPort: UInt16
    public var hostPort: UInt16
    public var proto: Proto

    public init(containerPort: UInt16, hostPort: UInt16, proto: Proto = .tcp) {
        self.containerPort = containerPort
        self.hostPort = hostPort
        self.proto = proto
    }

    /// As `docker run -p` writes it: host:container/protocol.
    public var description: String { "\(hostPort):\(containerPort)/\(proto)" }
}

/// A client asks a gateway to run one service somewhere in the cluster.
///
/// Body: request id, service name, image, command (count, strings), environment (count,
/// key/value pairs), ports (count, container port, host port, protocol byte), CPU requested
/// (millicores), memory requested (MiB), labels (count, key/value pairs). Strings are a
/// varint byte length then UTF-8. The same body is embedded in DeployTransfer and in the
/// decision log entry.
public struct DeployRequest: FrameBody, Hashable {
    public var requestID: UInt64
    public var service: String
    public var image: String
    /// Overrides the image's command when not empty.
    public var command: [String]
    public var environment: [KeyValue]
    public var ports: [PortMapping]
    public var cpuMillicores: UInt32
    public var memoryMiB: UInt32
    public var labels: [KeyValue]

    public init(
        requestID: UInt64, service: String, image: String, command: [String] = [],
        environment: [KeyValue] = [], ports: [PortMapping] = [], cpuMillicores: UInt32 = 0,
        memoryMiB: UInt32 = 0, labels: [KeyValue] = []
    ) {
        self.requestID = requestID
        self.service = service
        self.image = image
        self.command = command
        self.environment = environment
        self.ports = ports
        self.cpuMillicores = cpuMillicores
        self.memoryMiB = memoryMiB
        self.labels = labels
    }

    public static let frameKind = FrameKind.deployRequest

    public func encodeBody(into out: inout [UInt8]) {
        out.appendVarint(requestID)
        out.appendString(service)
        out.appendString(image)
        out.appendVarint(command.count)
        for argument in command { out.appendString(argument) }
        Self.encode(environment, into: &out)
        out.appendVarint(ports.count)
        for port in ports {
            out.appendVarint(UInt64(port.containerPort))
            out.appendVarint(UInt64(port.hostPort))
            out.append(port.proto.rawValue)
        }
        out.appendVarint(UInt64(cpuMillicores))
        out.appendVarint(UInt64(memoryMiB))
        Self.encode(labels, into: &out)
    }

    /// Refuses a body over `maxDeployRequestBytes` (checked once it is read; every field is
    /// bounded on its own first), so that every request that decodes fits in its log entry.
    public static func decodeBody(from reader: inout WireReader, flags: UInt8) throws(WireError) -> DeployRequest {
        let limits = reader.limits
        let start = reader.offset
        let requestID = try reader.readVarint("request id")
        let service = try reader.readString("service name", limit: limits.maxNameBytes)
        let image = try reader.readString("image", limit: limits.maxTextBytes)
        let argumentCount = try reader.readCount("command length", limit: limits.maxListItems)
        var command: [String] = []
        command.reserveCapacity(min(argumentCount, reader.remaining))
        for _ in 0..<argumentCount {
            command.append(try reader.readString("command argument", limit: limits.maxTextBytes))
        }
        let environment = try decodeKeyValues(from: &reader, "environment")
        let portCount = try reader.readCount("port count", limit: limits.maxListItems)
        var ports: [PortMapping] = []
        ports.reserveCapacity(min(portCount, reader.remaining / 3))
        for _ in 0..<portCount {
            let container = UInt16(try reader.readVarint("container port", max: UInt64(UInt16.max)))
            let host = UInt16(try reader.readVarint("host port", max: UInt64(UInt16.max)))
            let protoAt = reader.offset
            let rawProto = try reader.readByte("port protocol")
            guard let proto = PortMapping.Proto(rawValue: rawProto) else {
                throw WireError(.unknownKind(UInt64(rawProto)), at: protoAt, field: "port protocol")
            }
            ports.append(PortMapping(containerPort: container, hostPort: host, proto: proto))
        }
        let cpu = UInt32(try reader.readVarint("cpu requested", max: UInt64(UInt32.max)))
        let memory = UInt32(try reader.readVarint("memory requested", max: UInt64(UInt32.max)))
        let labels = try decodeKeyValues(from: &reader, "labels")
        let bodyBytes = reader.offset - start
        guard bodyBytes <= limits.maxDeployRequestBytes else {
            throw WireError(
                .lengthOverLimit(length: UInt64(bodyBytes), limit: limits.maxDeployRequestBytes), at: start, field: "deploy request")
        }
        return DeployRequest(
            requestID: requestID, service: service, image: image, command: command,
            environment: environment, ports: ports, cpuMillicores: cpu, memoryMiB: memory, labels: labels)
    }

    private static func encode(_ pairs: [KeyValue], into out: inout [UInt8]) {
        out.appendVarint(pairs.count)
        for pair in pairs {
            out.appendString(pair.key)
            out.appendString(pair.value)
        }
    }

    private static func decodeKeyValues(from reader: inout WireReader, _ field: StaticString) throws(WireError) -> [KeyValue] {
        let count = try reader.readCount(field, limit: reader.limits.maxListItems)
        var pairs: [KeyValue] = []
        pairs.reserveCapacity(min(count, reader.remaining / 2))
        for _ in 0..<count {
            let key = try reader.readString("key", limit: reader.limits.maxNameBytes)
            let value = try reader.readString("value", limit: reader.limits.maxTextBytes)
            pairs.append(KeyValue(key, value))
        }
        return pairs
    }
}
