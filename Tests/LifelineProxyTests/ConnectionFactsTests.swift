import LifelineConfig
import LifelinePlan
import NIOCore
import Testing

@testable import LifelineProxy

@Suite struct ConnectionFactsTests {
    @Test func ipv4AndIPv6AddressesAreReadInNetworkByteOrder() throws {
        let v4 = try SocketAddress(ipAddress: "198.18.0.7", port: 8443)
        #expect(v4.addressBytes == [198, 18, 0, 7])
        let v6 = try SocketAddress(ipAddress: "2001:db8::1", port: 443)
        #expect(v6.addressBytes == [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1])
    }

    @Test func aListenerWithOneUnconditionalChainNeedsNoFacts() throws {
        let tree = try ConfigLoader.parseDocument(GatewayHarness.config(upstreamPorts: [1]), file: "test.yaml")
        let (plan, _) = try GatewayPlanner.plan(try Bootstrap.decode(tree).0)
        let chains = ListenerChains(plan: try #require(plan.listeners.first))
        #expect(chains.unconditional == 0)
        #expect(chains.all.map(\.tcpProxy?.cluster) == ["upstream"])
    }
}
