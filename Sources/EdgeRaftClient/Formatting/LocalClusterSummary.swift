/// What `cluster up` prints once the cluster is ready: where everything is and what to try.
public enum LocalClusterSummary {
    public static func started(_ record: ClusterRecord, shownDirectory: String) -> String {
        let gateways = record.nodes.compactMap { node in node.gateway.map { "\($0) (node \(node.id))" } }
        let dirFlag = shownDirectory == LocalCluster.defaultDirectory ? "" : " --dir \(shownDirectory)"
        return """
            cluster \(record.clusterId) is up: \(record.nodes.count) nodes, \(record.mode) mode, \(record.engine) engine, in \(record.directory)
            gateways: \(gateways.joined(separator: ", "))
            API token: \(record.tokenFile) (the commands below find it; others: --token-file or EDGERAFT_TOKEN)
            logs: \(record.directory)/node-N/node.log
            try:  edgeraft deploy\(dirFlag) --name hello --image demo -- sleep 600
                  edgeraft services\(dirFlag)
                  edgeraft status\(dirFlag)
            stop: edgeraft cluster down\(dirFlag)
            """
    }
}
