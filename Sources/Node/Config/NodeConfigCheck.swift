import Wire

/// `edgeraft node --check-config`: load, validate and compare with the data directory's
/// record, writing nothing. Also the first step of a real start, which then records the
/// identity (`DataDirectoryIdentity.recordOrVerify`).
public struct NodeConfigCheck: Sendable {
    /// nil when the file and flags did not give a complete configuration.
    public var config: NodeConfig?
    public var errors: [ConfigError]
    public var warnings: [ConfigWarning]
    /// The data directory's state when nothing else was wrong with it.
    public var dataDirectory: DataDirectoryIdentity.Status?

    public var succeeded: Bool { config != nil && errors.isEmpty }

    var configFile: String?
    var overrides = NodeConfigOverrides()

    /// Each error as printed: a problem found after loading starts with where its
    /// setting came from (the flag that set it, else the file).
    public var messages: [String] {
        errors.map { error in
            guard let key = error.settingKey, let source = Self.source(ofKey: key, file: configFile, overrides: overrides) else { return error.description }
            return "\(source): \(error.description)"
        }
    }

    static func source(ofKey key: String, file: String?, overrides: NodeConfigOverrides) -> String? {
        let given = Set(overrides.byKeyPath.map(\.key))
        if given.contains(key) { return "flag --" + NodeConfigKeys.flagName(key) }
        if key.hasPrefix("peers["), given.contains("peers") { return "flag --peer" }
        return file
    }

    public static func run(configFile: String?, overrides: NodeConfigOverrides) -> NodeConfigCheck {
        let config: NodeConfig
        do {
            config = try NodeConfigLoader.load(file: configFile, overrides: overrides)
        } catch {
            return NodeConfigCheck(config: nil, errors: error.errors, warnings: [], dataDirectory: nil, configFile: configFile, overrides: overrides)
        }
        let report = NodeConfigValidation.validate(config)
        var errors = report.errors
        var status: DataDirectoryIdentity.Status?
        do {
            status = try DataDirectoryIdentity.check(
                dataDirectory: config.dataDirectory,
                expected: DataDirectoryIdentity(clusterID: config.clusterID, nodeID: config.nodeID))
        } catch {
            errors.append(.dataDirectory(error))
        }
        return NodeConfigCheck(config: config, errors: errors, warnings: report.warnings, dataDirectory: status, configFile: configFile, overrides: overrides)
    }
}
