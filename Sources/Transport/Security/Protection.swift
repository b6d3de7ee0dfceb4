/// How datagrams are protected on this node.
public enum Protection: Sendable {
    /// ChaCha20-Poly1305 with the cluster key (the default; Pi 4-class CPUs have no AES
    /// instructions, where ChaCha20 is the faster cipher).
    case sealed(ClusterKey)
    /// No encryption and no authentication: for local benchmarks only; the node warns at start.
    case insecure
}
