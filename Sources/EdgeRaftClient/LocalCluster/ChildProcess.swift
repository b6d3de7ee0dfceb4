#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A child started in a process group of its own (so a terminal's Ctrl-C does not reach it
/// and one signal reaches everything it forks), stdin from /dev/null, stdout and stderr
/// appended to a log file.
public struct ChildProcess: Equatable, Sendable {
    public let pid: Int32

    public enum SpawnError: Error, Equatable, CustomStringConvertible {
        case failed(program: String, reason: String)

        public var description: String {
            switch self {
            case .failed(let program, let reason): "cannot start \(program): \(reason)"
            }
        }
    }

    public init(pid: Int32) { self.pid = pid }

    public static func spawn(_ arguments: [String], logPath: String, environment: [String]? = nil) throws(SpawnError) -> ChildProcess {
        guard let program = arguments.first else { throw .failed(program: "", reason: "no program") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else of ours: a node must not hold the CLI's sockets, and a long-lived
        // child holding a file some thread had open for writing makes exec of it ETXTBSY.
        _ = closeFrom?(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Our own blocked or ignored signals (a demo ignores SIGINT to clean up) must not
        // be inherited: a node has to die of SIGTERM.
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var pid: pid_t = 0
        let environment = environment ?? ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
        var status: Int32 = 0
        // ETXTBSY: another thread of ours forked while the executable was open for writing
        // (a script just written, a binary just linked); that copy closes at its exec.
        for attempt in 0..<20 {
            status = withCStrings(arguments) { argv in
                withCStrings(environment) { envp in posix_spawnp(&pid, program, &actions, &attributes, argv, envp) }
            }
            guard status == ETXTBSY, attempt < 19 else { break }
            usleep(10_000)
        }
        guard status == 0 else { throw .failed(program: program, reason: String(cString: strerror(status))) }
        return ChildProcess(pid: pid)
    }

    /// Signals the child's whole process group.
    @discardableResult
    public func signalGroup(_ signal: Int32) -> Bool { kill(-pid, signal) == 0 }

    /// The child's exit if it has ended (and reaps it); nil while it runs. Only for our own
    /// children.
    public func exitStatusIfEnded() -> ExitStatus? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid { return ExitStatus(waitStatus: status) }
        // ECHILD: reaped already or not ours; either way it no longer runs as our child.
        if result < 0 { return .unknown }
        return nil
    }

    public enum ExitStatus: Equatable, Sendable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)
        case unknown

        init(waitStatus status: Int32) {
            // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import as macros.
            if status & 0x7f == 0 { self = .exited((status >> 8) & 0xff) } else { self = .signalled(status & 0x7f) }
        }

        public var description: String {
            switch self {
            case .exited(let code): "exited with status \(code)"
            case .signalled(let signal): "was killed by signal \(signal)"
            case .unknown: "is gone"
            }
        }
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), which Swift's Glibc module
    /// does not export (it is behind `_GNU_SOURCE`); nil on a libc without it.
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32
    private static let closeFrom: AddCloseFrom? = {
        // RTLD_DEFAULT is the null handle on glibc.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()

    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        pointers.append(nil)
        defer { for pointer in pointers { free(pointer) } }
        return body(pointers)
    }
}
