import Foundation
import Testing
@testable import LikenessEngine

// MARK: - The fusion pass, graph to graph

/// A graph over input "x" of `shape` with `nodes` and `initializers`, output "y".
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

/// Positive variances for a BatchNorm of `c` channels.
private func batchNormParameters(_ c: Int, prefix: String) -> [String: Tensor] {
    var r = TestRandom(seed: 11)
    return [
        "\(prefix).gamma": Tensor(shape: [c], floats: r.floats(c)),
        "\(prefix).beta": Tensor(shape: [c], floats: r.floats(c)),
        "\(prefix).mean": Tensor(shape: [c], floats: r.floats(c, scale: 0.3)),
        "\(prefix).var": Tensor(shape: [c], floats: r.floats(c).map { 0.5 + abs($0) }),
    ]
}

/// The same input through the original graph (reference), the fused graph (reference) and both plans.
private func checkEquivalent(_ g: Graph, seed: UInt64 = 5) throws {
    let shape = g.inputShape.map { $0 ?? 1 }
    let input = random(shape, seed: seed)
    let expected = try ReferenceInterpreter.run(g, input: input).floats
    let fusedGraph = try ReferenceInterpreter.run(Fusion.run(g), input: input).floats
    #expect(Difference(fusedGraph, expected).maxAbs <= 1e-5, "fused graph (reference): \(Difference(fusedGraph, expected))")
    for fusion in [true, false] {
        var planner = Planner(graph: g, batchSize: shape[0], threads: 2, fusion: fusion)
        let planned = try planner.plan().evaluate(input.floats)
        #expect(Difference(planned, expected).maxAbs <= 1e-4, "plan, fusion \(fusion): \(Difference(planned, expected))")
    }
}

@Suite("Fusion")
struct FusionTests {
    @Test("Conv + BatchNorm + LeakyRelu becomes one Conv with folded weights and the activation")
    func convBatchNormActivation() throws {
        var inits = batchNormParameters(8, prefix: "bn")
        inits["w"] = random([8, 3, 3, 3], seed: 1, scale: 0.4)
        inits["b"] = random([8], seed: 2)
        let g = graph([
            node("Conv", ["x", "w", "b"], ["c"], ["pads": .ints([1, 1, 1, 1])]),
            node("BatchNormalization", ["c", "bn.gamma", "bn.beta", "bn.mean", "bn.var"], ["n"]),
            node("LeakyRelu", ["n"], ["y"], ["alpha": .float(0.2)]),
        ], inits, input: [1, 3, 7, 9])
        let fused = Fusion.run(g)
        try #require(fused.nodes.count == 1)
        let conv = fused.nodes[0]
        #expect(conv.opType == "Conv")
        #expect(conv.activation == .leakyRelu(alpha: 0.2))
        #expect(conv.outputs == ["y"])
        #expect(conv.inputs[0] == "x" && conv.inputs[1] != "w" && conv.inputs[2] != "b", "weights were not replaced: \(conv.inputs)")
        #expect(fused.initializers[conv.inputs[1]]?.shape == [8, 3, 3, 3])
        #expect(g.initializers["w"] == inits["w"], "the original weights must not change")
        try checkEquivalent(g)
    }

