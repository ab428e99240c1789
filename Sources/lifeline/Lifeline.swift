import ArgumentParser

@main
struct Lifeline: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "lifeline",
        abstract: "An ingress gateway that keeps long-lived connections alive behind cloud load balancers.",
        discussion: """
            Lifeline reads Envoy v3 bootstrap configs (YAML or JSON) and proxies TCP, applying each listener's \
            socket options at the socket state the config names.

            Examples:
              lifeline check --config examples/quickstart.yaml
              lifeline run --config examples/quickstart.yaml --log-level debug
            """,
        version: version,
        subcommands: [Run.self, Check.self, Explain.self, Version.self]
    )
}
