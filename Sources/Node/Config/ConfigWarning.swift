/// A setting that is allowed but unsafe or test-only: logged at every start.
public enum ConfigWarning: Equatable, Sendable, CustomStringConvertible {
    case insecure
    case linkEmulation(profile: String)
    case plaintextRemoteGateway(listen: String)
    case testLiePlacement

    public var description: String {
        switch self {
        case .insecure:
            return "insecure: true — node-to-node traffic is neither encrypted nor authenticated; for local benchmarks only"
        case .linkEmulation(let profile):
            return "link: \(profile) — every datagram this node sends is delayed and dropped as on that link; for tests and benchmarks only"
        case .plaintextRemoteGateway(let listen):
            return "gateway.allow-plaintext-remote: true — the client API on \(listen) may carry its token and requests in clear"
        case .testLiePlacement:
            return "test-lie-placement: true — this node, as leader, proposes wrong placements on purpose (the verification test)"
        }
    }
}
