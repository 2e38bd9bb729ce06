import Foundation
import Testing
@testable import LikenessEngine

// MARK: - Lineage extractors: picture → embedding

@Suite("Lineage extractors: picture → embedding")
struct LineageExtractorTests {
    /// The engine against ONNX Runtime (Tests/Fixtures/make_lineage_fixture.py) on two pictures each.
    @Test("an extractor matches ONNX Runtime within 1e-4 (relative to the largest value)",
          arguments: ["models/tiny-lineage", "models/lineage-128"], [1, 2])
    func matchesORT(fixture: String, threads: Int) throws {
        let url = Fixtures.url("\(fixture).onnx")
        let model = FileManager.default.fileExists(atPath: url.path) ? url : Fixtures.root.appendingPathComponent("../../Models/met-portraits-128/lineage.onnx")
        let extractor = try LineageExtractor(contentsOf: model, options: EngineOptions(threads: threads))
        #expect(extractor.inputSize == 128)
        #expect(extractor.metadata["likeness.stage"] == "lineage")
        let input = try Fixtures.floats("\(fixture).in.f32")
        let expected = try Fixtures.floats("\(fixture).out.f32")
        let pixels = 3 * 128 * 128, d = extractor.dimension
        #expect(input.count == 2 * pixels && expected.count == 2 * d)
        for picture in 0..<2 {
            var output = [Float](repeating: .nan, count: d)
            input[(picture * pixels)..<((picture + 1) * pixels)].withUnsafeBufferPointer { i in
                output.withUnsafeMutableBufferPointer { extractor.run(i, into: $0) }
            }
            let reference = Array(expected[(picture * d)..<((picture + 1) * d)])
            let scale = max(1, reference.map(abs).max() ?? 1)
            let diff = Difference(output, reference)
            #expect(diff.maxAbs <= 1e-4 * scale, "picture \(picture): \(diff)")
        }
    }

    @Test("a generator or a detail stage is refused as an extractor, with the hint")
    func contractIsChecked() {
        for url in [Fixtures.tinyGenerator, Fixtures.url("ops/stage_x2_residual.onnx")] {
            #expect {
                _ = try LineageExtractor(contentsOf: url)
            } throws: { error in "\(error)".contains("likeness.stage") && "\(error)".contains("build_lineage.py") }
        }
    }
}
