import Testing
import Transport

@Suite struct TransportDefaultsTests {
    @Test func sealedDatagramOverheadIsHeaderPlusTag() {
        #expect(TransportDefaults.overheadBytes == 28)
        // The default payload budget plus overhead must fit a 1280-byte IPv6 minimum MTU
        // minus IPv6 and UDP headers (48 bytes).
        #expect(TransportDefaults.payloadBudget + TransportDefaults.overheadBytes <= 1280 - 48)
    }
}
