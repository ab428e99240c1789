import LifelinePlan
import NIOCore
import NIOHTTP1

/// A request's head: checked, routed, and answered locally or forwarded.
extension HTTPStreamHandler {
    func requestHead(_ received: HTTPRequestHead, context: ChannelHandlerContext) {
        cancelIdleTimer()
        headersTimer?.cancel()
        headersTimer = nil
        var received = received
        let target = HTTPRequestTarget(uri: received.uri, isConnect: received.method == .CONNECT)
        if case .absolute(let authority, let path) = target {
            received.uri = path
            received.headers.replaceOrAdd(name: "host", value: authority)
        }
        var head = received
        let stream = HTTPActiveStream(handler: self, head: received, eventLoop: context.eventLoop)
        self.stream = stream
        manager.stats.increment(.downstreamRequestsTotal)
        manager.stats.increment(.downstreamRequestsActive)
        if codec == .http1 && !received.isKeepAlive { closeAfterResponse = true }
        if codec == .http2 && HTTPHeaderRules.listSize(received) > plan.maxRequestHeadersKb * 1024 {
            // HTTP/1.1's decoder enforces max_request_headers_kb itself (431 and close); on HTTP/2 only this stream
            // is refused.
            sendLocalReply(.requestHeadersTooLarge)
            return
        }
        if target == .invalid {
            closeAfterResponse = true
            sendLocalReply(.invalidRequestTarget)
            return
        }
        if codec == .http1 && received.version.major == 1 && received.version.minor == 0 {
            // Envoy's default (`http_protocol_options.accept_http_10: false`): HTTP/1.0 is refused with 426.
            closeAfterResponse = true
            sendLocalReply(.upgradeRequired)
            return
        }

        let underscored = HTTPHeaderRules.underscoredNames(head.headers)
        if !underscored.isEmpty {
            switch plan.headersWithUnderscoresAction {
            case .allow: break
            case .dropHeader:
                for name in underscored { head.headers.remove(name: name) }
            case .rejectRequest:
                if codec == .http2 {
                    stream.flags.append(.downstreamProtocolError)
                    resetStream(stream)
                } else {
                    sendLocalReply(.headersWithUnderscores)
                }
                return
            }
        }
        if head.headers.first(name: "expect")?.lowercased() == "100-continue" {
            // Envoy answers 100 itself and does not pass the expectation on.
            head.headers.remove(name: "expect")
            context.writeAndFlush(
                wrapOutboundOut(.head(HTTPResponseHead(version: received.version, status: .continue))),
                promise: nil
            )
        }
        stream.startStreamTimers()

        let authority = head.headers.first(name: "host") ?? ""
        var fields = [
            HeaderField(name: ":authority", value: authority), HeaderField(name: ":path", value: head.uri),
            HeaderField(name: ":method", value: head.method.rawValue),
            HeaderField(name: ":scheme", value: manager.scheme),
        ]
        for header in head.headers {
            fields.append(HeaderField(name: header.name.lowercased(), value: header.value))
        }
        let request = RouteRequest(authority: authority, path: head.uri, method: head.method.rawValue, headers: fields)
        guard let selection = plan.routeConfig.select(request) else {
            manager.stats.increment(.noRoute)
            sendLocalReply(.noRoute)
            return
        }
        let virtualHost = plan.routeConfig.virtualHosts[selection.virtualHost]
        let route = virtualHost.routes[selection.route]
        stream.responseMutations = [route.headers, virtualHost.headers, plan.routeConfig.headers]
        switch route.action {
        case .directResponse(let direct):
            let status = HTTPResponseStatus(statusCode: direct.status)
            sendLocalReply(HTTPLocalReply(status: status, bytes: direct.body ?? [], flag: nil, plainText: true))
        case .redirect(let redirect):
            let location = HTTPHeaderRules.redirectLocation(
                redirect,
                match: route.match.path,
                scheme: head.headers.first(name: "x-forwarded-proto") ?? manager.scheme,
                authority: authority,
                path: head.uri
            )
            sendLocalReply(
                HTTPLocalReply(
                    status: HTTPResponseStatus(statusCode: redirect.responseCode),
                    body: "",
                    flag: nil,
                    headers: [("location", location)]
                )
            )
        case .forward(let forward):
            forwardRequest(head, route: route, virtualHost: virtualHost, forward: forward, context: context)
        }
    }

    func forwardRequest(
        _ received: HTTPRequestHead,
        route: RoutePlan,
        virtualHost: VirtualHostPlan,
        forward: ForwardPlan,
        context: ChannelHandlerContext
    ) {
        guard let stream else { return }
        let cluster = Self.pickCluster(forward.clusters)
        stream.responseMutations.insert(cluster.headers, at: 0)
        stream.forward = forward
        stream.clusterName = cluster.cluster
        stream.routeChosen()
        guard let pool = manager.pools.pool(cluster: cluster.cluster, on: context.eventLoop) else {
            manager.stats.increment(.noCluster)
            sendLocalReply(.noCluster)
            return
        }
        var head = HTTPRequestHead(version: .http1_1, method: received.method, uri: received.uri)
        head.headers = received.headers
        HTTPHeaderRules.removeHopByHop(&head.headers)
        if codec == .http2 {
            // HTTP/2 has no `te` but `trailers`, and the codec put `:authority` in `host` already.
            head.headers.remove(name: "te")
            if received.headers[canonicalForm: "te"].contains(where: { $0.lowercased() == "trailers" }) {
                head.headers.add(name: "te", value: "trailers")
            }
        }
        let downstream = downstreamFacts(context: context)
        HTTPHeaderRules.addForwardingHeaders(
            &head.headers,
            downstream: downstream,
            useRemoteAddress: plan.useRemoteAddress,
            requestID: HTTPHeaderRules.requestID
        )
        if let prefixRewrite = forward.prefixRewrite {
            head.uri = HTTPHeaderRules.rewrite(path: head.uri, match: route.match.path, prefixRewrite: prefixRewrite)
        }
        if let host = forward.hostRewriteLiteral {
            head.headers.replaceOrAdd(name: "host", value: host)
        }
        HTTPHeaderRules.apply(
            [cluster.headers, route.headers, virtualHost.headers, plan.routeConfig.headers],
            toRequest: &head.headers,
            downstream: downstream
        )
        stream.upstreamHead = head
        stream.pool = pool
        stream.state.forward()
        stream.connect()
    }

    /// A weighted pick among the route's clusters.
    static func pickCluster(_ clusters: [WeightedClusterPlan]) -> WeightedClusterPlan {
        let total = clusters.reduce(0) { $0 + max(0, $1.weight) }
        guard clusters.count > 1, total > 0 else { return clusters[0] }
        var point = Int.random(in: 0..<total)
        for cluster in clusters {
            point -= max(0, cluster.weight)
            if point < 0 { return cluster }
        }
        return clusters[clusters.count - 1]
    }

    func downstreamFacts(context: ChannelHandlerContext) -> HTTPHeaderRules.Downstream {
        // An HTTP/2 stream channel has no addresses of its own; its parent (the connection) has them.
        let connection = codec == .http2 ? (context.channel.parent ?? context.channel) : context.channel
        return HTTPHeaderRules.Downstream(
            scheme: manager.scheme,
            remoteAddress: connection.downstreamRemoteAddress,
            localAddress: connection.downstreamLocalAddress,
            protocolName: codec.rawValue
        )
    }
}
