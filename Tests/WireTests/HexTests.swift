import Testing
@testable import Wire

@Suite struct HexTests {
    @Test func hexParsingAcceptsSeparatorsAndRejectsJunk() throws {
        #expect(try Hex.parse("0x0a ff:10\n") == [0x0A, 0xFF, 0x10])
        #expect(throws: Hex.ParseError(position: 1, reason: "'g' is not a hex digit")) { try Hex.parse("ag") }
        #expect(throws: Hex.ParseError(position: 3, reason: "odd number of hex digits")) { try Hex.parse("abc") }
        #expect(throws: Hex.ParseError(position: 1, reason: "separator inside a byte")) { try Hex.parse("a b") }
    }

    @Test func roundTrips() throws {
        let bytes: [UInt8] = Array(0...255)
        #expect(try Hex.parse(Hex.string(bytes)) == bytes)
    }
}
