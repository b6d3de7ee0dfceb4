#if canImport(Wire)
import Wire
#endif

/// The compressed-batch path: two bytes of declared length, then a deflate stream that
/// inflate must bound and the batch decoder must parse or reject.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBatch(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if case .notCanonical(let violation) = DecodeCheck.compressedBatch(bytes) {
        fatalError("decode check: \(violation)")
    }
    return 0
}
