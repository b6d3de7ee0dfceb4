import Node
import Testing

/// Dropping start-up pages: only read-only, executable file mappings without a written page
/// (resident or swapped out) qualify (a relocated or patched page would lose its contents); a binary whose page cache
/// is still dirty from its install does.
@Suite struct StartupPagesTests {
    static let smaps = """
        55d0a0000000-55d0a0400000 r-xp 00000000 fe:00 1234                       /usr/bin/edgeraft
        Size:               4096 kB
        Rss:                2048 kB
        Shared_Dirty:          0 kB
        Private_Dirty:         0 kB
        Anonymous:             0 kB
        VmFlags: rd ex mr mw me
        55d0a0400000-55d0a0500000 r--p 00400000 fe:00 1234                       /usr/bin/edgeraft
        Rss:                 512 kB
        Private_Dirty:       512 kB
        Anonymous:           512 kB
        55d0a0500000-55d0a0600000 rw-p 00500000 fe:00 1234                       /usr/bin/edgeraft
        Private_Dirty:         8 kB
        7f0000000000-7f0000200000 r-xp 00000000 fe:00 99                         /lib/x86_64-linux-gnu/libc.so.6
        Private_Dirty:         4 kB
        Anonymous:             4 kB
        7f0000300000-7f0000400000 r-xp 00000000 fe:00 100                        /lib/with a space.so
        Shared_Dirty:        900 kB
        Private_Dirty:        64 kB
        Anonymous:             0 kB
        7f0000380000-7f0000390000 r-xp 00000000 fe:00 101                        /lib/swapped.so
        Anonymous:             0 kB
        Swap:                  4 kB
        7f0000400000-7f0000401000 r-xp 00000000 00:00 0                          [vdso]
        Private_Dirty:         0 kB
        7f0000500000-7f0000600000 r-xp 00000000 00:00 0
        Private_Dirty:         0 kB
        """

    @Test func onlyCleanExecutableFileMappingsAreDropped() {
        #expect(StartupPages.droppable(smaps: Self.smaps) == [
            StartupPages.Mapping(start: 0x55d0_a000_0000, end: 0x55d0_a040_0000, path: "/usr/bin/edgeraft"),
            StartupPages.Mapping(start: 0x7f00_0030_0000, end: 0x7f00_0040_0000, path: "/lib/with a space.so"),
        ])
        #expect(StartupPages.droppable(smaps: "") == [])
        #expect(StartupPages.droppable(smaps: "zz-55 r-xp 0 fe:00 1 /x\nffff-0001 r-xp 0 fe:00 1 /y\n") == [])
    }

    /// In this very process: the test binary's code pages go and fault back in, and it
    /// keeps running (the call after the release is code on a dropped page).
    @Test func releasingThisProcessKeepsItRunning() {
        let released = StartupPages.release()
        #expect(released > 0)
        #expect(StartupPages.droppable(smaps: Self.smaps).count == 2)
    }
}
