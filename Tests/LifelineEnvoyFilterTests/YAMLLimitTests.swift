import LifelineConfig
import LifelineEnvoyFilter
import LifelineTestSupport
import Testing

@Suite("An EnvoyFilter file with an alias bomb is refused quickly")
struct EnvoyFilterYAMLLimitTests {
    @Test(.timeLimit(.minutes(1))) func anAliasBombInAPatchValueIsRefused() throws {
        let text = YAMLBombs.aliasBomb(
            use: """
                apiVersion: networking.istio.io/v1alpha3
                kind: EnvoyFilter
                metadata: { name: bomb, namespace: istio-system }
                spec: { configPatches: [ { applyTo: LISTENER, patch: { operation: MERGE, value: { x: ALIAS } } } ] }
                """
        )
        let diagnostics = rejectionDiagnostics("expected the bomb to be refused") { () throws(ConfigError) in
            _ = try EnvoyFilterLoader.parse(text, file: "bomb.yaml")
        }
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.message.hasPrefix("YAML aliases expand to more than") == true)
    }
}
