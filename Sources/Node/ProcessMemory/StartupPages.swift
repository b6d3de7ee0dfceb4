#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// The code a node runs once at start (argument parsing, the YAML loader, key files, the
/// dynamic loader's relocation tables) stays mapped after it ran: clean pages of the
/// executable and its libraries, counted in the process's RSS for good although the idle
/// loop never touches them again. `release()` drops them from this process's mappings once
/// the node runs; they stay in the page cache (shared, reclaimable) and fault back in when
/// code on them runs. Only read-only, executable file mappings without a written page are
/// dropped: a written page (relocated data, a debugger's breakpoint) would lose its contents.
public enum StartupPages {
    public struct Mapping: Equatable, Sendable {
        public var start: UInt
        public var end: UInt
        public var path: String

        public init(start: UInt, end: UInt, path: String) {
            self.start = start
            self.end = end
            self.path = path
        }
    }

    /// The mappings of a `/proc/PID/smaps` text that are safe to drop: `r-xp` file
    /// mappings (a path from the root; not [vdso]) without anonymous (written) pages.
    public static func droppable(smaps text: String) -> [Mapping] {
        var result: [Mapping] = []
        var current: Mapping?
        var clean = true
        func finish() {
            if let mapping = current, clean { result.append(mapping) }
            current = nil
        }
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = fields.first else { continue }
            if !first.hasSuffix(":"), fields.count >= 5, let dash = first.firstIndex(of: "-") {
                // A mapping's header: "start-end perms offset dev inode [path]".
                finish()
                clean = true
                guard fields[1] == "r-xp", fields.count >= 6, fields[5].hasPrefix("/"),
                      let start = UInt(first[..<dash], radix: 16), let end = UInt(first[first.index(after: dash)...], radix: 16),
                      start < end
                else { continue }
                current = Mapping(start: start, end: end, path: fields[5...].joined(separator: " "))
            } else if current != nil, first == "Anonymous:" || first == "Swap:" {
                // A written page of a private file mapping is an anonymous copy — resident,
                // or swapped out (then only `Swap:` shows it). "Dirty" pages are not: they
                // are the page cache's, dirty while a freshly installed binary is not yet
                // written back.
                if fields.count < 2 || fields[1] != "0" { clean = false }
            }
        }
        finish()
        return result
    }

    /// Drops the droppable mappings of this process (MADV_DONTNEED); the bytes they span.
    @discardableResult
    public static func release(smapsPath: String = "/proc/self/smaps") -> Int {
        // smaps of a node is ≈ 50 KB; 4 MiB bounds a pathological one.
        guard let text = try? MonitorFiles.read(smapsPath, limit: 4 << 20) else { return 0 }
        var released = 0
        for mapping in droppable(smaps: text) {
            guard let address = UnsafeMutableRawPointer(bitPattern: mapping.start) else { continue }
            let length = Int(mapping.end - mapping.start)
            if madvise(address, length, MADV_DONTNEED) == 0 { released += length }
        }
        return released
    }

    /// `release()` once `seconds` after now, off the caller's thread: by then the node has
    /// loaded its configuration, opened its storage and started its loops.
    public static func releaseLater(seconds: Int) {
        DispatchQueue.global(qos: .utility).asyncAfter(deadline: .now() + .seconds(seconds)) { release() }
    }
}
