import ClientAPI
import Foundation
import Node
import Testing
import Wire

/// The deploy body's rules (docs/node.md, "Client API"): each accepted at its edge and
/// refused one step past it, naming the field.
@Suite struct DeployBodyValidationTests {
    static let fixedID: UInt64 = 4242

    func validate(_ body: DeployBody, drawID: () -> UInt64 = { DeployBodyValidationTests.fixedID }) -> Result<DeployRequest, GatewayError> {
        DeployBodyValidation.validate(body, drawID: drawID)
    }

    func body(
        name: String = "web", image: String = "nginx:1.27", command: [String]? = nil, env: [String]? = nil,
        ports: [String]? = nil, cpu: Double? = nil, memory: String? = nil, requestId: String? = nil
    ) -> DeployBody {
        DeployBody(name: name, image: image, command: command, env: env, ports: ports, cpu: cpu, memory: memory, requestId: requestId)
    }

    func accepted(_ body: DeployBody, sourceLocation: SourceLocation = #_sourceLocation) -> DeployRequest? {
        switch validate(body) {
        case .success(let request): return request
        case .failure(let error):
            Issue.record("refused: \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    func refusedField(_ body: DeployBody) -> String? {
        if case .failure(.invalid(let field, _)) = validate(body) { return field }
        return nil
    }

    /// The process engine runs the request's command: without one the gateway answers 400
    /// naming the field, and nothing goes to consensus; the dry-run engine needs none.
    @Test func anEngineThatRunsACommandNeedsOne() {
        for command in [nil, [], [""]] as [[String]?] {
            let result = DeployBodyValidation.validate(body(command: command), commandRequired: true, drawID: { Self.fixedID })
            guard case .failure(.invalid(let field, let message)) = result else {
                Issue.record("accepted without a command: \(String(describing: command))")
                continue
            }
            #expect(field == "command")
            #expect(message.contains("process engine"))
        }
        #expect(accepted(body(command: nil)) != nil)
        if case .failure(let error) = DeployBodyValidation.validate(body(command: ["/bin/web"]), commandRequired: true, drawID: { Self.fixedID }) {
            Issue.record("refused with a command: \(error)")
        }
    }

    @Test func aFullBodyBecomesTheRequest() throws {
        let request = try #require(accepted(body(
            name: "web-1", image: "registry.local/web:2", command: ["/bin/web", "--port", "80"], env: ["MODE=prod", "EMPTY="],
            ports: ["8080:80", "5353:53/udp"], cpu: 0.5, memory: "128Mi", requestId: "77")))
        #expect(request == DeployRequest(
            requestID: 77, service: "web-1", image: "registry.local/web:2", command: ["/bin/web", "--port", "80"],
            environment: [KeyValue("MODE", "prod"), KeyValue("EMPTY", "")],
            ports: [PortMapping(containerPort: 80, hostPort: 8080), PortMapping(containerPort: 53, hostPort: 5353, proto: .udp)],
            cpuMillicores: 500, memoryMiB: 128))
    }

    @Test func names() {
        #expect(accepted(body(name: String(repeating: "a", count: 63)))?.service.count == 63)
        #expect(accepted(body(name: "0.a_b-c")) != nil)
        for bad in ["", String(repeating: "a", count: 64), "Web", "-web", "a/b", "a b"] {
            #expect(refusedField(body(name: bad)) == "name", "\(bad)")
        }
    }

    @Test func images() {
        #expect(accepted(body(image: String(repeating: "i", count: 255))) != nil)
        #expect(accepted(body(image: "!~")) != nil)
        for bad in ["", String(repeating: "i", count: 256), "nginx latest", "nginx\u{7}", "nginx\n", "nginx:é"] {
            #expect(refusedField(body(image: bad)) == "image", "\(bad.debugDescription)")
        }
    }

    @Test func commands() {
        let longest = String(repeating: "x", count: 1024)
        #expect(accepted(body(command: Array(repeating: "a", count: 64)))?.command.count == 64)
        #expect(accepted(body(command: [longest, ""]))?.command == [longest, ""])
        #expect(refusedField(body(command: Array(repeating: "a", count: 65))) == "command")
        #expect(refusedField(body(command: ["ok", longest + "x"])) == "command[1]")
        #expect(refusedField(body(command: ["a\u{0}b"])) == "command[0]")
    }

    @Test func environment() {
        #expect(accepted(body(env: (0..<64).map { "K\($0)=v" }))?.environment.count == 64)
        #expect(accepted(body(env: ["_=x", "a1_B=x=y", "EDGERAFT=1", "edgeraft_x=1"]))?.environment
            == [KeyValue("_", "x"), KeyValue("a1_B", "x=y"), KeyValue("EDGERAFT", "1"), KeyValue("edgeraft_x", "1")])
        #expect(accepted(body(env: ["V=" + String(repeating: "v", count: 4096)])) != nil)
        #expect(accepted(body(env: [String(repeating: "K", count: 253) + "=v"])) != nil)
        #expect(refusedField(body(env: (0..<65).map { "K\($0)=v" })) == "env")
        for bad in ["NOEQUALS", "=v", "1A=v", "A-B=v", "A B=v", "EDGERAFT_NODE=3", "V=a\u{0}",
                    "V=" + String(repeating: "v", count: 4097), String(repeating: "K", count: 254) + "=v"] {
            #expect(refusedField(body(env: ["OK=1", bad])) == "env[1]", "\(bad.prefix(20))")
        }
        #expect(refusedField(body(env: ["A=1", "A=2"])) == "env[1]")
    }

    @Test func ports() {
        #expect(accepted(body(ports: ["1:1", "65535:65535/tcp", "65535:1/udp"]))?.ports == [
            PortMapping(containerPort: 1, hostPort: 1), PortMapping(containerPort: 65535, hostPort: 65535),
            PortMapping(containerPort: 1, hostPort: 65535, proto: .udp),
        ])
        #expect(accepted(body(ports: (1...32).map { "\($0):80" }))?.ports.count == 32)
        #expect(refusedField(body(ports: (1...33).map { "\($0):80" })) == "ports")
        for bad in ["0:80", "80:0", "65536:80", "80:65536", "80", "80:80:80", ":80", "80:", "+80:80", "80:80/sctp", "80:80/",
                    "-1:80", "0080:80x", "800000:80"] {
            #expect(refusedField(body(ports: ["1:1", bad])) == "ports[1]", "\(bad)")
        }
        #expect(refusedField(body(ports: ["80:80", "80:81"])) == "ports[1]")
        #expect(accepted(body(ports: ["80:80", "80:80/udp"])) != nil)
    }

    @Test func cpuIsCoresRoundedUpToMillicores() {
        let cases: [(Double, UInt32)] = [(0, 0), (0.5, 500), (0.7, 700), (0.1, 100), (0.0001, 1), (1.0005, 1001), (1024, 1_024_000)]
        for (cores, millicores) in cases {
            #expect(accepted(body(cpu: cores))?.cpuMillicores == millicores, "\(cores)")
        }
        #expect(accepted(body(cpu: nil))?.cpuMillicores == 0)
        for bad in [-0.001, 1024.001, Double.infinity, -Double.infinity, Double.nan] {
            #expect(refusedField(body(cpu: bad)) == "cpu", "\(bad)")
        }
    }

    @Test func memoryIsBytesWithUnitsRoundedUpToMiB() {
        let cases: [(String, UInt32)] = [
            ("0", 0), ("1", 1), ("1048576", 1), ("1048577", 2), ("64k", 1), ("64K", 1), ("512Ki", 1), ("512Mi", 512),
            ("128M", 123), ("1G", 954), ("1Gi", 1024), ("1Ti", 1_048_576), ("1099511627776", 1_048_576), ("1T", 953_675),
        ]
        for (text, mebibytes) in cases {
            #expect(accepted(body(memory: text))?.memoryMiB == mebibytes, "\(text)")
        }
        for bad in ["", "M", "1.5G", "-1", "+1", "1 G", "1g", "1GB", "1Pi", "1099511627777", "1025Gi", "2T", "99999999999999",
                    "18446744073709551616Ki", "1Mi ", " 1"] {
            #expect(refusedField(body(memory: bad)) == "memory", "\(bad)")
        }
    }

    @Test func requestIDs() {
        #expect(accepted(body(requestId: "1"))?.requestID == 1)
        #expect(accepted(body(requestId: "9223372036854775807"))?.requestID == UInt64(Int64.max))
        for bad in ["0", "9223372036854775808", "18446744073709551616", "-1", "+1", "01", "1e3", " 1", "", "0x10", "１"] {
            #expect(refusedField(body(requestId: bad)) == "requestId", "\(bad)")
        }
    }

    @Test func aMissingRequestIDIsDrawnIntoTheClientsRange() {
        #expect((try? validate(body(), drawID: { 99 }).get())?.requestID == 99)
        #expect((try? validate(body(), drawID: { 0 }).get())?.requestID == 1)
        #expect((try? validate(body(), drawID: { UInt64.max }).get())?.requestID == UInt64(Int64.max))
        #expect((try? validate(body(), drawID: { 1 << 63 }).get())?.requestID == 1)
    }

    /// The largest body every per-field rule allows is far over what a log entry holds:
    /// the limit that remains is the wire's, computed with its encoder, one byte either side.
    @Test func theEncodedRequestMustFitTheWiresDeployRequestLimit() throws {
        let limit = WireLimits.default.maxDeployRequestBytes
        func encodedSize(_ command: [String]) -> Int {
            var bytes: [UInt8] = []
            DeployRequest(requestID: DeployBodyValidationTests.fixedID, service: "web", image: "nginx:1.27", command: command)
                .encodeBody(into: &bytes)
            return bytes.count
        }
        // Whole 1024-byte arguments, then the longest last one that still fits (binary search).
        var command: [String] = []
        let whole = String(repeating: "a", count: 1024)
        while encodedSize(command + [whole]) <= limit { command.append(whole) }
        var low = 0, high = 1024
        while low < high {
            let mid = (low + high + 1) / 2
            if encodedSize(command + [String(repeating: "a", count: mid)]) <= limit { low = mid } else { high = mid - 1 }
        }
        command.append(String(repeating: "a", count: low))
        #expect(command.count <= 64)
        let atLimit = try #require(accepted(body(command: command)))
        var encoded: [UInt8] = []
        atLimit.encodeBody(into: &encoded)
        #expect(encoded.count == limit)

        var over = command
        over[over.count - 1] += "a"
        guard case .failure(.invalid(let field, let message)) = validate(body(command: over)) else {
            Issue.record("one byte over the limit was accepted")
            return
        }
        #expect(field == "command")
        #expect(message.contains("maxDeployRequestBytes") && message.contains("\(limit)"))

        let hugeEnv = (0..<20).map { "K\($0)=" + String(repeating: "v", count: 4096) }
        if case .failure(.invalid(let field, _)) = validate(body(env: hugeEnv)) { #expect(field == "env") } else { Issue.record("accepted") }
    }
}

