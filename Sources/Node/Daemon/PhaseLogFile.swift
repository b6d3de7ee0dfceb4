#if canImport(Glibc)
import Glibc
#endif
import ClientAPI
import Logging
import Wire

/// `<data-dir>/phases.csv`: one line per request this gateway answered, with its eight
/// phases (and the pre-vote round) in microseconds. Measurement data: appended, not fsynced.
public final class PhaseLogFile: @unchecked Sendable {
    public static let header = "unix_micros,request_id,service,node,log_index,"
        + PhaseTable().rows.map(\.name).joined(separator: ",")

    public let path: String
    private var failed = false

    public init(path: String) {
        self.path = path
    }

    func append(requestID: UInt64, service: String, node: NodeID, logIndex: UInt64, phases: PhaseTable, logger: Logger) {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        let unixMicros = UInt64(max(spec.tv_sec, 0)) * 1_000_000 + UInt64(max(spec.tv_nsec, 0)) / 1000
        // Service names are [a-z0-9_.-] (validated before any decision), so no quoting is needed.
        let line = "\(unixMicros),\(requestID),\(service),\(node),\(logIndex)," + phases.rows.map { String($0.micros) }.joined(separator: ",") + "\n"
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            if !failed { logger.warning("cannot append to \(path) (errno \(errno)); phase timings are not recorded") }
            failed = true
            return
        }
        defer { close(fd) }
        var text = line
        var info = stat()
        if fstat(fd, &info) == 0 && info.st_size == 0 { text = Self.header + "\n" + line }
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }
}
