import CZlib

/// Raw deflate (RFC 1951, no zlib header or checksum: datagrams are authenticated already)
/// over the system zlib, with inflate bounded while it runs.
public enum Deflate {
    public static let defaultLevel: Int32 = 6

    /// Compresses `input` at `level` (1–9; out-of-range levels are clamped).
    /// Returns nil only if zlib cannot allocate its state.
    public static func compress(_ input: [UInt8], level: Int32 = defaultLevel) -> [UInt8]? {
        // zlib counts in 32 bits; batches are far smaller (WireLimits.maxBatchBytes).
        guard input.count < Int(UInt32.max / 2) else { return nil }
        var stream = z_stream()
        let clamped = min(max(level, 1), 9)
        guard deflateInit2_(
            &stream, clamped, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY,
            zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else { return nil }
        defer { deflateEnd(&stream) }

        let bound = Int(deflateBound(&stream, UInt(input.count)))
        var output = [UInt8](repeating: 0, count: bound)
        let status: Int32 = input.withUnsafeBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
                stream.avail_in = UInt32(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = UInt32(outBuf.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { return nil }
        output.removeLast(Int(stream.avail_out))
        return output
    }

    /// Inflates `input`, which must be one complete raw deflate stream producing at most
    /// `limit` bytes. Inflate stops as soon as the output would pass `limit`: a stream that
    /// expands further (a "zip bomb") costs at most `limit` + 1 bytes of memory.
    public static func inflate(_ input: UnsafeRawBufferPointer, limit: Int, at offset: Int = 0) throws(WireError) -> [UInt8] {
        // zlib counts in 32 bits; the wire limits keep both sides far below that.
        let maxSize = Int(UInt32.max / 2)
        guard limit >= 0, limit < maxSize else {
            throw WireError(.lengthOverLimit(length: UInt64(max(limit, 0)), limit: maxSize), at: offset, field: "inflate limit")
        }
        guard input.count < maxSize else {
            throw WireError(.lengthOverLimit(length: UInt64(input.count), limit: maxSize), at: offset, field: "deflate stream")
        }
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw WireError(.corruptCompressedData(code: Z_MEM_ERROR), at: offset, field: "deflate stream")
        }
        defer { inflateEnd(&stream) }

        // One byte past the limit tells "exactly at the limit" from "over it".
        var output = [UInt8](repeating: 0, count: limit + 1)
        let status: Int32 = output.withUnsafeMutableBufferPointer { outBuf in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
            stream.avail_in = UInt32(input.count)
            stream.next_out = outBuf.baseAddress
            stream.avail_out = UInt32(outBuf.count)
            return CZlib.inflate(&stream, Z_FINISH)
        }
        let produced = output.count - Int(stream.avail_out)
        if produced > limit {
            throw WireError(.inflateOverrun(limit: limit), at: offset, field: "deflate stream")
        }
        switch status {
        case Z_STREAM_END:
            if stream.avail_in != 0 {
                let consumed = input.count - Int(stream.avail_in)
                throw WireError(.trailingBytes(count: Int(stream.avail_in)), at: offset + consumed, field: "deflate stream")
            }
            output.removeLast(output.count - produced)
            return output
        case Z_BUF_ERROR, Z_OK:
            // All input consumed, room left, and no end of stream: the stream is cut short.
            throw WireError(.corruptCompressedData(code: Z_BUF_ERROR), at: offset + input.count, field: "deflate stream")
        default:
            throw WireError(.corruptCompressedData(code: status), at: offset, field: "deflate stream")
        }
    }

    public static func inflate(_ input: [UInt8], limit: Int) throws(WireError) -> [UInt8] {
        try input.withWireReader { (reader) throws(WireError) -> [UInt8] in
            try inflate(reader.readRaw("deflate stream", count: reader.remaining), limit: limit)
        }
    }
}
