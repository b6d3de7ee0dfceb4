import Testing
import Wire
@testable import Raft
import RaftSimulation

/// The simulated disk keeps exactly what was made durable, and may keep a prefix of the rest.
@Suite struct SimulatedFileSystemTests {
    @Test(arguments: Array(UInt64(1)...16))
    func aCrashKeepsWhatWasSyncedAndAtMostAPrefixOfTheRest(seed: UInt64) throws {
        let fs = SimulatedFileSystem(seed: seed)
        try fs.makeDirectory("/d")
        try fs.syncDirectory("/")
        let file = try fs.openForAppend("/d/a")
        try file.append([1, 2, 3])
        try file.sync()
        try fs.syncDirectory("/d")
        try file.append([4, 5, 6, 7])
        let unnamed = try fs.openForAppend("/d/b")
        try unnamed.append([9])
        try unnamed.sync()
        fs.crash()
        let a = try #require(try fs.readAll("/d/a", limit: .max))
        #expect(Array(a.prefix(3)) == [1, 2, 3])
        // Of the unsynced append, a prefix survives, perhaps followed by at most 16 bytes of garbage.
        let rest = Array(a.dropFirst(3))
        let prefix = zip(rest, [4, 5, 6, 7] as [UInt8]).prefix { $0 == $1 }.count
        #expect(rest.count - prefix <= 16)
        #expect(rest.count == prefix || prefix < 4, "garbage only after a torn write")
        // A name never made durable may be gone; if it is there, its synced bytes are too.
        if let b = try fs.readAll("/d/b", limit: .max) { #expect(b == [9]) }
        #expect(throws: StorageError.self) { try file.append([8]) }
    }

    @Test func aRenameNotMadeDurableCanBeLostButNeverHalfDone() throws {
        var lost = 0
        for seed in UInt64(1)...32 {
            let fs = SimulatedFileSystem(seed: seed)
            try fs.writeAtomically([1], to: "/f", directory: "/")
            let tmp = try fs.openForAppend("/f.tmp")
            try tmp.append([2])
            try tmp.sync()
            try fs.rename("/f.tmp", to: "/f")
            fs.crash()
            let f = try fs.readAll("/f", limit: .max)
            #expect(f == [1] || f == [2])
            if f == [1] { lost += 1 }
        }
        #expect(lost > 0 && lost < 32, "the unsynced rename is sometimes lost, sometimes kept")
    }

    @Test func anArmedCrashStopsEveryCallUntilThePowerComesBack() throws {
        let fs = SimulatedFileSystem(seed: 5)
        let file = try fs.openForAppend("/x")
        fs.crashCountdown = 1
        try file.append([1])
        #expect(throws: StorageError.self) { try file.sync() }
        #expect(fs.isCrashed)
        #expect(throws: StorageError.self) { try fs.list("/") }
        fs.crash()
        #expect(!fs.isCrashed)
        #expect(try fs.list("/").count <= 1)
    }
}
