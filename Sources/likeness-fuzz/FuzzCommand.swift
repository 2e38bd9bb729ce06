import ArgumentParser
import Foundation
import LikenessFuzz

// MARK: - likeness-fuzz

/// Fuzzes the exhibition loader and the ONNX loader with the deterministic mutation runner (`make fuzz`).
@main
struct FuzzCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "likeness-fuzz",
        abstract: "Fuzz the exhibition and ONNX loaders, the OSC decoder and the remote control's routes: every input must load or fail with an error line, never crash or hang.",
        discussion: """
        Seeds come from Tests/Fixtures/fuzz/<target>/; a crash, a hang or a broken error message is saved to \
        Tests/Fixtures/fuzz/regressions/, which `swift test` replays. The same seed always runs the same inputs.
        """
    )

    @Argument(help: "Which targets: exhibition, onnx, osc, remote (default: all four).")
    var targets: [String] = ["exhibition", "onnx", "osc", "remote"]

    @Option(help: "Executions per loader.")
    var runs = 100_000

    @Option(help: "Stop each loader after this many seconds, even before --runs.")
    var seconds: Double?

    @Option(help: "Seed of the mutation sequence.")
    var seed: UInt64 = 1

    @Option(help: "Folder that holds the seed corpora and regressions.")
    var fixtures = "Tests/Fixtures/fuzz"

    func validate() throws {
        guard runs >= 0 else { throw ValidationError("--runs must be 0 or more") }
        if let seconds, !(seconds > 0 && seconds <= 1_000_000) { throw ValidationError("--seconds must be more than 0 and at most 1000000") }
    }

    func run() throws {
        let root = URL(fileURLWithPath: fixtures)
        var findings = 0
        for name in targets {
            let report: FuzzRunner.Report
            let configuration = FuzzRunner.Configuration(runs: runs, seconds: seconds, seed: seed,
                                                         regressions: root.appendingPathComponent("regressions"))
            switch name {
            case "exhibition": report = try fuzz(ExhibitionFuzzTarget(), root: root, configuration: configuration)
            case "onnx": report = try fuzz(ModelFuzzTarget(), root: root, configuration: configuration)
            case "osc": report = try fuzz(OSCFuzzTarget(), root: root, configuration: configuration)
            case "remote": report = try fuzz(RemoteRoutesFuzzTarget(), root: root, configuration: configuration)
            default: throw ValidationError("unknown target '\(name)' (exhibition, onnx, osc, remote)")
            }
            print(report)
            findings += report.findings.count
        }
        if findings > 0 { throw ExitCode(1) }
    }

    private func fuzz(_ target: some FuzzTarget, root: URL, configuration: FuzzRunner.Configuration) throws -> FuzzRunner.Report {
        let corpus = try FuzzCorpus.load(root.appendingPathComponent(target.name), extension: target.fileExtension).map(\.bytes)
        print("\(target.name): \(corpus.count) seeds, \(configuration.runs) executions, seed \(configuration.seed)")
        return try FuzzRunner.run(target, corpus: corpus, configuration: configuration) { progress in
            print(String(format: "  %@: %d executions (%.0f/s)", progress.target, progress.executions, progress.executionsPerSecond))
        }
    }
}
