import NetworkModel
import Testing
import Wire
@testable import Raft
import RaftSimulation

/// A node's storage crashed at every mutating file-system call of a history (appends,
/// overwritten suffixes, compactions, received snapshots, segment rolls and deletions),
/// with the simulated disk losing or tearing whatever was not durable: recovery always
/// succeeds and keeps everything acknowledged.
@Suite struct StorageCrashPointTests {
    typealias T = WriteAheadLogTests

    enum Op {
        case persist(HardState, [Entry])
        case compact(Snapshot)
        case install(Snapshot, HardState)
    }

    /// What the node holds after the acknowledged calls.
    struct Model {
        var hardState = HardState()
        var base = LogPosition.zero
        var entries: [Entry] = []
        var lastIndex: UInt64 { entries.last?.index ?? base.index }

        mutating func apply(_ op: Op) {
            switch op {
            case .persist(let hs, let new):
                hardState = hs
                if let first = new.first { entries = entries.filter { $0.index < first.index } + new }
            case .compact(let snapshot):
                base = snapshot.position
                entries.removeAll { $0.index <= base.index }
            case .install(let snapshot, let hs):
                base = snapshot.position
                entries = []
                hardState = hs
            }
        }
    }

    static func history(seed: UInt64) -> [Op] {
        var rng = SeededRandom(seed: seed)
        var model = Model()
        var ops: [Op] = []
        var term: UInt64 = 1
        for step in 0..<30 {
            let last = model.lastIndex
            let commit = model.hardState.commit
            let op: Op
            switch rng.next() % 6 {
            case 0, 1, 2:
                op = .persist(HardState(term: term, vote: NodeID(term % 3 + 1), commit: commit), T.entries((last + 1)...(last + 1 + rng.next() % 4), term: term, size: 30))
            case 3:
                guard last > commit + 1 else { continue }
                term += 1
                let from = commit + 1 + rng.next() % (last - commit)
                op = .persist(HardState(term: term, vote: NodeID(term % 3 + 1), commit: commit), T.entries(from...(from + rng.next() % 3), term: term, size: 30))
            case 4:
                guard last > model.base.index else { continue }
                let through = model.base.index + 1 + rng.next() % (last - model.base.index)
                let position = LogPosition(index: through, term: model.entries.first { $0.index == through }?.term ?? 0)
                ops.append(.persist(HardState(term: term, vote: NodeID(term % 3 + 1), commit: max(commit, through)), []))
                model.apply(ops[ops.count - 1])
                op = .compact(Snapshot(position: position, membership: Membership(voters: [1, 2, 3]), data: [UInt8(step)]))
            default:
                term += 1
                let position = LogPosition(index: last + 1 + rng.next() % 5, term: term)
                op = .install(Snapshot(position: position, membership: Membership(voters: [1, 2, 3]), data: [UInt8(step)]),
                              HardState(term: term, vote: nil, commit: position.index))
            }
            ops.append(op)
            model.apply(op)
        }
        return ops
    }

    static let options = WriteAheadLog.Options(segmentBytes: 300)

    /// Runs `ops` until one fails; returns the model of what was acknowledged and the op in flight.
    static func run(_ ops: [Op], on fs: SimulatedFileSystem) throws -> (Model, Op?) {
        var model = Model()
        let storage: NodeStorage
        do {
            (storage, _) = try NodeStorage.open(directory: "/node", options: options, fileSystem: fs)
        } catch {
            return (model, nil)
        }
        for op in ops {
            do {
                switch op {
                case .persist(let hs, let entries):
                    var ready = Ready()
                    ready.hardState = hs
                    ready.entriesToPersist = entries
                    try storage.persist(ready)
                case .compact(let snapshot):
                    try storage.saveSnapshot(snapshot)
                case .install(let snapshot, let hs):
                    var ready = Ready()
                    ready.snapshotToInstall = snapshot
                    ready.hardState = hs
                    try storage.persist(ready)
                }
            } catch {
                return (model, op)
            }
            model.apply(op)
        }
        return (model, nil)
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func recoveryKeepsWhatWasAcknowledgedAfterACrashAtEveryCall(seed: UInt64) throws {
        let ops = Self.history(seed: seed)
        let clean = SimulatedFileSystem(seed: seed)
        _ = try Self.run(ops, on: clean)
        let calls = clean.mutatingCalls
        #expect(calls > 100)
        for point in 0..<calls {
            let fs = SimulatedFileSystem(seed: seed &* 1000 &+ UInt64(point))
            fs.crashCountdown = point
            let (acked, inFlight) = try Self.run(ops, on: fs)
            fs.crash()
            let recovered: NodeStorage.Recovered
            do {
                (_, recovered) = try NodeStorage.open(directory: "/node", options: Self.options, fileSystem: fs)
            } catch {
                Issue.record("crash at call \(point): recovery failed: \(error)")
                continue
            }
            let hs = recovered.hardState
            #expect(hs.term >= acked.hardState.term, "crash at call \(point)")
            if hs.term == acked.hardState.term, let vote = acked.hardState.vote { #expect(hs.vote == vote, "crash at call \(point)") }
            let base = recovered.snapshot?.position ?? .zero
            #expect(base.index >= acked.base.index, "crash at call \(point)")
            // Entries the call in flight may have replaced are not checked.
            var checkedThrough = acked.lastIndex
            switch inFlight {
            case .persist(_, let entries)?: if let first = entries.first { checkedThrough = min(checkedThrough, first.index - 1) }
            case .install?: checkedThrough = min(checkedThrough, base.index)
            default: break
            }
            for entry in acked.entries where entry.index > base.index && entry.index <= checkedThrough {
                let index = Int(entry.index - base.index - 1)
                #expect(index < recovered.entries.count && recovered.entries[index] == entry, "crash at call \(point): entry \(entry.index)")
            }
        }
    }
}
