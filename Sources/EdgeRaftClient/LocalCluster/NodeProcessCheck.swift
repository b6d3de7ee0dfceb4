#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Whether a recorded pid still is the node `cluster up` started, before `cluster down`
/// signals it: pids are reused, and a stranger must never be killed.
public enum NodeProcessCheck {
    /// True when `cmdline` (as `/proc/PID/cmdline`: arguments ending in NUL) ends with
    /// `node --config CONFIG` right after an argument whose file name is `edgeraft` (the
    /// executable itself, or a script of that name run by an interpreter).
    public static func isNode(cmdline: [UInt8], configPath: String) -> Bool {
        var arguments = cmdline.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        if arguments.last == "" { arguments.removeLast() }
        guard arguments.count >= 4 else { return false }
        let tail = Array(arguments.suffix(4))
        let program = tail[0].split(separator: "/").last.map(String.init) ?? ""
        return program == "edgeraft" && tail[1] == "node" && tail[2] == "--config" && tail[3] == configPath
    }

    /// `/proc/PID/cmdline`, nil if the process is gone or unreadable.
    public static func cmdline(of pid: Int32) -> [UInt8]? {
        guard pid > 0, let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
        return Array(data.prefix(64 * 1024))
    }

    /// True when no process has this pid any more, or only its zombie (which no signal
    /// reaches; a zombie child of ours is reaped here).
    public static func isGone(_ pid: Int32) -> Bool {
        guard pid > 0 else { return true }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { return true }
        if kill(pid, 0) != 0 && errno == ESRCH { return true }
        guard let stat = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return true }
        // The state follows the command name's closing parenthesis: "PID (comm) S …".
        guard let close = stat.lastIndex(of: UInt8(ascii: ")")), stat.index(close, offsetBy: 2) < stat.endIndex else { return false }
        let state = stat[stat.index(close, offsetBy: 2)]
        return state == UInt8(ascii: "Z") || state == UInt8(ascii: "X")
    }
}