    @Test("ConvTranspose with groups + BatchNorm folds per output channel")
    func convTransposeBatchNorm() throws {
        var inits = batchNormParameters(6, prefix: "bn")
        inits["w"] = random([4, 3, 4, 4], seed: 3, scale: 0.3)  // [C, M/g, kH, kW], g = 2 → M = 6
        let g = graph([
            node("ConvTranspose", ["x", "w"], ["c"], ["strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1]), "group": .int(2)]),
            node("BatchNormalization", ["c", "bn.gamma", "bn.beta", "bn.mean", "bn.var"], ["n"]),
            node("Relu", ["n"], ["y"]),
        ], inits, input: [2, 4, 5, 6])
        let fused = Fusion.run(g)
        #expect(fused.nodes.map(\.opType) == ["ConvTranspose"])
        #expect(fused.nodes.first?.activation == .relu)
        try checkEquivalent(g)
    }

    @Test("nothing merges across a value that is read twice, is the graph output, or has runtime Clip bounds")
    func refusals() throws {
        let inits = ["w": random([4, 2, 1, 1], seed: 4)]
        // The conv output is read by the Relu and by the Add.
        let shared = graph([
            node("Conv", ["x", "w"], ["c"]), node("Relu", ["c"], ["r"]), node("Add", ["c", "r"], ["y"]),
        ], inits, input: [1, 2, 3, 3])
        #expect(Fusion.run(shared).nodes.map(\.opType) == ["Conv", "Relu", "Add"])
        try checkEquivalent(shared)
        // The conv output is the graph output.
        let output = graph([node("Conv", ["x", "w"], ["y"]), node("Relu", ["y"], ["unused"])], inits, input: [1, 2, 3, 3])
        #expect(Fusion.run(output).nodes.first?.activation == Activation.none)
        // Clip's bound depends on the input (folds at plan time, but the pass cannot know it).
        let bounds = graph([
            node("Conv", ["x", "w"], ["c"]), node("ReduceMax", ["x"], ["m"]), node("Clip", ["c", "", "m"], ["y"]),
        ], inits, input: [1, 2, 3, 3])
        #expect(Fusion.run(bounds).nodes.map(\.opType) == ["Conv", "ReduceMax", "Clip"])
        // Shape arithmetic is not latent-dependent: a Relu after it is left to constant folding.
        let shapes = graph([node("Shape", ["x"], ["s"]), node("Cast", ["s"], ["f"]), node("Relu", ["f"], ["g"]),
                            node("Reshape", ["x", "s"], ["y"])], [:], input: [1, 2, 3, 3])
        #expect(Fusion.run(shapes).nodes.count == 4)
    }

    @Test("a channel gate Mul is attached to the convolution that reads it", arguments: [false, true])
    func channelGate(fullGate: Bool) throws {
        // x [1, 8, 6, 6]; gate = sigmoid(mean over space) [1, 8, 1, 1] (or a full map, which no kernel can apply).
        let inits = ["w": random([5, 8, 3, 3], seed: 6, scale: 0.2), "w0": random([8, 8, 1, 1], seed: 7, scale: 0.3)]
        let gateSource = fullGate ? node("Conv", ["x", "w0"], ["pooled"]) : node("GlobalAveragePool", ["x"], ["pooled"])
        let g = graph([
            gateSource, node("Sigmoid", ["pooled"], ["gate"]),
            node("Mul", ["x", "gate"], ["gated"]),
            node("Conv", ["gated", "w"], ["y"], ["pads": .ints([1, 1, 1, 1])]),
        ], inits, input: [1, 8, 6, 6])
        let fused = Fusion.run(g)
        let conv = try #require(fused.nodes.last)
        #expect(conv.inputGate.map(\.opType) == ["Mul"])
        #expect(!fused.nodes.contains { $0.opType == "Mul" })
        try checkEquivalent(g)
    }

    @Test("nearest x2 Resize + 3x3 Conv becomes one 4x4 stride-2 ConvTranspose, gate and BatchNorm folded in",
          arguments: [[1, 5, 4, 6], [2, 5, 1, 1], [1, 5, 3, 3]])
    func nearestUpsamplingIntoTheConvolution(shape: [Int]) throws {
        var inits = batchNormParameters(7, prefix: "bn")
        inits["w"] = random([7, 5, 3, 3], seed: 8, scale: 0.3)
        inits["b"] = random([7], seed: 9)
        inits["scales"] = Tensor(shape: [4], floats: [1, 1, 2, 2])
        let nearest: [String: Attribute] = ["mode": .string("nearest"), "coordinate_transformation_mode": .string("asymmetric"),
                                            "nearest_mode": .string("floor")]
        let g = graph([
            node("GlobalAveragePool", ["x"], ["pooled"]), node("Sigmoid", ["pooled"], ["gate"]),
            node("Mul", ["x", "gate"], ["gated"]),
            node("Resize", ["gated", "", "scales"], ["up"], nearest),
            node("Conv", ["up", "w", "b"], ["c"], ["pads": .ints([1, 1, 1, 1]), "kernel_shape": .ints([3, 3])]),
            node("BatchNormalization", ["c", "bn.gamma", "bn.beta", "bn.mean", "bn.var"], ["n"]),
            node("Sigmoid", ["n"], ["y"]),
        ], inits, input: shape)
        let fused = Fusion.run(g)
        #expect(fused.nodes.map(\.opType) == ["GlobalAveragePool", "Sigmoid", "ConvTranspose"], "\(fused.nodes.map(\.opType))")
        let transposed = try #require(fused.nodes.last)
        #expect(transposed.ints("strides") == [2, 2] && transposed.ints("kernel_shape") == [4, 4])
        #expect(transposed.activation == .sigmoid && transposed.inputGate.count == 1)
        #expect(fused.initializers[transposed.inputs[1]]?.shape == [5, 7, 4, 4])
        try checkEquivalent(g)

        // Refused: the upsampled picture read twice, another rounding, a strided convolution.
        var twice = g
        twice.nodes.append(node("Relu", ["up"], ["r"]))
        #expect(Fusion.run(twice).nodes.contains { $0.opType == "Resize" })
        var halfPixel = g
        halfPixel.nodes[3].attributes["coordinate_transformation_mode"] = .string("half_pixel")
        #expect(Fusion.run(halfPixel).nodes.map(\.opType) == ["GlobalAveragePool", "Sigmoid", "Mul", "Resize", "Conv"])
        try checkEquivalent(halfPixel)
        var strided = g
        strided.nodes[4].attributes["strides"] = .ints([2, 2])
        #expect(Fusion.run(strided).nodes.contains { $0.opType == "Resize" })
    }

    @Test("MatMul + constant Add becomes a bias, and still runs when the product is batched", arguments: [[1, 6], [2, 3, 6]])
    func matMulBias(inputShape: [Int]) throws {
        let inits = ["w": random([6, 4], seed: 8), "c": random([4], seed: 9)]
        let g = graph([node("MatMul", ["x", "w"], ["p"]), node("Add", ["c", "p"], ["s"]), node("Tanh", ["s"], ["y"])],
                      inits, input: inputShape)
        let fused = Fusion.run(g)
        #expect(fused.nodes.map(\.opType) == ["MatMul"])
        #expect(fused.nodes.first?.addend.first?.activation == .tanh)
        #expect(fused.nodes.first?.resultNames == ["y"])
        try checkEquivalent(g)
    }

    @Test("the fixture generators: fused plans have fewer steps, no separate BatchNorm, and the same image",
          arguments: ["tiny-generator.onnx", "dcgan-sle-64.onnx", "fastgan-64.onnx", "fastgan-64-dynamo.onnx"])
    func generators(file: String) throws {
        let url = Fixtures.url("models/\(file)")
        let fused = try Generator(contentsOf: url, options: EngineOptions(threads: 2))
        let plain = try Generator(contentsOf: url, options: EngineOptions(threads: 2, fusion: false))
        #expect(fused.layers.count < plain.layers.count)
        #expect(!fused.layers.contains { $0.opType == "BatchNormalization" })
        let z = random([1, fused.zDim], seed: 10).floats
        let a = fused.forward(latents: z), b = plain.forward(latents: z)
        #expect(Difference(a, b).maxAbs <= 1e-4, "\(file): \(Difference(a, b))")
    }
}
