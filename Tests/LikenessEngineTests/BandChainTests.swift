import Foundation
import Testing
@testable import LikenessEngine

// MARK: - Band chains: fused-layer tiling of the detail stages

/// Plans the fixture `name` with the given band settings.
private func plan(_ name: String, threads: Int, bandChains: Bool = true, rows: Int = EngineOptions.defaultBandRows) throws -> ExecutionPlan {
    var planner = Planner(graph: try ModelLoader.load(contentsOf: Fixtures.url("ops/\(name).onnx")), batchSize: 1, threads: threads,
                          bandChains: bandChains, bandRows: rows)
    return try planner.plan()
}

private func graph(_ nodes: [Node], _ initializers: [String: Tensor], input shape: [Int], output: String = "y") -> Graph {
    Graph(nodes: nodes, initializers: initializers, inputName: "x", inputShape: shape.map { $0 }, outputName: output, metadata: [:], opsetVersion: 17)
}

private func node(_ op: String, _ inputs: [String], _ outputs: [String], _ attributes: [String: Attribute] = [:]) -> Node {
    Node(opType: op, name: outputs[0], inputs: inputs, outputs: outputs, attributes: attributes)
}

private func random(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
    var r = TestRandom(seed: seed)
    return Tensor(shape: shape, floats: r.floats(shape.reduce(1, *), scale: scale))
}

@Suite("Band chains")
struct BandChainTests {
    static let stages = ["stage_x4_band_chain", "stage_x2_dcr_5x5"]

    @Test("a stage's body, pixel shuffle and residual plan as one band chain, within 1e-4 of ONNX Runtime at any band height",
          arguments: stages, [1, 2])
    func matchesORT(name: String, threads: Int) throws {
        let input = try Fixtures.floats("ops/\(name).in.f32")
        let expected = try Fixtures.floats("ops/\(name).out.f32")
        for rows in [1, 2, 5, 16, 1000] {
            let p = try plan(name, threads: threads, rows: rows)
            let chains = p.steps.compactMap { $0 as? BandChainStep }
            try #require(chains.count == 1, "\(name): steps \(p.steps.map(\.opType))")
            let diff = Difference(p.evaluate(input), expected)
            #expect(diff.maxAbs <= 1e-4, "\(name), \(rows) rows, \(threads) threads: \(diff)")
        }
    }

    @Test("the x4 chain folds the shuffle and the residual: only the upscale runs beside it, and it moves a fraction of the bytes")
    func foldsShuffleAndResidual() throws {
        let fused = try plan("stage_x4_band_chain", threads: 2)
        // The bilinear upscale is blended in the store: no Resize step, no upscaled picture.
        #expect(fused.steps.map(\.opType).filter { $0 != "Concat" } == ["BandChain"], "\(fused.steps.map(\.opType))")
        let chain = try #require(fused.steps.compactMap { $0 as? BandChainStep }.first)
        #expect(chain.shuffle?.block == 4 && chain.shuffle?.crd == true && chain.residualID < 0 && chain.upscale != nil)
        let plain = try plan("stage_x4_band_chain", threads: 2, bandChains: false)
        #expect(!plain.steps.contains { $0 is BandChainStep })
        let moved = { (p: ExecutionPlan) in p.steps.reduce(0) { $0 + $1.bytesMoved } }
        #expect(moved(fused) * 3 < moved(plain), "fused \(moved(fused)) bytes, layer by layer \(moved(plain))")
        let input = try Fixtures.floats("ops/stage_x4_band_chain.in.f32")
        #expect(Difference(fused.evaluate(input), plain.evaluate(input)).maxAbs <= 1e-4)
    }

    @Test("a value read outside the run ends the chain there, and the result stays right")
    func valueReadOutside() throws {
        // x → conv a → conv b → conv c; y = concat(c, a): `a` is read after the run, so the run
        // cannot keep it in a band; b → c may still chain (c reads only b).
        let inits = ["w1": random([8, 3, 3, 3], seed: 1, scale: 0.3), "w2": random([8, 8, 3, 3], seed: 2, scale: 0.2),
                     "w3": random([8, 8, 3, 3], seed: 3, scale: 0.2)]
        let pads: [String: Attribute] = ["pads": .ints([1, 1, 1, 1])]
        let g = graph([
            node("Conv", ["x", "w1"], ["a"], pads), node("Relu", ["a"], ["ar"]),
            node("Conv", ["ar", "w2"], ["b"], pads), node("Relu", ["b"], ["br"]),
            node("Conv", ["br", "w3"], ["c"], pads),
            node("Concat", ["c", "ar"], ["y"], ["axis": .int(1)]),
        ], inits, input: [2, 3, 13, 21])
        let input = random([2, 3, 13, 21], seed: 9)
        let expected = try ReferenceInterpreter.run(g, input: input).floats
        for threads in [1, 2] {
            var planner = Planner(graph: g, batchSize: 2, threads: threads, bandRows: 4)
            let p = try planner.plan()
            #expect(p.steps.map(\.opType) == ["Conv", "BandChain", "Concat"], "\(p.steps.map(\.opType))")
            #expect(Difference(p.evaluate(input.floats), expected).maxAbs <= 1e-4)
        }
    }