/// JSON to a `DeployBody`: the field at fault named from the decoder's coding path.
@Suite struct DeployBodyDecodingTests {
    func field(_ json: String) -> String? {
        if case .failure(.invalid(let field, _)) = DeployBodyDecoding.decode(Data(json.utf8)) { return field }
        return nil
    }

    @Test func wrongFieldsAreNamed() {
        #expect(field(#"{"image":"x"}"#) == "name")
        #expect(field(#"{"name":"a"}"#) == "image")
        #expect(field(#"{"name":1,"image":"x"}"#) == "name")
        #expect(field(#"{"name":"a","image":"x","ports":["1:1",2]}"#) == "ports[1]")
        #expect(field(#"{"name":"a","image":"x","cpu":"lots"}"#) == "cpu")
        #expect(field(#"{"name":"a","image":"x","env":"A=1"}"#) == "env")
        #expect(field(#"{"name":"a","image":null}"#) == "image")
        #expect(field(#"{"name":"a","image":"x","memroy":"1G"}"#) == "memroy")
        #expect(field(#"{"name":"a","image":"x""#) == "body")
        #expect(field(#"["name"]"#) == "body")
        #expect(field("") == "body")
        #expect(field(#"{"name":"a","image":"x","cpu":0.5,"command":["a"],"env":[],"ports":[],"memory":"1G","requestId":"3"}"#) == nil)
    }

    /// The refusal of unknown keys must not refuse a key `DeployBody` has.
    @Test func theKnownKeysAreDeployBodysKeys() throws {
        let full = DeployBody(name: "a", image: "b", command: [], env: [], ports: [], cpu: 1, memory: "1", requestId: "1")
        let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(full)) as? [String: Any])
        #expect(Set(object.keys) == DeployBodyDecoding.knownKeys)
    }
}
