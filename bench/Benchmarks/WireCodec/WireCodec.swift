import Benchmark
import BenchSupport
import Wire

/// Encode and decode of each message kind (time and allocations), and deflate/inflate of
/// a 64-entry batch. Encoders write into one reused buffer, as Transport will.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .edgeRaft

    for (name, message) in Samples.messages {
        var bytes: [UInt8] = []
        message.encodeFrame(into: &bytes)
        let encoded = bytes

        Benchmark("encode \(name)") { benchmark in
            var buffer: [UInt8] = []
            buffer.reserveCapacity(4096)
            for _ in benchmark.scaledIterations {
                buffer.removeAll(keepingCapacity: true)
                message.encodeFrame(into: &buffer)
                blackHole(buffer.count)
            }
        }

        Benchmark("decode \(name)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try? Payload.decodeSingle(encoded))
            }
        }
    }

    let batch = Samples.batch64
    let raw = Samples.rawBatch64
    let policy = BatchCompression()
    var compressedFrame: [UInt8] = []
    batch.encodeFrame(into: &compressedFrame, compression: policy)
    let deflated = Deflate.compress(raw) ?? []

    Benchmark("deflate 64-entry batch (\(raw.count) B)", configuration: .init(scalingFactor: .one)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(Deflate.compress(raw))
        }
    }

    Benchmark("inflate 64-entry batch (\(deflated.count) B)", configuration: .init(scalingFactor: .one)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try? Deflate.inflate(deflated, limit: raw.count))
        }
    }

    Benchmark("decode 64-entry compressed append", configuration: .init(scalingFactor: .one)) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try? Payload.decodeSingle(compressedFrame))
        }
    }
}
