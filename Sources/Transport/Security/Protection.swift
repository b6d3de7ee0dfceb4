/// How datagrams are protected on this node.
public enum Protection: Sendable {
    /// Pairwise sessions from Noise IK handshakes with this node's identity; the cluster
    /// key, if given, is mixed into every handshake as the pre-shared key (defence in
    /// depth: a node needs both its own key and the cluster's). ChaCha20-Poly1305: Pi
    /// 4-class CPUs have no AES instructions, where ChaCha20 is the faster cipher.
    case sealed(NodeIdentity, presharedKey: ClusterKey?)
    /// No encryption and no authentication: for local benchmarks only; the node warns at start.
    case insecure
}
