import Glibc
import LifelineAdmin
import LifelineSocket
import Logging
import NIOCore
import NIOPosix
import Testing

/// The admin server over real loopback sockets, as curl or a browser meets it.
@Suite struct AdminServerTests {
    static let routes: [AdminRoute] = [
        AdminRoute(path: "/echo", help: "echoes the query") { request in
            AdminResponse(body: request.query.map { "\($0.name)=\($0.value)" }.joined(separator: "\n"))
        },
        AdminRoute(method: "POST", path: "/drain_listeners", help: "drain listeners") { _ in
            AdminResponse(body: "OK\n")
        },
    ]

    /// Runs `body` against a server on 127.0.0.1 with an ephemeral port; stops it afterwards.
    func withServer(
        limits: AdminServerLimits = AdminServerLimits(),
        _ body: (Int) async throws -> Void
    ) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var logger = Logger(label: "admin-test")
        logger.logLevel = .critical
        let server = AdminServer(
            address: IPEndpoint(host: "127.0.0.1", port: 0)!,
            routes: Self.routes,
            logger: logger,
            limits: limits
        )
        try await server.start(group: group)
        do {
            try await body(try #require(server.localPort))
        } catch {
            await server.stop()
            try await group.shutdownGracefully()
            throw error
        }
        await server.stop()
        try await group.shutdownGracefully()
    }

    @Test func aKnownPathAnswersWithItsQueryPercentDecoded() async throws {
        try await withServer { port in
            let connection = try #require(RawHTTPConnection(port: port))
            connection.send("GET /echo?listener=a%20b&cluster=x%2Fy&flag&plus=1+2 HTTP/1.1\r\nhost: x\r\n\r\n")
            let response = try #require(await connection.readResponse())
            #expect(response.status == 200)
            #expect(response.body == "listener=a b\ncluster=x/y\nflag=\nplus=1 2")
            #expect(response.headers["cache-control"] == "no-cache, max-age=0")
        }
    }

