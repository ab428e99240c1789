import LifelineConfig
import LifelineTestSupport
import Testing

@Suite("Hostile YAML is refused quickly, with the place named")
struct YAMLLimitTests {
    /// Ten levels of nine references: 9^10 scalars if expanded. Before alias expansion had a budget, this ran for
    /// minutes and grew past gigabytes.
    @Test(.timeLimit(.minutes(1))) func anAliasBombIsRefusedOnceItsExpansionPassesTheBudget() throws {
        let text = YAMLBombs.aliasBomb(use: "static_resources: { listeners: ALIAS }")
        #expect(text.utf8.count < 1000)
        let diagnostics = rejectionDiagnostics("expected the alias bomb to be refused") { () throws(ConfigError) in
            _ = try ConfigLoader.parseDocuments(text, file: "bomb.yaml")
        }
        #expect(diagnostics.count == 1)
        let error = try #require(diagnostics.first)
        #expect(
            error.message.hasPrefix("YAML aliases expand to more than \(ConfigLoader.maximumAliasExpansion) values")
        )
        #expect(error.path.hasPrefix("a"))
        #expect(error.location?.file == "bomb.yaml")
    }

    @Test func aliasesWithinTheBudgetAreExpandedAsEnvoyExpandsThem() throws {
        let text = YAMLBombs.aliasBomb(levels: 3, fanOut: 4, use: "b: ALIAS")
        let tree = try ConfigLoader.parseDocument(text)
        #expect(tree["b"]?.elements?.count == 4)
        #expect(tree["b"]?.elements?.first?.elements?.first?.elements?.count == 4)
    }

    @Test func anAnchorThatIsNeverReferencedIsFine() throws {
        let tree = try ConfigLoader.parseDocument("a: &x { k: 1 }\nb: 2\n")
        #expect(tree.entries?.map(\.key) == ["a", "b"])
    }

    @Test func nestingDeeperThanAnyConfigNeedsIsRefused() throws {
        let depth = ConfigLoader.maximumDepth + 5
        let text = "a: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "\n"
        let diagnostics = rejectionDiagnostics("expected deep nesting to be refused") { () throws(ConfigError) in
            _ = try ConfigLoader.parseDocuments(text, file: "deep.yaml")
        }
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.message == "nested more than \(ConfigLoader.maximumDepth) levels deep")
    }
}
