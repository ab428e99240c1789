import ArgumentParser

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print Lifeline's version.")

    func run() {
        print("lifeline \(Lifeline.version)")
    }
}