    /// Envoy 1.40 answers an unknown path with 404 and its list of commands, one line each, `(POST)` after those
    /// that change the server.
    @Test func anUnknownPathListsTheEndpoints() async throws {
        try await withServer { port in
            let connection = try #require(RawHTTPConnection(port: port))
            connection.send("GET /nope HTTP/1.1\r\nhost: x\r\n\r\n")
            let response = try #require(await connection.readResponse())
            #expect(response.status == 404)
            #expect(
                response.body
                    == "invalid path. admin commands are:\n  /drain_listeners (POST): drain listeners\n"
                    + "  /echo: echoes the query\n"
            )
        }
    }

    /// Envoy 1.40: `GET /drain_listeners` → 405 `Method GET not allowed, POST required.`
    @Test func aPostRouteAskedWithGetIsRefusedAsEnvoyDoes() async throws {
        try await withServer { port in
            let connection = try #require(RawHTTPConnection(port: port))
            connection.send("GET /drain_listeners HTTP/1.1\r\nhost: x\r\n\r\n")
            let response = try #require(await connection.readResponse())
            #expect(response.status == 405)
            #expect(response.body == "Method GET not allowed, POST required.")
            connection.send("POST /drain_listeners HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n\r\n")
            #expect(await connection.readResponse()?.status == 200)
        }
    }

    @Test func keepAliveServesSeveralRequestsOnOneConnection() async throws {
        try await withServer { port in
            let connection = try #require(RawHTTPConnection(port: port))
            for index in 0..<3 {
                connection.send("GET /echo?n=\(index) HTTP/1.1\r\nhost: x\r\n\r\n")
                #expect(await connection.readResponse()?.body == "n=\(index)")
            }
            // Pipelined: both answered, in order.
            connection.send("GET /echo?n=a HTTP/1.1\r\nhost: x\r\n\r\nGET /echo?n=b HTTP/1.1\r\nhost: x\r\n\r\n")
            #expect(await connection.readResponse()?.body == "n=a")
            #expect(await connection.readResponse()?.body == "n=b")
        }
    }

    @Test func aBodyWithinTheLimitIsAcceptedAndALargerOneGets413() async throws {
        try await withServer(limits: AdminServerLimits(maxRequestBodyBytes: 1024)) { port in
            let small = try #require(RawHTTPConnection(port: port))
            small.send("POST /drain_listeners HTTP/1.1\r\nhost: x\r\ncontent-length: 1024\r\n\r\n")
            small.send([UInt8](repeating: 65, count: 1024))
            #expect(await small.readResponse()?.status == 200)

            let declared = try #require(RawHTTPConnection(port: port))
            declared.send("POST /drain_listeners HTTP/1.1\r\nhost: x\r\ncontent-length: 1025\r\n\r\n")
            #expect(await declared.readResponse()?.status == 413)
            #expect(await declared.isClosedByServer())

            let chunked = try #require(RawHTTPConnection(port: port))
            chunked.send("POST /drain_listeners HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n")
            for _ in 0..<3 {
                chunked.send("200\r\n" + String(repeating: "B", count: 512) + "\r\n")
            }
            #expect(await chunked.readResponse()?.status == 413)
            #expect(await chunked.isClosedByServer())
        }
    }

    /// A flood of idle connections takes at most the limit; the next is closed at once, and one more is served as
    /// soon as a slot frees.
    @Test func connectionsBeyondTheLimitAreClosed() async throws {
        try await withServer(limits: AdminServerLimits(maxConnections: 4)) { port in
            var held: [RawHTTPConnection] = []
            for _ in 0..<4 {
                held.append(try #require(RawHTTPConnection(port: port)))
            }
            try await Task.sleep(for: .milliseconds(100))
            let extra = try #require(RawHTTPConnection(port: port, timeoutSeconds: 2))
            extra.send("GET /echo?n=1 HTTP/1.1\r\nhost: x\r\n\r\n")
            #expect(await extra.readResponse() == nil)

            held[0].send("GET /echo?n=0 HTTP/1.1\r\nhost: x\r\n\r\n")
            #expect(await held[0].readResponse()?.body == "n=0")
            held.removeFirst()
            try await Task.sleep(for: .milliseconds(100))
            let next = try #require(RawHTTPConnection(port: port))
            next.send("GET /echo?n=2 HTTP/1.1\r\nhost: x\r\n\r\n")
            #expect(await next.readResponse()?.body == "n=2")
        }
    }

    @Test func anIdleConnectionIsClosedAfterTheIdleTimeout() async throws {
        try await withServer(limits: AdminServerLimits(idleTimeout: .milliseconds(300))) { port in
            let connection = try #require(RawHTTPConnection(port: port))
            connection.send("GET /echo?n=1 HTTP/1.1\r\nhost: x\r\n\r\n")
            #expect(await connection.readResponse()?.body == "n=1")
            // Within the connection's receive timeout, or it reads as not closed.
            #expect(await connection.isClosedByServer())
        }
    }

    /// A client that dribbles its request a byte at a time (never idle long) is still cut off.
    @Test func aSlowRequestIsClosedAfterTheRequestTimeout() async throws {
        let limits = AdminServerLimits(idleTimeout: .seconds(60), requestTimeout: .milliseconds(500))
        try await withServer(limits: limits) { port in
            let connection = try #require(RawHTTPConnection(port: port))
            let start = ContinuousClock.now
            var sent = 0
            for byte in "GET /echo HTTP/1.1\r\nx-slow: ".utf8 {
                guard connection.send([byte]) else { break }
                sent += 1
                try await Task.sleep(for: .milliseconds(100))
                if ContinuousClock.now - start > .seconds(3) { break }
            }
            #expect(await connection.isClosedByServer())
            // The idle timeout could close it only 60 s after the last byte: a close well before is the request's
            // timeout (the bound is loose so that a loaded machine does not fail it).
            #expect(ContinuousClock.now - start < .seconds(30), "sent \(sent) bytes before the close")
        }
    }

    @Test func aNonLoopbackAddressIsRefusedUnlessAllowed() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let address = IPEndpoint(host: "0.0.0.0", port: 0)!
        let server = AdminServer(address: address, routes: [], logger: Logger(label: "admin-test"))
        await #expect(throws: AdminServerError.nonLoopbackAddress(address)) {
            try await server.start(group: group)
        }
        #expect(server.localPort == nil)
        try await group.shutdownGracefully()
    }

    @Test(arguments: [
        ("127.0.0.1", true), ("127.1.2.3", true), ("::1", true), ("::ffff:127.0.0.1", true), ("0.0.0.0", false),
        ("10.0.0.1", false), ("::", false), ("fe80::1", false),
    ])
    func loopbackAddresses(host: String, loopback: Bool) throws {
        #expect(try #require(IPEndpoint(host: host, port: 9901)).isLoopback == loopback)
    }
}
