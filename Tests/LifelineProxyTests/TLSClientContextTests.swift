import LifelinePlan
import LifelineTestSupport
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import Testing

@testable import LifelineProxy

/// Client contexts from the plan, against a loopback server made with a server context from the plan.
@Suite("TLS client contexts", .serialized)
struct TLSClientContextTests {
    /// Sends a request and collects the response, or the `ssl.*` stat of the first error.
    final class Requester: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        let result: EventLoopPromise<Outcome>
        private var received = ""
        private var alpn: String?
        private var reported = false

        init(result: EventLoopPromise<Outcome>) {
            self.result = result
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case TLSUserEvent.handshakeCompleted(let negotiated) = event {
                alpn = negotiated
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "GET / HTTP/1.1\r\n\r\n")), promise: nil)
            }
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            received += String(buffer: unwrapInboundIn(data))
        }

        func channelInactive(context: ChannelHandlerContext) {
            guard !reported else { return }
            reported = true
            guard let body = received.split(separator: "\r\n\r\n", maxSplits: 1).dropFirst().first else {
                result.succeed(.failed(.connectionError))
                return
            }
            result.succeed(.response("client-alpn=\(alpn ?? "none") " + body))
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            if !reported {
                reported = true
                result.succeed(.failed(TLSHandshakeStat(failure: error)))
            }
            context.close(promise: nil)
        }
    }

    static func request(group: any EventLoopGroup, port: Int, plan: UpstreamTlsPlan) async throws -> Outcome {
        let context = try TLSContextFactory.makeClientContext(plan)
        let promise = group.next().makePromise(of: Outcome.self)
        _ = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        TLSContextFactory.makeClientHandler(context: context, plan: plan)
                    )
                    try channel.pipeline.syncOperations.addHandler(Requester(result: promise))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return try await promise.futureResult.get()
    }

    static func withServer(
        requireClientCertificate: Bool = false,
        serverCertificate: KeyPath<TestCertificates, TestCertificates.Issued> = \.serverECDSA,
        _ body: (TestCertificates, TLSTestServer, any EventLoopGroup) async throws -> Void
    ) async throws {
        let certificates = try TestCertificates.make()
        defer { certificates.remove() }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let plan = DownstreamTlsPlan(
            certificates: [TLSServerContextTests.pem(certificates[keyPath: serverCertificate])],
            common: CommonTlsPlan(
                alpnProtocols: ["h2"],
                trustedCA: PEMSource(pem: certificates.authority.certificatePEM, source: "ca.crt")
            ),
            requireClientCertificate: requireClientCertificate
        )
        let server = try await TLSTestServer.start(group: group, plan: plan)
        do {
            try await body(certificates, server, group)
        } catch {
            await server.stop()
            try await group.shutdownGracefully()
            throw error
        }
        await server.stop()
        try await group.shutdownGracefully()
    }

    static func trusting(_ issued: TestCertificates.Issued) -> PEMSource {
        PEMSource(pem: issued.certificatePEM, source: issued.certificatePath)
    }

    @Test("with trusted_ca the upstream is verified; a server from another CA fails verification")
    func verification() async throws {
        try await Self.withServer { certificates, server, group in
            let trusted = UpstreamTlsPlan(
                serverName: "lifeline.test",
                common: CommonTlsPlan(alpnProtocols: ["h2"], trustedCA: Self.trusting(certificates.authority))
            )
            let ok = try await Self.request(group: group, port: server.port, plan: trusted)
            #expect(ok == .response("client-alpn=h2 tls=true alpn=h2\n"))

            let wrongCA = UpstreamTlsPlan(common: CommonTlsPlan(trustedCA: Self.trusting(certificates.otherAuthority)))
            let outcome1 = try await Self.request(group: group, port: server.port, plan: wrongCA)
            #expect(outcome1 == .failed(.failVerifyError))
        }
    }

    @Test("an expired upstream certificate fails verification, and passes without a validation context")
    func expiredUpstream() async throws {
        try await Self.withServer(serverCertificate: \.expired) { certificates, server, group in
            let verifying = UpstreamTlsPlan(common: CommonTlsPlan(trustedCA: Self.trusting(certificates.authority)))
            let verified = try await Self.request(group: group, port: server.port, plan: verifying)
            #expect(verified == .failed(.failVerifyError))
            let unverified = try await Self.request(group: group, port: server.port, plan: UpstreamTlsPlan())
            #expect(unverified.isResponse)
        }
    }

    @Test("without a validation context the upstream is not verified, as Envoy")
    func noVerification() async throws {
        try await Self.withServer { _, server, group in
            let plan = UpstreamTlsPlan(serverName: "anything.example")
            let result = try await Self.request(group: group, port: server.port, plan: plan)
            #expect(result == .response("client-alpn=none tls=true alpn=none\n"))
        }
    }

    @Test("the upstream's SANs are matched when the plan names some")
    func upstreamSubjectAltNames() async throws {
        try await Self.withServer { certificates, server, group in
            func plan(_ match: SubjectAltNameMatch) -> UpstreamTlsPlan {
                UpstreamTlsPlan(
                    common: CommonTlsPlan(
                        trustedCA: Self.trusting(certificates.authority),
                        matchSubjectAltNames: [match]
                    )
                )
            }
            let wildcard = plan(SubjectAltNameMatch(kind: .dns, matcher: .exact("api.lifeline.test")))
            let outcome2 = try await Self.request(group: group, port: server.port, plan: wildcard)
            #expect(outcome2.isResponse)
            let address = plan(SubjectAltNameMatch(kind: .ipAddress, matcher: .exact("127.0.0.1")))
            let outcome3 = try await Self.request(group: group, port: server.port, plan: address)
            #expect(outcome3.isResponse)
            let other = plan(SubjectAltNameMatch(kind: .dns, matcher: .exact("other.test")))
            let outcome4 = try await Self.request(group: group, port: server.port, plan: other)
            #expect(outcome4 == .failed(.failVerifySAN))
        }
    }

    @Test("a client certificate from the plan satisfies an mTLS upstream")
    func clientCertificate() async throws {
        try await Self.withServer(requireClientCertificate: true) { certificates, server, group in
            let common = CommonTlsPlan(trustedCA: Self.trusting(certificates.authority))
            let without = UpstreamTlsPlan(common: common)
            let outcome5 = try await Self.request(group: group, port: server.port, plan: without)
            #expect(!outcome5.isResponse)
            let with = UpstreamTlsPlan(
                clientCertificate: TLSServerContextTests.pem(certificates.client),
                common: common
            )
            let outcome6 = try await Self.request(group: group, port: server.port, plan: with)
            #expect(outcome6.isResponse)
        }
    }

    @Test("a plan NIOSSL cannot take is refused with its source named")
    func badPlans() {
        let garbage = CertificatePlan(
            certificateChain: PEMSource(pem: "nope", source: "/etc/certs/tls.crt"),
            privateKey: PEMSource(pem: "nope", source: "/etc/certs/tls.key")
        )
        #expect(throws: TLSContextFactory.Failure.self) {
            try TLSContextFactory.makeServerContext(DownstreamTlsPlan(certificates: [garbage]))
        }
        #expect(throws: TLSContextFactory.Failure.self) {
            try TLSContextFactory.makeServerContext(DownstreamTlsPlan(certificates: []))
        }
    }
}

/// What a request over TLS came to.
enum Outcome: Equatable {
    case response(String)
    case failed(TLSHandshakeStat)

    var isResponse: Bool {
        if case .response = self { return true }
        return false
    }
}
