#if canImport(Wire)
import Wire
#endif

/// Every input is decoded as a datagram, as a payload of frames and as each log entry
/// payload; whatever decodes must re-encode to the same bytes. A violation traps, which
/// libFuzzer reports as a crash with the input saved.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWire(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let violation = DecodeCheck.firstViolation(DecodeCheck.all(bytes)) {
        fatalError("decode check: \(violation)")
    }
    return 0
}
