import Foundation
import LikenessFuzz
import Testing

/// `Tests/Fixtures/fuzz`: seed corpora and regression cases.
let fuzzFixtures = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/fuzz")

// MARK: - Bounded fuzzing

/// A short, fixed pass of the mutation fuzzer over each loader (`make fuzz` runs it far longer).
///
/// Serialized: the crash recorder is one per process.
@Suite(.serialized) struct BoundedFuzzTests {
    /// Executions per loader: a few seconds each in a debug build (the limit is 30 s).
    static let runs = 40_000

    @Test func exhibitionLoaderNeverTrapsOrHangs() throws {
        let report = try fuzz(ExhibitionFuzzTarget())
        #expect(report.rejectedEarly > 0 && report.rejectedLate > 0 && report.accepted > 0, "\(report)")
    }

    @Test func onnxLoaderNeverTrapsOrHangs() throws {
        let report = try fuzz(ModelFuzzTarget())
        #expect(report.rejectedEarly > 0 && report.rejectedLate > 0 && report.accepted > 0, "\(report)")
    }

    @Test func oscDecoderNeverTrapsOrHangs() throws {
        let report = try fuzz(OSCFuzzTarget())
        #expect(report.rejectedEarly > 0 && report.accepted > 0, "\(report)")
    }

    /// Fewer runs: each request goes through the async API (a task and a wait).
    @Test func remoteRoutesNeverTrapOrHang() throws {
        let report = try fuzz(RemoteRoutesFuzzTarget(), runs: 10_000)
        #expect(report.rejectedEarly > 0 && report.rejectedLate > 0 && report.accepted > 0, "\(report)")
    }

    private func fuzz(_ target: some FuzzTarget, runs: Int = BoundedFuzzTests.runs) throws -> FuzzRunner.Report {
        let corpus = try FuzzCorpus.load(fuzzFixtures.appendingPathComponent(target.name), extension: target.fileExtension)
        #expect(corpus.count >= 5, "the \(target.name) seed corpus is missing")
        let configuration = FuzzRunner.Configuration(runs: runs, seconds: 30, seed: 20_261_202,
                                                     regressions: fuzzFixtures.appendingPathComponent("regressions"))
        let report = try FuzzRunner.run(target, corpus: corpus.map(\.bytes), configuration: configuration)
        print(report)
        #expect(report.findings.isEmpty, "\(report)")
        return report
    }
}

// MARK: - Regressions

/// Every input that ever crashed, hung or broke an error message stays fixed.
@Suite struct FuzzRegressionTests {
    static let cases: [String] = {
        let folder = fuzzFixtures.appendingPathComponent("regressions")
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }()

    @Test func theTOMLAbortsAreKept() {
        #expect(Self.cases.contains("exhibition-tomlpp-lone-bracket.toml"))
    }

    @Test(arguments: cases)
    func regressionCaseLoadsOrFailsCleanly(name: String) throws {
        let bytes = [UInt8](try Data(contentsOf: fuzzFixtures.appendingPathComponent("regressions/\(name)")))
        let failures: [String]
        if name.hasPrefix("exhibition-") {
            failures = FuzzRunner.replay(ExhibitionFuzzTarget(), cases: [(name, bytes)])
        } else if name.hasPrefix("onnx-") {
            failures = FuzzRunner.replay(ModelFuzzTarget(), cases: [(name, bytes)])
        } else if name.hasPrefix("osc-") {
            failures = FuzzRunner.replay(OSCFuzzTarget(), cases: [(name, bytes)])
        } else if name.hasPrefix("remote-") {
            failures = FuzzRunner.replay(RemoteRoutesFuzzTarget(), cases: [(name, bytes)])
        } else {
            Issue.record("\(name): a regression case is named exhibition-…, onnx-…, osc-… or remote-…")
            return
        }
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test func theMutatorIsDeterministic() {
        let mutator = Mutator(dictionary: [Array("[[".utf8)], maximumLength: 64)
        var a = FuzzRandom(seed: 7), b = FuzzRandom(seed: 7)
        let seed = Array("title = \"x\"".utf8)
        for _ in 0..<100 {
            #expect(mutator.mutate(seed, corpus: [seed], random: &a) == mutator.mutate(seed, corpus: [seed], random: &b))
        }
        var c = FuzzRandom(seed: 8)
        #expect((0..<20).contains { _ in mutator.mutate(seed, corpus: [seed], random: &a) != mutator.mutate(seed, corpus: [seed], random: &c) })
    }
}
