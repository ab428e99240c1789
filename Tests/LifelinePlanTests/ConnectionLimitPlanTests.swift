import LifelineConfig
import LifelinePlan
import LifelineSocket
import Testing

@Suite("The global downstream connection cap in the plan")
struct ConnectionLimitPlanTests {
    static let configured = """
        overload_manager:
          resource_monitors:
          - name: envoy.resource_monitors.global_downstream_max_connections
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig
              max_active_downstream_connections: 5000
        static_resources: {}
        """

    @Test(arguments: [(20000, 9968), (256, 96), (1024, 480), (65, 1), (10, 1)])
    func theDefaultLeavesARreserveAndTwoDescriptorsPerConnection(_ openFiles: Int, _ expected: Int) throws {
        let bootstrap = try Bootstrap.decode(try ConfigLoader.parseDocument("static_resources: {}\n", file: "x.yaml")).0
        let plan = try GatewayPlanner.plan(bootstrap, openFilesLimit: openFiles).0
        #expect(plan.maxDownstreamConnections.maxConnections == expected)
        #expect(plan.maxDownstreamConnections.isDefault)
        #expect(plan.maxDownstreamConnections.source == "default: RLIMIT_NOFILE \(openFiles) → \(expected)")
    }

    @Test func anUnlimitedFdLimitMeansNoCap() throws {
        let bootstrap = try Bootstrap.decode(try ConfigLoader.parseDocument("static_resources: {}\n", file: "x.yaml")).0
        let limit = try GatewayPlanner.plan(bootstrap, openFilesLimit: nil).0.maxDownstreamConnections
        #expect(limit.maxConnections == ConnectionLimitPlan.unlimited)
        #expect(limit.source == "default: RLIMIT_NOFILE unlimited → no cap")
        #expect(
            try planConfig("static_resources: {}\n").summary(eventLoops: 1)["max_downstream_connections"]?["value"]
                != .string("unlimited")
        )
    }

    @Test func theProcessLimitIsRead() throws {
        let limit = try #require(SystemLimits.openFilesLimit)
        #expect(limit > 0)
        let bootstrap = try Bootstrap.decode(try ConfigLoader.parseDocument("static_resources: {}\n", file: "x.yaml")).0
        let plan = try GatewayPlanner.plan(bootstrap).0
        #expect(plan.maxDownstreamConnections.maxConnections == max(1, (limit - 64) / 2))
    }

    @Test func theConfiguredCapIsKeptWithItsPath() throws {
        let plan = try planConfig(Self.configured)
        #expect(plan.maxDownstreamConnections.maxConnections == 5000)
        #expect(!plan.maxDownstreamConnections.isDefault)
        #expect(
            plan.maxDownstreamConnections.source
                == "overload_manager.resource_monitors[0].typed_config.max_active_downstream_connections"
        )
    }

    @Test func theSummaryPrintsTheCapAndItsSource() throws {
        let configured = try planConfig(Self.configured).summary(eventLoops: 1)["max_downstream_connections"]
        #expect(configured?["value"] == .number(5000))
        #expect(
            configured?["source"]
                == .string("overload_manager.resource_monitors[0].typed_config.max_active_downstream_connections")
        )
        let silent = try planConfig("static_resources: {}\n").summary(eventLoops: 1)
        #expect(silent.yamlText.contains("max_downstream_connections:\n  value: 9968\n"))
        #expect(silent["max_downstream_connections"]?["source"] == .string("default: RLIMIT_NOFILE 20000 → 9968"))
    }
}
