/// Hexadecimal text for bytes typed or pasted by an operator.
public enum Hex {
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let position: Int
        public let reason: String
        public var description: String { "invalid hex at character \(position): \(reason)" }
    }

    /// Parses pairs of hex digits; spaces, newlines, colons and a leading "0x" are ignored.
    public static func parse(_ text: String) throws(ParseError) -> [UInt8] {
        var bytes: [UInt8] = []
        var high: UInt8?
        var body = Substring(text)
        var position = 0
        if body.hasPrefix("0x") || body.hasPrefix("0X") {
            body = body.dropFirst(2)
            position = 2
        }
        for scalar in body.unicodeScalars {
            defer { position += 1 }
            if scalar == " " || scalar == "\n" || scalar == "\t" || scalar == ":" || scalar == "\r" {
                guard high == nil else { throw ParseError(position: position, reason: "separator inside a byte") }
                continue
            }
            guard let nibble = nibble(scalar) else {
                throw ParseError(position: position, reason: "'\(scalar)' is not a hex digit")
            }
            if let h = high {
                bytes.append(h << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        guard high == nil else { throw ParseError(position: position, reason: "odd number of hex digits") }
        return bytes
    }

    public static func string(_ bytes: [UInt8]) -> String {
        let digits: [Character] = Array("0123456789abcdef")
        var out = ""
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return out
    }

    private static func nibble(_ scalar: Unicode.Scalar) -> UInt8? {
        switch scalar.value {
        case 0x30...0x39: UInt8(scalar.value - 0x30)
        case 0x41...0x46: UInt8(scalar.value - 0x41 + 10)
        case 0x61...0x66: UInt8(scalar.value - 0x61 + 10)
        default: nil
        }
    }
}
