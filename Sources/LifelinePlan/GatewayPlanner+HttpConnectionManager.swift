import Foundation
import LifelineConfig

extension GatewayPlanner {
    /// An http_connection_manager with Envoy's defaults filled in: `0s` turns a timeout off (nil), a field left out
    /// takes Envoy's default, and direct response bodies are read from their files. Nil when a body could not be read.
    static func planHttpConnectionManager(
        _ config: HttpConnectionManagerConfig,
        diagnostics: inout [ConfigDiagnostic]
    ) -> HttpConnectionManagerPlan? {
        var origins: [HttpConnectionManagerPlan.Field: ConfigOrigin] = [:]
        func written(_ setting: DurationSetting?, _ field: HttpConnectionManagerPlan.Field) -> DurationSetting? {
            if let setting { origins[field] = setting.origin }
            return setting
        }
        let common = config.common
        let streamIdle = written(config.streamIdleTimeout, .streamIdleTimeout)
        let request = written(config.requestTimeout, .requestTimeout)
        let requestHeaders = written(config.requestHeadersTimeout, .requestHeadersTimeout)
        let idle = written(common?.idleTimeout, .idleTimeout)
        let connectionDuration = written(common?.maxConnectionDuration, .maxConnectionDuration)
        let streamDuration = written(common?.maxStreamDuration, .maxStreamDuration)
        if config.codecType != nil { origins[.codecType] = config.origin }
        if config.maxRequestHeadersKb != nil { origins[.maxRequestHeadersKb] = config.origin }
        if let common, common.maxRequestsPerConnection != nil { origins[.maxRequestsPerConnection] = common.origin }
        guard let routeConfig = planRouteConfiguration(config.routeConfig, diagnostics: &diagnostics) else {
            return nil
        }
        let codec: HttpConnectionManagerPlan.CodecType =
            switch config.codecType {
            case .http1: .http1
            case .http2: .http2
            case .auto, nil: .auto
            }
        let underscores: HttpConnectionManagerPlan.HeadersWithUnderscoresAction =
            switch common?.headersWithUnderscoresAction {
            case .rejectRequest: .rejectRequest
            case .dropHeader: .dropHeader
            case .allow, nil: .allow
            }
        return HttpConnectionManagerPlan(
            statPrefix: config.statPrefix,
            codecType: codec,
            routeConfig: routeConfig,
            streamIdleTimeout: streamIdle.map(\.nonZero) ?? HttpConnectionManagerPlan.defaultStreamIdleTimeout,
            requestTimeout: request?.nonZero,
            requestHeadersTimeout: requestHeaders?.nonZero,
            maxRequestHeadersKb: config.maxRequestHeadersKb ?? HttpConnectionManagerPlan.defaultMaxRequestHeadersKb,
            idleTimeout: idle.map(\.nonZero) ?? HttpConnectionManagerPlan.defaultIdleTimeout,
            maxConnectionDuration: connectionDuration?.nonZero,
            maxStreamDuration: streamDuration?.nonZero,
            maxRequestsPerConnection: common?.maxRequestsPerConnection.flatMap { $0 == 0 ? nil : $0 },
            headersWithUnderscoresAction: underscores,
            useRemoteAddress: config.useRemoteAddress ?? false,
            xffNumTrustedHops: config.xffNumTrustedHops ?? 0,
            http2: planHttp2(config.http2),
            fieldOrigins: origins,
            origin: config.origin
        )
    }

