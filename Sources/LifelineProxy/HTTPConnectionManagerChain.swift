import LifelinePlan
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOSSL
import NIOTLS

/// One filter chain whose network filter is `http_connection_manager`: a connection given to it gets its transport
/// socket (TLS terminated here, or cleartext), then the codec `codec_type` names — with `AUTO`, HTTP/2 when TLS
/// negotiated ALPN `h2` or the first bytes are the HTTP/2 preface, else HTTP/1.1 — and ``HTTPStreamHandler``s that
/// route and proxy each request.
final class HTTPConnectionManagerChain: FilterChainRuntime {
    let plan: FilterChainPlan
    let manager: HTTPConnectionManagerContext
    private let tls: NIOSSLContext?
    private let registries: [ObjectIdentifier: NIOLoopBound<HTTPConnectionRegistry>]

    private init(
        plan: FilterChainPlan,
        manager: HTTPConnectionManagerContext,
        tls: NIOSSLContext?,
        registries: [ObjectIdentifier: NIOLoopBound<HTTPConnectionRegistry>]
    ) {
        self.plan = plan
        self.manager = manager
        self.tls = tls
        self.registries = registries
    }

    /// Makes the chain's TLS context and its registry on every loop of the listener's group.
    static func make(
        plan: FilterChainPlan,
        connectionManager: HttpConnectionManagerPlan,
        pools: HTTPUpstreamPools,
        environment: FilterChainEnvironment
    ) async throws -> HTTPConnectionManagerChain {
        let connections = environment.connections
        var registries: [ObjectIdentifier: NIOLoopBound<HTTPConnectionRegistry>] = [:]
        for loop in environment.group.makeIterator() {
            registries[ObjectIdentifier(loop)] = try await loop.submit {
                NIOLoopBound(
                    HTTPConnectionRegistry(eventLoop: loop, connections: connections.table(on: loop)),
                    eventLoop: loop
                )
            }.get()
        }
        return try make(
            plan: plan,
            connectionManager: connectionManager,
            pools: pools,
            environment: environment,
            registries: registries
        )
    }

    /// Makes the chain with a registry on `loop` alone, from `loop`: for a caller that owns its channels and
    /// cannot wait for a loop (``HTTPConnectionManagerPipeline``).
    static func make(
        plan: FilterChainPlan,
        connectionManager: HttpConnectionManagerPlan,
        pools: HTTPUpstreamPools,
        environment: FilterChainEnvironment,
        on loop: any EventLoop
    ) throws -> HTTPConnectionManagerChain {
        loop.preconditionInEventLoop()
        let registry = HTTPConnectionRegistry(eventLoop: loop, connections: environment.connections.table(on: loop))
        return try make(
            plan: plan,
            connectionManager: connectionManager,
            pools: pools,
            environment: environment,
            registries: [ObjectIdentifier(loop): NIOLoopBound(registry, eventLoop: loop)]
        )
    }

    private static func make(
        plan: FilterChainPlan,
        connectionManager: HttpConnectionManagerPlan,
        pools: HTTPUpstreamPools,
        environment: FilterChainEnvironment,
        registries: [ObjectIdentifier: NIOLoopBound<HTTPConnectionRegistry>]
    ) throws -> HTTPConnectionManagerChain {
        var logger = environment.logger
        logger[metadataKey: "filter_chain.name"] = "\(plan.name)"
        var tls: NIOSSLContext?
        if let tlsPlan = plan.tls {
            do {
                tls = try TLSContextFactory.makeServerContext(tlsPlan)
            } catch {
                throw GatewayListenerError.tls(listener: environment.listenerName, chain: plan.name, reason: "\(error)")
            }
        }
        let manager = HTTPConnectionManagerContext(
            listenerName: environment.listenerName,
            chainName: plan.name,
            plan: connectionManager,
            pools: pools,
            stats: environment.chainStats(.http(connectionManager.statPrefix)),
            logger: logger,
            scheme: plan.tls == nil ? "http" : "https"
        )
        return HTTPConnectionManagerChain(plan: plan, manager: manager, tls: tls, registries: registries)
    }

