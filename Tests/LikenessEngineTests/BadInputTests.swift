import Foundation
import Testing
@testable import LikenessEngine

// MARK: - Bad inputs: a clear error, never a crash

@Suite("Bad models fail cleanly")
struct BadInputTests {
    @Test("every bad fixture throws the expected error with a hint", arguments: BadCase.all())
    func badFixture(_ bad: BadCase) {
        do {
            _ = try Generator(contentsOf: Fixtures.url(bad.file))
            Issue.record("\(bad.file) loaded, expected \(bad.expect)")
        } catch {
            #expect(error.caseName == bad.expect, "\(bad.file): \(error)")
            // Messages end with a hint after a semicolon.
            #expect(error.description.contains(";"), "\(error.description)")
        }
    }

    @Test("the bad-input suite covers the issue's list")
    func coverage() {
        let kinds = Set(BadCase.all().map(\.expect))
        for kind in ["notONNX", "inputOutputCount", "badSignature", "unsupportedOperator", "externalData", "nonFiniteWeight", "tooLarge", "cycle"] {
            #expect(kinds.contains(kind), "no bad fixture for \(kind)")
        }
    }

    @Test("unsupported operator names the operator, the node and the supported list")
    func unsupportedOperatorMessage() {
        do {
            _ = try Generator(contentsOf: Fixtures.url("bad/unsupported_operator.onnx"))
        } catch {
            #expect(error.description.contains("'Einsum'"))
            #expect(error.description.contains("ConvTranspose"))
            #expect(error.description.contains("einsum_image"))
        }
    }

    @Test("a missing file is an unreadableFile error")
    func missingFile() {
        #expect(throws: EngineError.self) { _ = try Generator(contentsOf: URL(fileURLWithPath: "/nonexistent/model.onnx")) }
    }

    @Test("invalid batch size and thread count are refused")
    func invalidArguments() {
        #expect(throws: EngineError.self) { _ = try Generator(contentsOf: Fixtures.tinyGenerator, batchSize: 0) }
        #expect(throws: EngineError.self) { _ = try Generator(contentsOf: Fixtures.tinyGenerator, threads: -1) }
    }

    @Test("truncating the tiny generator anywhere never crashes", arguments: [1, 2, 7, 64, 100, 1000, 5000, 30000, 100_000, 200_000, 244_000])
    func truncated(at length: Int) throws {
        let data = try Data(contentsOf: Fixtures.tinyGenerator)
        let cut = data.prefix(min(length, data.count - 1))
        #expect(throws: EngineError.self) { _ = try Generator(data: Data(cut)) }
    }

    @Test("random byte corruption never crashes", arguments: 0..<24)
    func corrupted(seed: Int) throws {
        var data = [UInt8](try Data(contentsOf: Fixtures.tinyGenerator))
        var random = TestRandom(seed: UInt64(seed) &* 7919 &+ 1)
        for _ in 0..<(1 + seed % 5) {
            let at = Int(random.next() % UInt64(min(data.count, seed % 2 == 0 ? 2000 : data.count)))
            data[at] = UInt8(truncatingIfNeeded: random.next())
        }
        // Either a clean error or a model that runs.
        if let generator = try? Generator(data: data) {
            let out = generator.forward(latents: [Float](repeating: 0.1, count: generator.zDim))
            #expect(out.count == generator.planeFloatCount)
        }
    }
}