    /// `http2_protocol_options` with Envoy's defaults (silent config: the defaults, no origin).
    static func planHttp2(_ config: Http2ProtocolOptionsConfig?) -> Http2ProtocolOptionsPlan {
        guard let config else { return Http2ProtocolOptionsPlan() }
        return Http2ProtocolOptionsPlan(
            maxConcurrentStreams: config.maxConcurrentStreams ?? Http2ProtocolOptionsPlan.defaultMaxConcurrentStreams,
            initialStreamWindowSize: config.initialStreamWindowSize
                ?? Http2ProtocolOptionsPlan.defaultInitialStreamWindowSize,
            initialConnectionWindowSize: config.initialConnectionWindowSize
                ?? Http2ProtocolOptionsPlan.defaultInitialConnectionWindowSize,
            keepalive: config.keepalive.map {
                Http2KeepalivePlan(
                    interval: $0.interval.flatMap { $0 == .zero ? nil : $0 },
                    timeout: $0.timeout,
                    intervalJitterPercent: $0.intervalJitterPercent ?? 15,
                    connectionIdleInterval: $0.connectionIdleInterval.flatMap { $0 == .zero ? nil : $0 },
                    origin: $0.origin
                )
            },
            maxOutboundControlFrames: config.maxOutboundControlFrames
                ?? Http2ProtocolOptionsPlan.defaultMaxOutboundControlFrames,
            maxConsecutiveInboundFramesWithEmptyPayload: config.maxConsecutiveInboundFramesWithEmptyPayload
                ?? Http2ProtocolOptionsPlan.defaultMaxConsecutiveInboundFramesWithEmptyPayload,
            origin: config.origin
        )
    }

    /// A cluster's upstream HTTP: HTTP/1.1 with a 1 h idle timeout unless its protocol options say otherwise.
    static func planUpstreamHttp(_ config: UpstreamHttpProtocolOptionsConfig?) -> UpstreamHttpPlan {
        guard let config else { return UpstreamHttpPlan() }
        return UpstreamHttpPlan(
            http2: config.http2.map { planHttp2($0) },
            idleTimeout: config.common?.idleTimeout.map(\.nonZero) ?? UpstreamHttpPlan.defaultIdleTimeout,
            maxRequestsPerConnection: config.common?.maxRequestsPerConnection.flatMap { $0 == 0 ? nil : $0 },
            origin: config.origin
        )
    }

    static func planRouteConfiguration(
        _ config: RouteConfigurationConfig,
        diagnostics: inout [ConfigDiagnostic]
    ) -> RouteConfigurationPlan? {
        let before = diagnostics.count
        let hosts = config.virtualHosts.map { host in
            VirtualHostPlan(
                name: host.name,
                domains: host.domains,
                routes: host.routes.map { planRoute($0, diagnostics: &diagnostics) },
                headers: planHeaders(host.headers),
                origin: host.origin
            )
        }
        guard !diagnostics[before...].contains(where: { $0.severity == .error }) else { return nil }
        var plan = RouteConfigurationPlan(
            name: config.name,
            virtualHosts: hosts,
            headers: planHeaders(config.headers),
            mostSpecificHeaderMutationsWins: config.mostSpecificHeaderMutationsWins,
            origin: config.origin
        )
        plan.ignorePortInHostMatching = config.ignorePortInHostMatching
        return plan
    }