    func initialize(_ channel: any Channel) throws {
        guard let registry = registries[ObjectIdentifier(channel.eventLoop)] else {
            throw GatewayListenerError.unknownEventLoop(listener: manager.listenerName)
        }
        let pipeline = channel.pipeline.syncOperations
        let labels = ConnectionLabels(
            direction: .downstream,
            kind: .httpConnectionManager,
            listener: manager.listenerName,
            filterChain: manager.chainName
        )
        try pipeline.addHandler(HTTPConnectionTracker(manager: manager, registry: registry.value, labels: labels))
        let manager = self.manager
        if let tls, let tlsPlan = plan.tls {
            try pipeline.addHandlers(
                TLSContextFactory.makeServerHandler(context: tls, plan: tlsPlan),
                TLSHandshakeObserver(stats: manager.stats, logger: manager.logger, isServer: true)
            )
        }
        switch manager.plan.codecType {
        case .http1:
            try Self.configureHTTP1(channel, manager: manager)
        case .http2:
            try Self.configureHTTP2(channel, manager: manager)
        case .auto where tls != nil:
            let alpn = ApplicationProtocolNegotiationHandler { result, channel in
                channel.eventLoop.makeCompletedFuture {
                    switch result {
                    case .negotiated("h2"): try Self.configureHTTP2(channel, manager: manager)
                    case .negotiated: try Self.configureHTTP1(channel, manager: manager)
                    case .fallback:
                        // No ALPN: Envoy looks at the first bytes, as on a cleartext connection.
                        try channel.pipeline.syncOperations.addHandler(Self.sniffer(manager: manager))
                    }
                }
            }
            try pipeline.addHandler(alpn)
        case .auto:
            try pipeline.addHandler(Self.sniffer(manager: manager))
        }
    }

    private static func sniffer(manager: HTTPConnectionManagerContext) -> HTTPCodecSniffer {
        HTTPCodecSniffer(
            idleTimeout: manager.plan.idleTimeout,
            onIdle: { manager.stats.increment(.downstreamIdleTimeout) },
            configure: { channel, http2 in
                if http2 {
                    try configureHTTP2(channel, manager: manager)
                } else {
                    try configureHTTP1(channel, manager: manager)
                }
            }
        )
    }

    /// NIO's HTTP/1.1 server codec with pipelining assistance, the decoder limited to `max_request_headers_kb`, and
    /// Lifeline's own protocol error answers (431 or 400).
    static func configureHTTP1(_ channel: any Channel, manager: HTTPConnectionManagerContext) throws {
        manager.stats.increment(.downstreamHTTP1Total)
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderListSize = manager.plan.maxRequestHeadersKb * 1024
        limits.maxHeaderFieldSize = manager.plan.maxRequestHeadersKb * 1024
        let pipeline = channel.pipeline.syncOperations
        let stream = HTTPStreamHandler(manager: manager, codec: .http1)
        if manager.plan.requestHeadersTimeout != nil {
            try pipeline.addHandler(HTTPReceiveObserver(onReceive: { stream.bytesReceived() }))
        }
        try pipeline.configureHTTPServerPipeline(
            withPipeliningAssistance: true,
            withErrorHandling: false,
            withOutboundHeaderValidation: true,
            withEncoderConfiguration: HTTPResponseEncoder.Configuration(),
            withDecoderLimitConfiguration: limits
        )
        try pipeline.addHandler(HTTP1ProtocolErrorHandler(stats: manager.stats))
        try pipeline.addHandler(stream)
    }

