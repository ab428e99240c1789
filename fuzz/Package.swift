// swift-tools-version:6.1
import PackageDescription

/// libFuzzer targets for Lifeline, kept out of the main package so that its `swift build` and `swift test` never see
/// the sanitizer flags. Build with `./run` (or by hand:
/// `swift build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library`).
let upcoming: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "LifelineFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Lifeline", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        // The declaration of libFuzzer's driver, which each target's entry point calls.
        .target(name: "CLibFuzzer"),
        // What the HTTP targets share: a gateway on an EmbeddedEventLoop, one connection per input.
        .target(
            name: "FuzzSupport",
            dependencies: [
                .product(name: "LifelineConfig", package: "Lifeline"),
                .product(name: "LifelinePipeline", package: "Lifeline"),
                .product(name: "LifelinePlan", package: "Lifeline"),
                .product(name: "LifelineProxy", package: "Lifeline"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: upcoming
        ),
        // Bootstrap text, then EnvoyFilter text, through the pipeline `lifeline check` runs.
        .executableTarget(
            name: "FuzzConfig",
            dependencies: [
                "CLibFuzzer",
                .product(name: "LifelinePipeline", package: "Lifeline"),
                .product(name: "LifelineConfig", package: "Lifeline"),
                .product(name: "LifelineEnvoyFilter", package: "Lifeline"),
                .product(name: "LifelinePlan", package: "Lifeline"),
            ],
            swiftSettings: upcoming
        ),
        // Downstream bytes into the HTTP/1.1 connection manager pipeline on an EmbeddedChannel.
        .executableTarget(
            name: "FuzzHTTP1",
            dependencies: ["CLibFuzzer", "FuzzSupport"],
            swiftSettings: upcoming
        ),
        // The HTTP/2 preface, then frames built from the input, into the HTTP/2 connection manager pipeline.
        .executableTarget(
            name: "FuzzHTTP2",
            dependencies: ["CLibFuzzer", "FuzzSupport"],
            swiftSettings: upcoming
        ),
        // The first bytes of a connection through the PROXY protocol listener filter's parser.
        .executableTarget(
            name: "FuzzProxyProtocol",
            dependencies: [
                "CLibFuzzer",
                .product(name: "LifelineProxy", package: "Lifeline"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: upcoming
        ),
    ],
    swiftLanguageModes: [.v6]
)