    private static func planRoute(_ route: RouteConfig, diagnostics: inout [ConfigDiagnostic]) -> RoutePlan {
        let path: RouteMatchPlan.PathMatch =
            switch route.match.path {
            case .prefix(let text): .prefix(text)
            case .path(let text): .path(text)
            case .regex(let text): .regex(text)
            }
        let match = RouteMatchPlan(
            path: path,
            caseSensitive: route.match.caseSensitive ?? true,
            headers: route.match.headers.map(planHeaderMatcher),
            grpc: route.match.grpc
        )
        let action: RouteAction
        switch route.action {
        case .forward(let forward):
            action = .forward(
                ForwardPlan(
                    clusters: forward.clusters.map {
                        WeightedClusterPlan(cluster: $0.name, weight: $0.weight, headers: planHeaders($0.headers))
                    },
                    timeout: forward.timeout.map(\.nonZero) ?? ForwardPlan.defaultTimeout,
                    timeoutOrigin: forward.timeout?.origin,
                    idleTimeout: forward.idleTimeout.map(\.nonZero),
                    prefixRewrite: forward.prefixRewrite,
                    hostRewriteLiteral: forward.hostRewriteLiteral,
                    maxStreamDuration: forward.maxStreamDuration.map {
                        MaxStreamDurationPlan(
                            maxStreamDuration: $0.maxStreamDuration?.nonZero,
                            grpcTimeoutHeaderMax: $0.grpcTimeoutHeaderMax?.value,
                            grpcTimeoutHeaderOffset: $0.grpcTimeoutHeaderOffset?.value
                        )
                    }
                )
            )
        case .directResponse(let direct):
            action = .directResponse(
                DirectResponsePlan(status: direct.status, body: direct.body.flatMap { readBody($0, &diagnostics) })
            )
        case .redirect(let redirect):
            action = .redirect(
                RedirectPlan(
                    scheme: redirect.scheme,
                    host: redirect.host,
                    port: redirect.port,
                    path: redirect.path,
                    prefixRewrite: redirect.prefixRewrite,
                    responseCode: redirect.responseCode,
                    stripQuery: redirect.stripQuery
                )
            )
        }
        return RoutePlan(
            name: route.name,
            match: match,
            action: action,
            headers: planHeaders(route.headers),
            origin: route.origin
        )
    }

    /// A direct response body; a file is read now, as Envoy reads it when the config loads, and held to Envoy's
    /// 4096-byte limit.
    private static func readBody(_ source: DataSourceConfig, _ diagnostics: inout [ConfigDiagnostic]) -> [UInt8]? {
        switch source.source {
        case .inlineString(let text): return Array(text.utf8)
        case .inlineBytes(let bytes): return bytes
        case .filename(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                diagnostics.append(source.sourceOrigin.diagnostic("cannot read \(JSONText.quote(path))"))
                return nil
            }
            let limit = RouteConfigurationConfig.maxDirectResponseBodyBytes
            guard data.count <= limit else {
                diagnostics.append(
                    source.sourceOrigin.diagnostic(
                        "\(JSONText.quote(path)) is \(data.count) bytes; Envoy's maximum for a direct response body "
                            + "is \(limit)"
                    )
                )
                return nil
            }
            return [UInt8](data)
        }
    }

    private static func planHeaderMatcher(_ matcher: HeaderMatcherConfig) -> HeaderMatcherPlan {
        let match: HeaderMatcherPlan.Match =
            switch matcher.match {
            case .exact(let text): .exact(text)
            case .prefix(let text): .prefix(text)
            case .suffix(let text): .suffix(text)
            case .contains(let text): .contains(text)
            case .regex(let text): .regex(text)
            case .present(let flag): .present(flag)
            }
        return HeaderMatcherPlan(
            name: matcher.name,
            match: match,
            invert: matcher.invert,
            ignoreCase: matcher.ignoreCase
        )
    }

    private static func planHeaders(_ config: HeaderMutationConfig) -> HeaderMutationPlan {
        func option(_ option: HeaderValueOptionConfig) -> HeaderValueOptionPlan {
            let action: HeaderValueOptionPlan.AppendAction =
                switch option.appendAction {
                case .appendIfExistsOrAdd: .appendIfExistsOrAdd
                case .addIfAbsent: .addIfAbsent
                case .overwriteIfExistsOrAdd: .overwriteIfExistsOrAdd
                case .overwriteIfExists: .overwriteIfExists
                }
            return HeaderValueOptionPlan(
                name: option.name,
                value: option.value,
                appendAction: action,
                keepEmptyValue: option.keepEmptyValue
            )
        }
        return HeaderMutationPlan(
            requestHeadersToAdd: config.requestHeadersToAdd.map(option),
            requestHeadersToRemove: config.requestHeadersToRemove,
            responseHeadersToAdd: config.responseHeadersToAdd.map(option),
            responseHeadersToRemove: config.responseHeadersToRemove
        )
    }
}
