#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import Logging
import NetworkModel
import Raft
import Transport
import Wire

/// `edgeraft node`: builds a node from its checked configuration, runs it until SIGINT or
/// SIGTERM, and stops it cleanly. Every start-up failure is one clear line and exit 1.
public enum NodeDaemonLauncher {
    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs the node; returns the process's exit status.
    public static func run(config: NodeConfig, warnings: [String]) -> Int32 {
        var logger = Logger(label: "edgeraft.node.\(config.nodeID)")
        logger.logLevel = Logger.Level(rawValue: config.logLevel) ?? .info
        for warning in warnings { logger.warning("\(warning)") }
        let node: RunningNode
        do {
            node = try start(config: config, logger: logger)
        } catch {
            logger.critical("\(error)")
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            return 1
        }
        // Start-up code (argument parsing, the YAML loader, relocation tables) leaves the RSS
        // once the node runs.
        StartupPages.releaseLater(seconds: 5)
        waitForTerminationSignal()
        logger.notice("stopping")
        node.stop()
        logger.notice("stopped")
        return 0
    }

    /// A started node and what must be stopped with it.
    public struct RunningNode {
        public let daemon: NodeDaemon
        public var stopAPI: () -> Void = {}

        public func stop() {
            stopAPI()
            daemon.stop()
        }
    }