    /// `NIOHTTP2Handler` with an inline stream multiplexer, each stream translated to HTTP/1-style parts for an
    /// ``HTTPStreamHandler``; `http2_protocol_options` as its settings; the connection's idle timeout and max duration
    /// by `NIOHTTP2ServerConnectionManagementHandler`; keepalive and PING policing by ``HTTP2PingHandler``; a client's
    /// FIN closes the connection (``HTTP2HalfCloseHandler``).
    static func configureHTTP2(_ channel: any Channel, manager: HTTPConnectionManagerContext) throws {
        manager.stats.increment(.downstreamHTTP2Total)
        let options = manager.plan.http2
        let management = NIOHTTP2ServerConnectionManagementHandler(
            eventLoop: channel.eventLoop,
            configuration: .init(
                maxIdleTime: manager.plan.idleTimeout.map { TimeAmount($0) },
                maxAge: manager.plan.maxConnectionDuration.map { TimeAmount($0) },
                maxGraceTime: nil,
                keepalive: nil
            )
        )
        let ping = HTTP2PingHandler(
            keepalive: options.keepalive,
            policy: HTTP2PingStateMachine.Policy(),
            stats: manager.stats,
            logger: manager.logger
        )
        let pingBound = NIOLoopBound(ping, eventLoop: channel.eventLoop)
        let pipeline = channel.pipeline.syncOperations
        try pipeline.addHandler(HTTPReceiveObserver(onReceive: { ping.received() }))
        _ = try pipeline.configureHTTP2Pipeline(
            mode: .server,
            connectionConfiguration: connectionConfiguration(manager.plan),
            streamConfiguration: streamConfiguration(options),
            streamDelegate: management.http2StreamDelegate,
            position: .last
        ) { stream in
            stream.eventLoop.makeCompletedFuture {
                let ping = pingBound.value
                try stream.pipeline.syncOperations.addHandlers(
                    HTTP2FramePayloadToHTTP1ServerCodec(),
                    HTTPStreamHandler(manager: manager, codec: .http2, onResponseActivity: { ping.responseSent() })
                )
            }
        }
        if channel.isActive {
            // The codec is chosen after the connection became active (ALPN, the preface): the management handler
            // starts its timers on channelActive, so it is told again.
            try pipeline.addHandlers(ChannelActiveReplay(), management, ping, HTTP2HalfCloseHandler())
        } else {
            try pipeline.addHandlers(management, ping, HTTP2HalfCloseHandler())
        }
    }

    static func connectionConfiguration(_ plan: HttpConnectionManagerPlan) -> NIOHTTP2Handler.ConnectionConfiguration {
        let options = plan.http2
        var configuration = NIOHTTP2Handler.ConnectionConfiguration()
        configuration.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: min(options.maxConcurrentStreams, Int(Int32.max))),
            HTTP2Setting(parameter: .initialWindowSize, value: min(options.initialStreamWindowSize, Int(Int32.max))),
            HTTP2Setting(parameter: .maxFrameSize, value: 1 << 14),
            // Twice the limit: swift-nio-http2 treats a larger header block as a connection error, while Envoy refuses
            // only the stream; blocks up to this size reach the stream, which answers 431 past the limit.
            HTTP2Setting(parameter: .maxHeaderListSize, value: plan.maxRequestHeadersKb * 1024 * 2),
        ]
        configuration.targetWindowSize = min(options.initialConnectionWindowSize, Int(Int32.max))
        // Envoy's flood limits: answers (PING and SETTINGS acknowledgements) queued for a client that does not read,
        // and empty DATA frames in a row; past either the connection ends with GOAWAY, counted in HTTP2Flood's stats.
        configuration.maximumBufferedControlFrames = options.maxOutboundControlFrames
        configuration.maximumSequentialEmptyDataFrames = options.maxConsecutiveInboundFramesWithEmptyPayload
        // swift-nio-http2 allows 200 PING/SETTINGS/PRIORITY frames per 30 s by default, which gRPC's BDP pings
        // (one per burst of data) can exceed on a busy connection; abusive PINGs are policed by HTTP2PingHandler.
        configuration.controlFrameRateLimit.maximumCount = 10_000
        configuration.controlFrameRateLimit.windowLength = .seconds(10)
        return configuration
    }

    static func streamConfiguration(_ options: Http2ProtocolOptionsPlan) -> NIOHTTP2Handler.StreamConfiguration {
        var configuration = NIOHTTP2Handler.StreamConfiguration()
        configuration.targetWindowSize = min(options.initialStreamWindowSize, Int(Int32.max))
        // A stream channel turns unwritable past this many buffered bytes (backpressure toward the upstream).
        configuration.outboundBufferSizeHighWatermark = 64 * 1024
        configuration.outboundBufferSizeLowWatermark = 32 * 1024
        // gRPC clients cancel streams as a matter of course; allow more RST_STREAMs than the default 200 per 30 s.
        configuration.streamResetFrameRateLimit.maximumCount = 1000
        return configuration
    }

    func drain(strategy: DrainStrategy, time: Duration, closeIdle: Bool) {
        manager.drainSignal.start(strategy: strategy, time: time)
        for registry in registries.values {
            registry.eventLoop.execute {
                registry.value.drain(strategy: strategy, time: time, closeIdle: closeIdle)
            }
        }
    }

    var openConnections: Int { manager.openConnections }

    func closeAll() async {
        for registry in registries.values {
            try? await registry.eventLoop.submit { registry.value.closeAll() }.get()
        }
        let deadline = ContinuousClock.now + .seconds(5)
        while manager.openConnections > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }
}
