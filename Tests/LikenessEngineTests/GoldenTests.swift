import Foundation
import Testing
@testable import LikenessEngine

// MARK: - Golden tests against ONNX Runtime

@Suite("Golden outputs against ONNX Runtime")
struct GoldenTests {
    @Test("fixtures are present")
    func fixturesPresent() {
        #expect(GoldenCase.all().count >= 40, "run `make fixtures` to regenerate Tests/Fixtures")
    }

    @Test("engine matches ONNX Runtime", arguments: GoldenCase.all(), [1, 2])
    func matchesONNXRuntime(_ golden: GoldenCase, threads: Int) throws {
        let graph = try ModelLoader.load(contentsOf: Fixtures.url(golden.model))
        var planner = Planner(graph: graph, batchSize: golden.inputShape[0], threads: threads)
        let plan = try planner.plan()
        #expect(plan.outputShape == golden.outputShape)
        let input = try Fixtures.floats(golden.input)
        let expected = try Fixtures.floats(golden.expected)
        let actual = plan.evaluate(input)
        let diff = Difference(actual, expected)
        let scale = max(1, expected.map { abs($0) }.max() ?? 1)
        #expect(diff.maxAbs <= 1e-4 * scale, "\(golden.name): \(diff)")
    }

    @Test("whole generators through the public API, max |Δ| <= 1e-4", arguments: GoldenCase.all().filter(\.generator))
    func generatorMatches(_ golden: GoldenCase) throws {
        let generator = try Generator(contentsOf: Fixtures.url(golden.model), batchSize: golden.inputShape[0])
        #expect(generator.zDim == golden.inputShape[1])
        #expect([golden.inputShape[0], 3, generator.imageHeight, generator.imageWidth] == golden.outputShape)
        let input = try Fixtures.floats(golden.input)
        let expected = try Fixtures.floats(golden.expected)
        let diff = Difference(generator.forward(latents: input), expected)
        #expect(diff.maxAbs <= 1e-4, "\(golden.name): \(diff)")
        // The copying entry point agrees with the evaluating one exactly.
        var planes = [Float](repeating: .nan, count: expected.count)
        input.withUnsafeBufferPointer { z in planes.withUnsafeMutableBufferPointer { generator.render(latents: z, into: $0) } }
        #expect(planes == generator.forward(latents: input))
    }

    @Test("the naive reference interpreter matches ONNX Runtime on operator cases", arguments: GoldenCase.all().filter { !$0.generator })
    func referenceMatches(_ golden: GoldenCase) throws {
        let graph = try ModelLoader.load(contentsOf: Fixtures.url(golden.model))
        let input = try Fixtures.floats(golden.input)
        let output = try ReferenceInterpreter.run(graph, input: Tensor(shape: golden.inputShape, floats: input))
        let expected = try Fixtures.floats(golden.expected)
        let diff = Difference(output.floats, expected)
        let scale = max(1, expected.map { abs($0) }.max() ?? 1)
        #expect(diff.maxAbs <= 1e-4 * scale, "\(golden.name): \(diff)")
    }
}

// MARK: - Reference interpreter

/// Runs a whole graph with ``Reference`` only (slow; for tests).
enum ReferenceInterpreter {
    static func run(_ graph: Graph, input: Tensor) throws -> Tensor {
        var values: [String: Tensor] = graph.initializers
        values[graph.inputName] = input
        var pending = graph.nodes.flatMap(\.unfused)  // a fused group as its parts, activations kept
        while !pending.isEmpty {
            guard let i = pending.firstIndex(where: { $0.inputs.allSatisfy { $0.isEmpty || values[$0] != nil } }) else {
                throw EngineError.cycle(node: pending[0].label)
            }
            let node = pending.remove(at: i)
            let outputs = try Reference.evaluate(node, node.inputs.map { $0.isEmpty ? nil : values[$0] })
            for (name, t) in zip(node.outputs, outputs) { values[name] = t }
        }
        guard let out = values[graph.outputName] else { throw EngineError.undefinedValue(name: graph.outputName, node: "output") }
        return out
    }
}
