import Foundation

/// The config file's keys (kebab-case, as `NodeConfig`'s comments give them), the flag
/// for each, and the nearest known key for a misspelt one.
public enum NodeConfigKeys {
    public static let topLevel = [
        "node-id", "cluster-id", "listen", "peers", "private-key", "cluster-key-file", "insecure",
        "data-dir", "gateway", "mode", "idle-ms", "tick-ms", "election-ticks", "heartbeat-ticks",
        "can-lead", "join", "metric", "cpu-weight", "max-report-age-ms", "sample-ms", "load", "load-file",
        "engine", "link", "log-level", "test-lie-placement",
    ]
    public static let gateway = [
        "listen", "token-file", "tls-cert", "tls-key", "allow-plaintext-remote", "max-body-bytes",
        "request-timeout-ms",
    ]
    public static let peer = ["id", "address", "public-key"]

    public static let modes = ["stable", "on-demand"]
    public static let metrics = ["cpu", "memory", "weighted"]
    public static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// `gateway.token-file` → `gateway-token-file`; `peers` → `peer` (one flag per peer).
    public static func flagName(_ keyPath: String) -> String {
        if keyPath == "peers" { return "peer" }
        return keyPath.replacingOccurrences(of: ".", with: "-")
    }

    /// The known key closest to `key` by edit distance, written as a key path (a gateway
    /// key found at the top level is suggested under `gateway.`).
    public static func suggestion(for key: String, among known: [String], prefix: String = "") -> String? {
        var best: (name: String, distance: Int)?
        for candidate in known {
            let distance = editDistance(key, candidate)
            if best == nil || distance < (best?.distance ?? .max) { best = (prefix + candidate, distance) }
        }
        if prefix.isEmpty, !known.contains(key), gateway.contains(key), !topLevel.contains(key) {
            return "gateway.\(key) (it belongs under gateway:)"
        }
        return best?.name
    }

    /// Levenshtein distance over characters; keys are short (the text is capped by the caller).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.prefix(64)), b = Array(b.prefix(64))
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for (i, ca) in a.enumerated() {
            current[0] = i + 1
            for (j, cb) in b.enumerated() {
                current[j + 1] = Swift.min(previous[j + 1] + 1, current[j] + 1, previous[j] + (ca == cb ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
