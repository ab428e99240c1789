import LifelineProxy
import Testing

@Suite("ClientHello parser")
struct ClientHelloParserTests {
    let parser = ClientHelloParser()

    @Test("a real TLS 1.3 ClientHello gives its SNI and ALPN")
    func realClientHello() throws {
        let hello = try ClientHelloSamples.python(serverName: "api.lifeline.test", alpn: ["h2", "http/1.1"])
        #expect(parser.decide(hello) == .tls(serverName: "api.lifeline.test", alpn: ["h2", "http/1.1"]))
    }

    @Test("a real TLS 1.2-only ClientHello without SNI or ALPN")
    func realClientHelloWithoutExtensions() throws {
        let hello = try ClientHelloSamples.python(serverName: nil, maximumVersion: "TLSv1_2")
        #expect(parser.decide(hello) == .tls(serverName: nil, alpn: []))
    }

    @Test("every strict prefix of a ClientHello needs more data")
    func everyPrefixNeedsMore() throws {
        let hello = try ClientHelloSamples.python(serverName: "lifeline.test", alpn: ["h2"])
        for length in 0..<hello.count {
            #expect(parser.decide(Array(hello[..<length])) == .needMoreData, "prefix of \(length) bytes")
        }
    }

    @Test("a reader that waits for the bytes the parser says it needs decides in a few looks")
    func neededBytes() throws {
        let hello = try ClientHelloSamples.python(serverName: "lifeline.test", alpn: ["h2"])
        for bytes in [
            hello, ClientHelloSamples.splitIntoTwoRecords(hello, at: 2),
            ClientHelloSamples.splitIntoTwoRecords(hello, at: 100),
        ] {
            var looks = 0
            var length = 1
            while true {
                looks += 1
                let (decision, needed) = parser.progress(Array(bytes[..<length]))
                guard decision == .needMoreData else {
                    #expect(decision == .tls(serverName: "lifeline.test", alpn: ["h2"]))
                    break
                }
                #expect(needed > length && needed <= bytes.count)
                length = needed
            }
            #expect(looks <= 6)
        }
    }

    @Test("a ClientHello split across two records, at every point, is reassembled")
    func splitAcrossRecords() throws {
        let hello = try ClientHelloSamples.python(serverName: "Split.Lifeline.Test", alpn: ["h2"])
        let handshakeLength = hello.count - 5
        for split in 1..<handshakeLength {
            let twoRecords = ClientHelloSamples.splitIntoTwoRecords(hello, at: split)
            #expect(parser.decide(twoRecords) == .tls(serverName: "split.lifeline.test", alpn: ["h2"]))
            // The same bytes cut short anywhere still need more.
            let cut = Int.random(in: 0..<twoRecords.count)
            #expect(parser.decide(Array(twoRecords[..<cut])) == .needMoreData)
        }
    }

    @Test("bytes after the ClientHello do not matter")
    func trailingBytes() throws {
        let hello = try ClientHelloSamples.python(serverName: "lifeline.test")
        #expect(parser.decide(hello + [23, 3, 3, 0, 1, 0]) == .tls(serverName: "lifeline.test", alpn: []))
    }

    @Test("the server name is lower-cased")
    func serverNameLowerCased() {
        let message = ClientHelloSamples.message(extensions: [(0, ClientHelloSamples.serverName("WWW.Example.COM"))])
        #expect(parser.decide(ClientHelloSamples.records(message)) == .tls(serverName: "www.example.com", alpn: []))
    }

    @Test(
        "plaintext protocols are not TLS",
        arguments: [
            "GET / HTTP/1.1\r\nHost: x\r\n\r\n", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "SSH-2.0-OpenSSH_9.2\r\n",
            "\u{16}x",
        ]
    )
    func plaintext(text: String) {
        #expect(parser.decide(Array(text.utf8)) == .notTLS)
    }

    @Test("a decision is made from the first bytes that rule TLS out")
    func earlyNotTLS() {
        #expect(parser.decide([]) == .needMoreData)
        #expect(parser.decide([22]) == .needMoreData)
        #expect(parser.decide([22, 3]) == .needMoreData)
        #expect(parser.decide([0x47]) == .notTLS)
        #expect(parser.decide([22, 2]) == .notTLS)
        // A handshake record whose first message is a ServerHello.
        #expect(parser.decide([22, 3, 1, 0, 4, 2]) == .needMoreData, "records are looked into once complete")
        #expect(parser.decide([22, 3, 1, 0, 4, 2, 0, 0, 0]) == .notTLS)
        // Empty and oversized records.
        #expect(parser.decide([22, 3, 1, 0, 0]) == .notTLS)
        #expect(parser.decide([22, 3, 1, 0x40, 0x01]) == .notTLS)
    }

    @Test("an alert record in the middle of a ClientHello is not TLS")
    func interleavedRecord() throws {
        let hello = try ClientHelloSamples.python(serverName: "lifeline.test")
        let twoRecords = ClientHelloSamples.splitIntoTwoRecords(hello, at: 40)
        var mutated = twoRecords
        mutated[5 + 40] = 21
        #expect(parser.decide(mutated) == .notTLS)
    }

