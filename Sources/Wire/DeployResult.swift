/// Why a deploy request was not placed.
public enum DeployErrorCode: UInt8, Sendable, CaseIterable {
    /// The request failed validation at the gateway.
    case invalidRequest = 1
    /// No node with a fresh report has room for the requested CPU and memory.
    case noNodeFits = 2
    /// No majority could be reached before the deadline.
    case noQuorum = 3
    /// The decision was not committed, or not acknowledged, in time.
    case timeout = 4
    /// The chosen node could not start the service.
    case deployFailed = 5
    /// The gateway is shutting down or not ready, or the receiver is not the leader.
    case unavailable = 6
    /// The service name is held by another request, or the request id by another service.
    case conflict = 7
}

/// Where a request was placed, with the cost of each phase.
public struct DeployPlacement: Equatable, Sendable, Hashable {
    public var node: NodeID
    public var logIndex: UInt64
    public var term: UInt64
    public var timings: PhaseTimings

    public init(node: NodeID, logIndex: UInt64, term: UInt64, timings: PhaseTimings) {
        self.node = node
        self.logIndex = logIndex
        self.term = term
        self.timings = timings
    }
}

/// The gateway's answer to a client.
///
/// Body: request id, then on success: node, log index, term, the eight phase timings;
/// on failure: error code byte, error text. Flags: bit 0 failure.
public struct DeployResult: FrameBody {
    public enum Outcome: Equatable, Sendable {
        case placed(DeployPlacement)
        case failed(DeployErrorCode, String)
    }

    public var requestID: UInt64
    public var outcome: Outcome

    public init(requestID: UInt64, outcome: Outcome) {
        self.requestID = requestID
        self.outcome = outcome
    }

    public static let frameKind = FrameKind.deployResult
    public static let allowedFlags: UInt8 = 0b001
    public var frameFlags: UInt8 {
        if case .failed = outcome { return 0b001 }
        return 0
    }

    public func encodeBody(into out: inout [UInt8]) {
        out.appendVarint(requestID)
        switch outcome {
        case .placed(let placement):
            out.appendVarint(UInt64(placement.node))
            out.appendVarint(placement.logIndex)
            out.appendVarint(placement.term)
            placement.timings.encode(into: &out)
        case .failed(let code, let text):
            out.append(code.rawValue)
            out.appendString(text)
        }
    }

    public static func decodeBody(from reader: inout WireReader, flags: UInt8) throws(WireError) -> DeployResult {
        let requestID = try reader.readVarint("request id")
        if flags & 0b001 == 0 {
            let placement = DeployPlacement(
                node: try reader.readNodeID("node"),
                logIndex: try reader.readTermOrIndex("log index"),
                term: try reader.readTermOrIndex("term"),
                timings: try PhaseTimings.decode(from: &reader))
            return DeployResult(requestID: requestID, outcome: .placed(placement))
        }
        let codeAt = reader.offset
        let rawCode = try reader.readByte("error code")
        guard let code = DeployErrorCode(rawValue: rawCode) else {
            throw WireError(.unknownKind(UInt64(rawCode)), at: codeAt, field: "error code")
        }
        let text = try reader.readString("error text", limit: reader.limits.maxTextBytes)
        return DeployResult(requestID: requestID, outcome: .failed(code, text))
    }
}
