// swift-tools-version:6.1
import PackageDescription

let upcoming: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// Test code that opens raw sockets next to NIO: `sockaddr_in` is visible through both Glibc and NIO's C shim, and
/// member import visibility then rejects it depending on module load order.
let rawSocketTests: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Lifeline",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "lifeline", targets: ["lifeline"]),
        .library(name: "LifelineConfig", targets: ["LifelineConfig"]),
        .library(name: "LifelineEnvoyFilter", targets: ["LifelineEnvoyFilter"]),
        .library(name: "LifelineSocket", targets: ["LifelineSocket"]),
        .library(name: "LifelinePlan", targets: ["LifelinePlan"]),
        .library(name: "LifelineRelay", targets: ["LifelineRelay"]),
        .library(name: "LifelineProxy", targets: ["LifelineProxy"]),
        .library(name: "LifelinePipeline", targets: ["LifelinePipeline"]),
        .library(name: "LifelineAdmin", targets: ["LifelineAdmin"]),
        .library(name: "LifelineServer", targets: ["LifelineServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.3.0"),
    ],
    targets: [
        .target(
            name: "LifelineConfig",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: upcoming
        ),
        .target(
            name: "LifelineEnvoyFilter",
            dependencies: ["LifelineConfig"],
            swiftSettings: upcoming
        ),
        .target(
            name: "LifelineSocket",
            swiftSettings: upcoming
        ),
        // epoll, eventfd and accept4 for the relay (Glibc exports none of them).
        .target(name: "CLifelineRelay"),
        // The L4 relay engine for tcp_proxy chains whose bytes pass untouched: its own epoll loops, no NIO.
        // Release builds leave out the dynamic exclusivity checks on its loop-confined state: perf under wrk
        // through tcp_proxy put them (swift_beginAccess, its thread-local access set) at 4 % of the relay's CPU,
        // a third of its user-space time (bench/ANALYSIS.md). Debug builds, which the tests run, keep them.
        .target(
            name: "LifelineRelay",
            dependencies: ["CLifelineRelay", "LifelineSocket"],
            swiftSettings: upcoming + [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        .target(
            name: "LifelinePlan",
            dependencies: [
                "LifelineConfig",
                "LifelineSocket",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "LifelineProxy",
            dependencies: [
                "LifelineConfig",
                "LifelinePlan",
                "LifelineRelay",
                "LifelineSocket",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Atomics", package: "swift-atomics"),
            ],
            swiftSettings: upcoming
        ),
        // The read-only pipeline (files → EnvoyFilter patches → plan) that `check` and `explain` need: no NIO.
        .target(
            name: "LifelinePipeline",
            dependencies: ["LifelineConfig", "LifelineEnvoyFilter", "LifelinePlan"],
            swiftSettings: upcoming
        ),
        // The admin endpoint: its HTTP server, the stats renderings (Envoy's text and JSON, Prometheus through
        // swift-metrics and swift-prometheus), the connections table and page.
        .target(
            name: "LifelineAdmin",
            dependencies: [
                "LifelinePlan",
                "LifelineProxy",
                "LifelineSocket",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "LifelineServer",
            dependencies: [
                "LifelineAdmin",
                "LifelineConfig",
                "LifelinePlan",
                "LifelineProxy",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "lifeline",
            dependencies: [
                "LifelineServer",
                "LifelinePipeline",
                "LifelineConfig",
                "LifelineEnvoyFilter",
                "LifelinePlan",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: upcoming
        ),
        // Helpers shared by several test targets (not shipped in any product).
        .target(
            name: "LifelineTestSupport",
            dependencies: ["LifelineConfig"],
            path: "Tests/LifelineTestSupport",
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "LifelineConfigTests",
            dependencies: ["LifelineConfig", "LifelineTestSupport"],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "LifelineEnvoyFilterTests",
            dependencies: ["LifelineEnvoyFilter", "LifelineConfig", "LifelineTestSupport"],
            resources: [.copy("Fixtures")],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "LifelineAdminTests",
            dependencies: [
                "LifelineAdmin",
                "LifelineServer",
                "LifelineProxy",
                "LifelinePlan",
                "LifelineConfig",
                "LifelineTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: rawSocketTests
        ),
        .testTarget(
            name: "LifelineRelayTests",
            dependencies: ["LifelineRelay", "LifelineSocket"],
            swiftSettings: rawSocketTests
        ),
        .testTarget(name: "LifelineSocketTests", dependencies: ["LifelineSocket"], swiftSettings: upcoming),
        .testTarget(
            name: "LifelinePlanTests",
            dependencies: ["LifelinePlan", "LifelineConfig", "LifelineSocket", "LifelineTestSupport"],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "LifelineProxyTests",
            dependencies: [
                "LifelineProxy",
                "LifelinePlan",
                "LifelineConfig",
                "LifelineSocket",
                "LifelineTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
            ],
            swiftSettings: rawSocketTests
        ),
    ],
    swiftLanguageModes: [.v6]
)