    @Test("malformed extensions BoringSSL refuses are not TLS")
    func malformedExtensions() {
        let cases: [[(type: UInt16, data: [UInt8])]] = [
            [(0, ClientHelloSamples.serverName("a.test", "b.test"))],  // two names
            [(0, ClientHelloSamples.serverName(""))],  // empty name
            [(0, ClientHelloSamples.serverName("a\u{0}b"))],  // NUL in the name
            [(0, [0, 1])],  // list longer than the data
            [(16, ClientHelloSamples.alpn(["h2", ""]))],  // empty protocol
            [(16, [0, 0])],  // empty list
            [(16, ClientHelloSamples.alpn(["h2"])), (16, ClientHelloSamples.alpn(["h2"]))],  // duplicate
        ]
        for extensions in cases {
            let message = ClientHelloSamples.message(extensions: extensions)
            #expect(parser.decide(ClientHelloSamples.records(message)) == .notTLS, "\(extensions)")
        }
    }

    @Test("an SSL 3.0 ClientHello is not TLS")
    func sslv3() {
        let message = ClientHelloSamples.message(extensions: nil, version: 0x0300)
        #expect(parser.decide(ClientHelloSamples.records(message)) == .notTLS)
    }

    @Test("16 KiB on the wire is inspected, one byte more is too large (as Envoy 1.40)")
    func tooLarge() {
        // One record: 5 header bytes, then a message of 51 bytes plus the padding extension's data.
        func hello(wireBytes: Int) -> [UInt8] {
            let padding = [UInt8](repeating: 0, count: wireBytes - 5 - 51)
            return ClientHelloSamples.records(ClientHelloSamples.message(extensions: [(65_000, padding)]))
        }
        #expect(hello(wireBytes: 16_384).count == 16_384)
        #expect(parser.decide(hello(wireBytes: 16_384)) == .tls(serverName: nil, alpn: []))
        #expect(parser.decide(hello(wireBytes: 16_385)) == .tooLarge)
        #expect(parser.decide(Array(hello(wireBytes: 16_385)[..<16_384])) == .tooLarge)
        #expect(parser.decide(Array(hello(wireBytes: 16_385)[..<16_383])) == .needMoreData)
        // Envoy before max_client_hello_size read up to 64 KiB.
        let wide = ClientHelloParser(maximumBytes: 65_536)
        #expect(wide.decide(hello(wireBytes: 16_385)) == .tls(serverName: nil, alpn: []))
    }

    @Test("a ClientHello message over 16 KiB is refused as BoringSSL does: not TLS")
    func messageTooLong() {
        let padding = [UInt8](repeating: 0, count: 20_000)
        let message = ClientHelloSamples.message(extensions: [(65_000, padding)])
        let records = ClientHelloSamples.records(message, fragment: 1_000)
        #expect(parser.decide(Array(records[..<1_005])) == .notTLS)
        #expect(ClientHelloParser(maximumBytes: 65_536).decide(records) == .notTLS)
    }

    @Test("extensions that do not fill the body exactly are malformed")
    func extensionsLengthMismatch() {
        var message = ClientHelloSamples.message(extensions: [(0, ClientHelloSamples.serverName("lifeline.test"))])
        message += [0]
        message[3] += 1  // the message length covers the extra byte
        #expect(parser.decide(ClientHelloSamples.records(message)) == .notTLS)
    }

    @Test("mutated ClientHellos never crash and always decide")
    func mutations() throws {
        let hello = try ClientHelloSamples.python(serverName: "fuzz.lifeline.test", alpn: ["h2", "http/1.1"])
        var random = SeededGenerator(seed: 0x11fe_11e5)
        for round in 0..<20_000 {
            var mutated = hello
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let position = Int.random(in: 0..<mutated.count, using: &random)
                switch round % 3 {
                case 0: mutated[position] = UInt8.random(in: 0...255, using: &random)
                case 1: mutated[position] ^= 1 << UInt8.random(in: 0..<8, using: &random)
                default: mutated[position] = [0, 0xff, 0x7f, 0x80][Int.random(in: 0..<4, using: &random)]
                }
            }
            let cut = Int.random(in: 0...mutated.count, using: &random)
            _ = parser.decide(Array(mutated[..<cut]))
            _ = parser.decide(mutated)
        }
    }

    @Test("random bytes after a handshake record header never crash")
    func randomBodies() {
        var random = SeededGenerator(seed: 42)
        for _ in 0..<5_000 {
            let length = Int.random(in: 0..<600, using: &random)
            var bytes: [UInt8] = [22, 3, 1, UInt8(length >> 8), UInt8(length & 0xff), 1, 0, UInt8(length >> 8)]
            bytes += (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            _ = parser.decide(bytes)
        }
    }
}
