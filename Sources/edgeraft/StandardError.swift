#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a line to standard error (file descriptor 2, written directly: the C `stderr`
/// global is shared mutable state that Swift 6 will not touch).
func printError(_ line: String, newline: Bool = true) {
    var bytes = Array((newline ? line + "\n" : line).utf8)
    _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
}