    @Test("Fusion proposes the chain as one node listing its members (the upscale first); a shape that refuses lowers the members")
    func proposedByFusion() throws {
        // up = resize(x); a = relu(conv(x)); b = conv(a); y = depthToSpace(b) + up: one group of five members.
        let inits = ["w1": random([8, 3, 3, 3], seed: 1, scale: 0.3), "w2": random([12, 8, 3, 3], seed: 2, scale: 0.2),
                     "scales": Tensor(shape: [4], floats: [1, 1, 2, 2])]
        let pads: [String: Attribute] = ["pads": .ints([1, 1, 1, 1])]
        let nodes = [
            node("Resize", ["x", "", "scales"], ["up"], ["mode": .string("linear")]),
            node("Conv", ["x", "w1"], ["a"], pads), node("Relu", ["a"], ["ar"]),
            node("Conv", ["ar", "w2"], ["b"], pads),
            node("DepthToSpace", ["b"], ["s"], ["blocksize": .int(2), "mode": .string("CRD")]),
            node("Add", ["s", "up"], ["y"]),
        ]
        for (shape, chained) in [([1, 3, 12, 20], true), ([1, 3, 12, 10], false)] {  // 10 columns: too narrow for a band
            let g = graph(nodes, inits, input: shape)
            let fused = Fusion.run(g)
            let group = try #require(fused.nodes.first { $0.opType == BandChain.opType }, "\(fused.nodes.map(\.opType))")
            #expect(fused.nodes.count == 1)
            #expect(group.members.map(\.opType) == ["Resize", "Conv", "Conv", "DepthToSpace", "Add"])
            #expect(group.outputs == ["y"] && group.inputs.first == "x")
            var planner = Planner(graph: g, batchSize: 1, threads: 2)
            let p = try planner.plan()
            #expect(p.steps.contains { $0 is BandChainStep } == chained, "\(shape): \(p.steps.map(\.opType))")
            let input = random(shape, seed: 5)
            #expect(Difference(p.evaluate(input.floats), try ReferenceInterpreter.run(g, input: input).floats).maxAbs <= 1e-4)
        }
    }

    @Test("narrow pictures, strided or grouped convolutions stay layer by layer")
    func notMatched() throws {
        let pads: [String: Attribute] = ["pads": .ints([1, 1, 1, 1])]
        let narrow = graph([node("Conv", ["x", "w1"], ["a"], pads), node("Conv", ["a", "w2"], ["y"], pads)],
                           ["w1": random([4, 3, 3, 3], seed: 1), "w2": random([4, 4, 3, 3], seed: 2)], input: [1, 3, 20, 15])
        let strided = graph([node("Conv", ["x", "w1"], ["a"], pads), node("Conv", ["a", "w2"], ["y"], ["pads": .ints([1, 1, 1, 1]), "strides": .ints([2, 2])])],
                            ["w1": random([4, 3, 3, 3], seed: 1), "w2": random([4, 4, 3, 3], seed: 2)], input: [1, 3, 20, 32])
        for g in [narrow, strided] {
            var planner = Planner(graph: g, batchSize: 1, threads: 2)
            let p = try planner.plan()
            #expect(!p.steps.contains { $0 is BandChainStep }, "\(p.steps.map(\.opType))")
            let input = random(g.inputShape.map { $0 ?? 1 }, seed: 4)
            #expect(Difference(p.evaluate(input.floats), try ReferenceInterpreter.run(g, input: input).floats).maxAbs <= 1e-4)
        }
    }

    @Test("LIKENESS_BAND_CHAINS=off and LIKENESS_BAND_ROWS reach the options")
    func environment() {
        #expect(EngineOptions(environment: [:]).bandChains)
        #expect(!EngineOptions(environment: ["LIKENESS_BAND_CHAINS": "off"]).bandChains)
        #expect(EngineOptions(environment: ["LIKENESS_BAND_ROWS": "8"]).bandRows == 8)
        #expect(EngineOptions(environment: ["LIKENESS_BAND_ROWS": "0"]).bandRows == EngineOptions.defaultBandRows)
    }
}
