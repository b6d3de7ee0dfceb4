import Crypto
import Foundation

#if canImport(CCryptoBoringSSL) && !EDGERAFT_PUBLIC_CHACHAPOLY
// swift-crypto's own build of BoringSSL (not a declared product of the package, so it is
// reached only when the module is there; the fallback below uses the public API, and
// `-Xswiftc -DEDGERAFT_PUBLIC_CHACHAPOLY` selects it on purpose, as CI does once).
// Why: the public `ChaChaPoly` creates an AEAD context and several `Data` buffers per
// call, ≈ 1.5 µs per 90-byte datagram here, seven times the 0.2 µs the cipher itself
// takes; a datagram round trip seals and opens four times (bench/RESULTS.md).
import CCryptoBoringSSL
#endif

/// ChaCha20-Poly1305 (RFC 8439) with one key, working in place on datagram buffers:
/// the bytes before `start` are the associated data, the bytes from `start` on are
/// encrypted where they lie and the 16-byte tag follows them.
///
/// Safe to use from several threads at once (BoringSSL's seal and open take the context
/// as constant).
public final class ChaChaPolyAEAD: @unchecked Sendable {
    public static let nonceSize = 12
    public static let tagSize = 16

    /// Which implementation this build uses, for benchmark reports.
    #if canImport(CCryptoBoringSSL) && !EDGERAFT_PUBLIC_CHACHAPOLY
    public static let implementation = "BoringSSL EVP_AEAD via swift-crypto, context kept per key"
    #else
    public static let implementation = "swift-crypto ChaChaPoly"
    #endif

    #if canImport(CCryptoBoringSSL) && !EDGERAFT_PUBLIC_CHACHAPOLY
    /// Holds the key; set up once, read-only afterwards.
    private let context: UnsafeMutablePointer<EVP_AEAD_CTX>
    #else
    private let key: SymmetricKey
    #endif

    /// Nil unless `key` has 32 bytes.
    init?(key: SymmetricKey) {
        guard key.bitCount == 256 else { return nil }
        #if canImport(CCryptoBoringSSL) && !EDGERAFT_PUBLIC_CHACHAPOLY
        let context = UnsafeMutablePointer<EVP_AEAD_CTX>.allocate(capacity: 1)
        CCryptoBoringSSL_EVP_AEAD_CTX_zero(context)
        let initialised = key.withUnsafeBytes { raw in
            CCryptoBoringSSL_EVP_AEAD_CTX_init(
                context, CCryptoBoringSSL_EVP_aead_chacha20_poly1305(),
                raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count, Self.tagSize, nil)
        }
        guard initialised == 1 else {
            context.deallocate()
            return nil
        }
        self.context = context
        #else
        self.key = key
        #endif
    }

    /// Nil unless there are 32 bytes.
    public convenience init?(keyBytes: [UInt8]) {
        guard keyBytes.count == 32 else { return nil }
        self.init(key: SymmetricKey(data: keyBytes))
    }

    deinit {
        #if canImport(CCryptoBoringSSL) && !EDGERAFT_PUBLIC_CHACHAPOLY
        CCryptoBoringSSL_EVP_AEAD_CTX_cleanup(context)
        context.deallocate()
        #endif
    }

    /// Encrypts `buffer[start...]` in place, authenticating `buffer[..<start]` too, and
    /// appends the tag. Returns false (buffer unspecified) only if the cipher failed.
    public func seal(_ buffer: inout [UInt8], from start: Int, nonce: Nonce) -> Bool {
        guard start >= 0 && start <= buffer.count else { return false }
        #if canImport(CCryptoBoringSSL) && !EDGERAFT_PUBLIC_CHACHAPOLY
        let plaintextCount = buffer.count - start
        buffer.append(contentsOf: Self.zeroTag)
        var written = 0
        let sealed = nonce.withBytes { nonceBytes in
            buffer.withUnsafeMutableBufferPointer { all in
                guard let base = all.baseAddress else { return Int32(0) }
                return CCryptoBoringSSL_EVP_AEAD_CTX_seal(
                    context, base + start, &written, plaintextCount + Self.tagSize,
                    nonceBytes.baseAddress, nonceBytes.count,
                    base + start, plaintextCount, base, start)
            }
        }
        return sealed == 1 && written == plaintextCount + Self.tagSize
        #else
        guard let chachaNonce = nonce.withBytes({ try? ChaChaPoly.Nonce(data: $0) }),
              let box = try? ChaChaPoly.seal(buffer[start...], using: key, nonce: chachaNonce, authenticating: buffer[..<start])
        else { return false }
        buffer.replaceSubrange(start..., with: box.ciphertext)
        buffer.append(contentsOf: box.tag)
        return true
        #endif
    }

