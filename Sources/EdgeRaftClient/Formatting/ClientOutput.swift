import ClientAPI

/// What the client commands print: the deploy answer with its phase table, the service
/// list, the cluster status. Pure: values in, text out.
public enum ClientOutput {
    /// `web → node 3 (running; decision at log index 12, request 42)` and the phase table.
    public static func deployed(_ service: ServiceView) -> String {
        var text = "\(service.name) → node \(service.node) (\(service.status); decision at log index \(service.decisionIndex), request \(service.requestId))"
        if let reason = service.reason { text += "\n  reason: \(reason)" }
        if let phases = service.phases { text += "\n" + phaseTable(phases, indent: "  ") }
        return text
    }

    /// The paper's eight phases and the pre-vote round, one per line.
    public static func phaseTable(_ phases: PhaseTable, indent: String = "") -> String {
        var table = TextTable(header: ["phase", "time"], rightAligned: [1])
        for row in phases.rows { table.append([row.name, DurationText.micros(row.micros)]) }
        return table.rendered.split(separator: "\n", omittingEmptySubsequences: false).map { indent + $0 }.joined(separator: "\n")
    }

    public static func services(_ list: ServiceList) -> String {
        if list.services.isEmpty { return "no services" }
        var table = TextTable(header: ["NAME", "NODE", "STATUS", "INDEX", "REQUEST", "IMAGE", "REASON"], rightAligned: [1, 3])
        for service in list.services.sorted(by: { $0.name < $1.name }) {
            table.append([service.name, String(service.node), service.status, String(service.decisionIndex), service.requestId, service.image, service.reason ?? ""])
        }
        return table.rendered
    }

    /// The answering node's view: who leads, the log's progress, and per member its load
    /// and this node's link to it.
    public static func status(_ view: ClusterView) -> String {
        let leader = view.leader.map { "node \($0)" } ?? "none"
        var text = "cluster \(view.clusterId), mode \(view.mode); answered by node \(view.node) (\(view.role))\n"
        text += "leader: \(leader), term \(view.term), commit index \(view.commitIndex), applied \(view.appliedIndex)\n"
        var table = TextTable(
            header: ["ID", "ADDRESS", "ROLE", "LOAD‰", "CPU‰", "MEM USED", "FREE CPU", "FREE MEM", "REPORT AGE", "RTT", "RETRANSMITS", "DROPS", "SESSION"],
            rightAligned: [0, 3, 4, 5, 6, 7, 8, 9, 10, 11])
        for member in view.members.sorted(by: { $0.id < $1.id }) {
            var role = member.voter ? "voter" : "learner"
            if member.id == view.leader { role += ", leader" }
            if member.id == view.node { role += ", this" }
            let load = member.load
            let link = member.link
            table.append([
                String(member.id), member.address, role,
                load.map { String($0.loadPermille) } ?? "-",
                load.map { String($0.cpuBusyPermille) } ?? "-",
                load.map { "\($0.memoryUsedMiB) MiB" } ?? "-",
                load.map { "\($0.freeCPUMillicores) m" } ?? "-",
                load.map { "\($0.freeMemoryMiB) MiB" } ?? "-",
                load.map { $0.ageMillis > UInt64.max / 1000 ? "-" : DurationText.micros($0.ageMillis * 1000) } ?? "-",
                link.map { $0.smoothedRTTMicros.map(DurationText.micros) ?? "-" } ?? "-",
                link.map { String($0.retransmissions) } ?? "-",
                link.map { String($0.drops) } ?? "-",
                link.map { $0.sessionEstablished ? "up" : "down" } ?? (member.id == view.node ? "" : "-"),
            ])
        }
        return text + table.rendered
    }
}