    public static func start(config: NodeConfig, logger: Logger) throws -> RunningNode {
        do {
            _ = try DataDirectoryIdentity.recordOrVerify(
                dataDirectory: config.dataDirectory, expected: DataDirectoryIdentity(clusterID: config.clusterID, nodeID: config.nodeID))
        } catch {
            throw StartError(description: "\(error)")
        }
        let protection: Protection
        if config.insecure {
            protection = .insecure
        } else {
            guard let keyFile = config.privateKeyFile else {
                throw StartError(description: "no private-key: generate one with `edgeraft keygen --out FILE` and set private-key")
            }
            let identity: NodeIdentity
            do { identity = try NodeIdentity.load(from: keyFile) } catch {
                throw StartError(description: "private key \(keyFile): \(error)")
            }
            let presharedKey: ClusterKey?
            do {
                presharedKey = config.clusterKeyFile == nil && ProcessInfo.processInfo.environment[ClusterKey.environmentVariable] == nil
                    ? nil : try ClusterKey.load(file: config.clusterKeyFile)
            } catch {
                throw StartError(description: "cluster key: \(error)")
            }
            protection = .sealed(identity, presharedKey: presharedKey)
        }

        var peers: [NodeID: TransportEndpoint.PeerEntry] = [:]
        var roster: [NodeID: RosterEntry] = [:]
        var addresses: [NodeID: String] = [config.nodeID: config.listen]
        for peer in config.peers {
            let address: SocketAddress
            do { address = try SocketAddress(peer.address) } catch {
                throw StartError(description: "peer \(peer.id): address \(peer.address): \(error)")
            }
            var key: NodePublicKey?
            if let hex = peer.publicKeyHex {
                guard let parsed = NodePublicKey(hex: hex) else {
                    throw StartError(description: "peer \(peer.id): public-key is not 64 hex digits of a valid key")
                }
                key = parsed
            } else if !config.insecure {
                throw StartError(description: "peer \(peer.id) has no public-key (needed unless insecure)")
            }
            peers[peer.id] = TransportEndpoint.PeerEntry(address: address, publicKey: key)
            do { roster[peer.id] = try RosterEntry(address: peer.address, publicKey: key) } catch {
                throw StartError(description: "peer \(peer.id): \(error)")
            }
            addresses[peer.id] = peer.address
        }
        let listen: SocketAddress
        do { listen = try SocketAddress(config.listen) } catch {
            throw StartError(description: "listen \(config.listen): \(error)")
        }

        let raftDirectory = config.dataDirectory + "/raft"
        let storage: NodeStorage
        let recovered: NodeStorage.Recovered
        do { (storage, recovered) = try NodeStorage.open(directory: raftDirectory) } catch {
            throw StartError(description: "data directory \(raftDirectory): \(error)")
        }
        for note in recovered.notes { logger.notice("recovery: \(note)") }

        var raftConfig = RaftConfig(id: config.nodeID, voters: config.initialVoters)
        raftConfig.electionTicks = config.electionTicks
        raftConfig.heartbeatTicks = config.heartbeatTicks
        raftConfig.canLead = config.canLead
        switch config.mode {
        case .stable: raftConfig.mode = .stable
        case .onDemand(let idle): raftConfig.mode = .onDemand(idleTicks: Int(min(idle / max(config.tickMillis, 1), UInt64(Int32.max))))
        }
        let raft = RaftNode(
            config: raftConfig, hardState: recovered.hardState, snapshot: recovered.snapshot, entries: recovered.entries, applied: 0)

        let policy = PlacementPolicy(metric: config.metric, maxReportAgeMillis: config.maxReportAgeMillis)
        let source: WorkloadSampler.Source
        if let text = config.injectedLoad {
            do { source = .injected(try InjectedLoad.parse(text, file: "load")) } catch {
                throw StartError(description: "load: \(error)")
            }
        } else if let file = config.injectedLoadFile {
            source = .injectedFile(file)
        } else {
            source = .measured(MonitorPaths.system(), hostCores: WorkloadSampler.onlineCores)
        }
        let sampler = WorkloadSampler(source: source, periodMillis: config.samplePeriodMillis, metric: config.metric)

        var settings = NodeCore.Settings(me: config.nodeID, mode: config.mode, tickMicros: config.tickMillis * 1000, policy: policy)
        settings.liePlacement = config.testLiePlacement
        if let gateway = config.gateway { settings.requestTimeoutMicros = gateway.requestTimeoutMillis * 1000 }
        // Known to the others by it only when it names one host (not a wildcard).
        if NodeConfigValidation.addressProblem(config.listen, wildcardAllowed: false) == nil { settings.ownAddress = listen }
        if case .sealed(let identity, _) = protection { settings.ownPublicKey = identity.publicKey }
        var core = NodeCore(settings: settings, raft: raft, sampler: sampler, roster: roster)
        core.wallOffsetMicros = Int64(bitPattern: WallClock.nowMicros() &- MonotonicClock.nowMicros())

        let engine: any ContainerEngine
        switch config.engine {
        case .dryRun: engine = DryRunEngine()
        case .process:
            do { engine = try ProcessEngine(dataDirectory: config.dataDirectory) } catch {
                throw StartError(description: "process engine: \(error)")
            }
        }

        var transport = TransportEndpoint.Configuration(
            id: config.nodeID, clusterID: config.clusterID, protection: protection, listen: listen, peers: peers)
        if let name = config.linkEmulation {
            guard let profile = LinkProfile.named(name) else {
                throw StartError(description: "link \(name) is not a profile (\(LinkProfile.all.map(\.name).joined(separator: ", ")))")
            }
            transport.emulation = LinkEmulator.Conditions(profile: profile)
        }
        let timestamps = TimestampStateFile(path: config.dataDirectory + "/handshake-timestamp")
        if !config.insecure {
            do { transport.sessions.timestampFloor = try timestamps.load() } catch {
                throw StartError(description: "\(timestamps.path): \(error)")
            }
            transport.timestampState = timestamps
        }
        let endpoint: TransportEndpoint
        do { endpoint = try TransportEndpoint(transport) } catch {
            var inUse = false
            if case .system(_, let code) = error, code == EADDRINUSE { inUse = true }
            throw StartError(description: "cannot listen on UDP \(config.listen): \(error)"
                + (inUse ? " — another process uses that port; stop it or choose another listen port" : ""))
        }
        for warning in endpoint.startupWarnings { logger.warning("\(warning)") }

        let daemon = NodeDaemon(
            core: core, clusterID: config.clusterID, storage: storage, endpoint: endpoint, engine: engine, logger: logger,
            phaseLog: PhaseLogFile(path: config.dataDirectory + "/phases.csv"), addresses: addresses,
            stopServicesOnExit: true)
        daemon.start()
        var running = RunningNode(daemon: daemon)
        if let gateway = config.gateway {
            let token: String
            do {
                token = try String(contentsOfFile: gateway.tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                daemon.stop()
                throw StartError(description: "gateway token-file \(gateway.tokenFile): \(error.localizedDescription)")
            }
            let server = ClientAPIServer(configuration: gateway, token: token, gateway: DaemonGateway(daemon: daemon), logger: logger)
            do {
                let port = try server.start()
                logger.notice("client API on port \(port)")
            } catch {
                daemon.stop()
                throw StartError(description: "client API: \(error)")
            }
            running.stopAPI = { server.stop() }
        }
        logger.notice("node \(config.nodeID) of cluster \(config.clusterID) listening on \(config.listen), mode \(config.mode), \(config.peers.count) peers, engine \(config.engine.rawValue)")
        return running
    }

    /// Blocks until SIGINT or SIGTERM.
    static func waitForTerminationSignal() {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let received = DispatchSemaphore(value: 0)
        let queue = DispatchQueue(label: "edgeraft.signals")
        let sources = [SIGINT, SIGTERM].map { number in
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { received.signal() }
            source.resume()
            return source
        }
        received.wait()
        sources.forEach { $0.cancel() }
    }
}
