import ArgumentParser

// MARK: - likeness

/// The `likeness` command-line tool (engine-only root; the lead merges it with the show commands).
@main
struct Likeness: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "likeness",
        abstract: "An endless generative portrait exhibition.",
        subcommands: [Bench.self, Eval.self])
}
