import Yams

extension NodeConfig {
    /// The configuration as a config file (every key, defaults written out): what
    /// `edgeraft node --check-config` prints, and what the loader reads back unchanged.
    public func renderYAML() -> String {
        func number<T: BinaryInteger>(_ value: T) -> Yams.Node { Yams.Node(String(value), .implicit, .plain) }
        func text(_ value: String) -> Yams.Node { Yams.Node(value, .implicit, .doubleQuoted) }
        func flag(_ value: Bool) -> Yams.Node { Yams.Node(value ? "true" : "false", .implicit, .plain) }
        func pair(_ key: String, _ value: Yams.Node) -> (Yams.Node, Yams.Node) { (Yams.Node(key), value) }

        var pairs: [(Yams.Node, Yams.Node)] = [
            pair("node-id", number(nodeID)),
            pair("cluster-id", number(clusterID)),
            pair("listen", text(listen)),
            pair("data-dir", text(dataDirectory)),
        ]
        if let privateKeyFile { pairs.append(pair("private-key", text(privateKeyFile))) }
        if let clusterKeyFile { pairs.append(pair("cluster-key-file", text(clusterKeyFile))) }
        pairs.append(pair("insecure", flag(insecure)))
        let roster = peers.map { peer -> Yams.Node in
            var entry = [pair("id", number(peer.id)), pair("address", text(peer.address))]
            if let key = peer.publicKeyHex { entry.append(pair("public-key", text(key))) }
            return Yams.Node(entry)
        }
        pairs.append(pair("peers", Yams.Node(roster)))
        if let gateway {
            var entry = [pair("listen", text(gateway.listen)), pair("token-file", text(gateway.tokenFile))]
            if let file = gateway.tlsCertificateFile { entry.append(pair("tls-cert", text(file))) }
            if let file = gateway.tlsKeyFile { entry.append(pair("tls-key", text(file))) }
            entry.append(pair("allow-plaintext-remote", flag(gateway.allowPlaintextRemote)))
            entry.append(pair("max-body-bytes", number(gateway.maxBodyBytes)))
            entry.append(pair("request-timeout-ms", number(gateway.requestTimeoutMillis)))
            pairs.append(pair("gateway", Yams.Node(entry)))
        }
        switch mode {
        case .stable:
            pairs.append(pair("mode", text("stable")))
        case .onDemand(let idle):
            pairs.append(pair("mode", text("on-demand")))
            pairs.append(pair("idle-ms", number(idle)))
        }
        pairs += [
            pair("tick-ms", number(tickMillis)),
            pair("election-ticks", number(electionTicks)),
            pair("heartbeat-ticks", number(heartbeatTicks)),
            pair("can-lead", flag(canLead)),
            pair("join", flag(join)),
        ]
        switch metric {
        case .cpu: pairs.append(pair("metric", text("cpu")))
        case .memory: pairs.append(pair("metric", text("memory")))
        case .weighted(let weight):
            pairs.append(pair("metric", text("weighted")))
            pairs.append(pair("cpu-weight", number(weight)))
        }
        pairs += [
            pair("max-report-age-ms", number(maxReportAgeMillis)),
            pair("sample-ms", number(samplePeriodMillis)),
        ]
        if let injectedLoad { pairs.append(pair("load", text(injectedLoad))) }
        if let injectedLoadFile { pairs.append(pair("load-file", text(injectedLoadFile))) }
        pairs.append(pair("engine", text(engine.rawValue)))
        if let linkEmulation { pairs.append(pair("link", text(linkEmulation))) }
        pairs.append(pair("log-level", text(logLevel)))
        pairs.append(pair("test-lie-placement", flag(testLiePlacement)))
        // Serializing a tree of plain scalars, lists and mappings cannot fail; should it
        // ever, say so rather than print half a file.
        return (try? Yams.serialize(node: Yams.Node(pairs))) ?? "# the configuration could not be written as YAML\n"
    }
}
