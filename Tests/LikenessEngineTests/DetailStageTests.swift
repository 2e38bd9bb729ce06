import Foundation
import Testing
@testable import LikenessEngine

// MARK: - Detail stages and new operators

@Suite("Detail stages: image → larger image")
struct DetailStageTests {
    @Test("a random-weight ×2 stage runs through the public API within 1e-4 of ONNX Runtime", arguments: [1, 2])
    func stageMatchesORT(threads: Int) throws {
        let stage = try DetailStage(contentsOf: Fixtures.url("ops/stage_x2_residual.onnx"), options: EngineOptions(threads: threads))
        #expect(stage.scale == 2 && stage.inputWidth == 11 && stage.inputHeight == 9 && stage.outputWidth == 22 && stage.outputHeight == 18)
        #expect(stage.metadata["likeness.stage"] == "detail")
        #expect(stage.gflopPerFrame > 0)
        let input = try Fixtures.floats("ops/stage_x2_residual.in.f32")
        let expected = try Fixtures.floats("ops/stage_x2_residual.out.f32")
        var output = [Float](repeating: .nan, count: 3 * 18 * 22)
        input.withUnsafeBufferPointer { i in output.withUnsafeMutableBufferPointer { stage.run(i, into: $0) } }
        let diff = Difference(output, expected)
        #expect(diff.maxAbs <= 1e-4, "\(diff)")
    }

    @Test("a generator is refused as a stage, and a stage as a generator, with a hint")
    func contractsAreChecked() throws {
        #expect {
            _ = try DetailStage(contentsOf: Fixtures.tinyGenerator)
        } throws: { error in "\(error)".contains("detail stage takes an image") }
        #expect {
            _ = try Generator(contentsOf: Fixtures.url("ops/stage_x2_residual.onnx"))
        } throws: { error in "\(error)".contains("DetailStage") }
    }

    @Test("DepthToSpace then SpaceToDepth is the identity (DCR)", arguments: [1, 2, 3])
    func pixelShuffleRoundTrip(block: Int) throws {
        let shape = [2, 3 * block * block, 5, 4]
        var random = TestRandom(seed: UInt64(block))
        let x = Tensor(shape: shape, floats: random.floats(shape.reduce(1, *)))
        let d2s = Node(opType: "DepthToSpace", name: "d", inputs: ["x"], outputs: ["y"], attributes: ["blocksize": .int(block)])
        let s2d = Node(opType: "SpaceToDepth", name: "s", inputs: ["y"], outputs: ["z"], attributes: ["blocksize": .int(block)])
        let y = try Reference.evaluate(d2s, [x])[0]
        #expect(y.shape == [2, 3, 5 * block, 4 * block])
        let z = try Reference.evaluate(s2d, [y])[0]
        #expect(z == x)
    }

    @Test("bad DepthToSpace, Pad and Resize attributes are clear errors")
    func badAttributes() {
        let x = Tensor(shape: [1, 5, 2, 2], floats: [Float](repeating: 1, count: 20))
        #expect(throws: EngineError.self) {
            _ = try Reference.evaluate(Node(opType: "DepthToSpace", name: "d", inputs: ["x"], outputs: ["y"], attributes: ["blocksize": .int(2)]), [x])
        }
        #expect(throws: EngineError.self) {
            _ = try Reference.evaluate(Node(opType: "DepthToSpace", name: "d", inputs: ["x"], outputs: ["y"],
                                            attributes: ["blocksize": .int(1), "mode": .string("XYZ")]), [x])
        }
        let pads = Tensor(shape: [8], ints: [0, 0, -3, 0, 0, 0, 0, 0])
        #expect(throws: EngineError.self) {
            _ = try Reference.evaluate(Node(opType: "Pad", name: "p", inputs: ["x", "pads"], outputs: ["y"], attributes: [:]), [x, pads])
        }
        #expect(throws: EngineError.self) {
            _ = try Reference.evaluate(Node(opType: "Pad", name: "p", inputs: ["x", "pads"], outputs: ["y"], attributes: ["mode": .string("mirror")]),
                                       [x, Tensor(shape: [8], ints: [0, 0, 1, 1, 0, 0, 1, 1])])
        }
    }
}