    /// Verifies the tag at the end of `buffer` over `buffer[..<start]` and the ciphertext
    /// `buffer[start..<count - 16]`, decrypts the ciphertext in place and removes the tag.
    /// Returns false if the datagram is not authentic (the buffer is then unspecified).
    public func open(_ buffer: inout [UInt8], from start: Int, nonce: Nonce) -> Bool {
        guard start >= 0, buffer.count - start >= Self.tagSize else { return false }
        let sealedCount = buffer.count - start
        #if canImport(CCryptoBoringSSL) && !EDGERAFT_PUBLIC_CHACHAPOLY
        var written = 0
        let opened = nonce.withBytes { nonceBytes in
            buffer.withUnsafeMutableBufferPointer { all in
                guard let base = all.baseAddress else { return Int32(0) }
                return CCryptoBoringSSL_EVP_AEAD_CTX_open(
                    context, base + start, &written, sealedCount,
                    nonceBytes.baseAddress, nonceBytes.count,
                    base + start, sealedCount, base, start)
            }
        }
        guard opened == 1, written == sealedCount - Self.tagSize else { return false }
        buffer.removeLast(Self.tagSize)
        return true
        #else
        let tagStart = buffer.count - Self.tagSize
        guard let chachaNonce = nonce.withBytes({ try? ChaChaPoly.Nonce(data: $0) }),
              let box = try? ChaChaPoly.SealedBox(nonce: chachaNonce, ciphertext: buffer[start..<tagStart], tag: buffer[tagStart...]),
              let plain = try? ChaChaPoly.open(box, using: key, authenticating: buffer[..<start])
        else { return false }
        buffer.replaceSubrange(start..., with: plain)
        return true
        #endif
    }

    private static let zeroTag = [UInt8](repeating: 0, count: tagSize)

    /// A 96-bit nonce, kept inline rather than in an array.
    public struct Nonce: Sendable, Equatable {
        private var storage: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)

        /// The nonce made of these bytes; nil unless there are 12.
        public init?(_ bytes: [UInt8]) {
            guard bytes.count == ChaChaPolyAEAD.nonceSize else { return nil }
            storage = (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5],
                       bytes[6], bytes[7], bytes[8], bytes[9], bytes[10], bytes[11])
        }

        /// The nonce whose first 8 bytes are `leading` and last 4 are `trailing`, both
        /// little-endian (the datagram header's byte order).
        public init(leading: UInt64, trailing: UInt32) {
            func byte<T: FixedWidthInteger>(_ value: T, _ index: Int) -> UInt8 { UInt8(truncatingIfNeeded: value >> (8 * index)) }
            storage = (byte(leading, 0), byte(leading, 1), byte(leading, 2), byte(leading, 3), byte(leading, 4), byte(leading, 5),
                       byte(leading, 6), byte(leading, 7), byte(trailing, 0), byte(trailing, 1), byte(trailing, 2), byte(trailing, 3))
        }

        /// Noise's transport nonce (revision 34, §12.3): four zero bytes, then the counter as
        /// 64 bits little-endian.
        public init(counter: UInt64) {
            self.init(leading: counter << 32, trailing: UInt32(truncatingIfNeeded: counter >> 32))
        }

        public var bytes: [UInt8] { withBytes { Array($0) } }

        public static func == (a: Nonce, b: Nonce) -> Bool { a.bytes == b.bytes }

        func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
            var copy = storage
            return withUnsafeBytes(of: &copy) { body($0.bindMemory(to: UInt8.self)) }
        }
    }
}
