import Foundation
import LikenessKernels
import Testing
@testable import LikenessEngine

// MARK: - Fast kernels against the naive reference

/// Builds a graph around one node: input "x" (fixed shape) → node → "y".
func singleNodeGraph(_ op: String, inputShape: [Int], constants: [String: Tensor] = [:], inputs: [String]? = nil, attributes: [String: Attribute] = [:]) -> Graph {
    let node = Node(opType: op, name: "under_test", inputs: inputs ?? (["x"] + constants.keys.sorted()), outputs: ["y"], attributes: attributes)
    return Graph(nodes: [node], initializers: constants, inputName: "x", inputShape: inputShape.map { $0 }, outputName: "y", metadata: [:], opsetVersion: 17)
}

/// Runs `graph` with the planned fast kernels and with ``Reference``; returns both outputs.
func fastAndReference(_ graph: Graph, seed: UInt64, threads: Int = 2, kernels: PackedKernels? = PackedKernels.current) throws -> (fast: [Float], reference: [Float]) {
    var random = TestRandom(seed: seed)
    let shape = graph.inputShape.map { $0 ?? 1 }
    let input = random.floats(shape.reduce(1, *))
    var planner = Planner(graph: graph, batchSize: shape[0], threads: threads, kernels: kernels)
    let plan = try planner.plan()
    let fast = plan.evaluate(input)
    let reference = try ReferenceInterpreter.run(graph, input: Tensor(shape: shape, floats: input)).floats
    return (fast, reference)
}

/// Thread counts crossed with every instruction set this CPU can run (baseline: OpenBLAS).
struct KernelChoice: Sendable, CustomTestStringConvertible {
    var threads: Int
    var instructionSet: InstructionSet
    var kernels: PackedKernels? { PackedKernels.select(instructionSet) }
    var testDescription: String { "\(instructionSet.rawValue), \(threads) thread(s)" }

    static let available: [InstructionSet] = InstructionSet.allCases.filter { $0 <= InstructionSet.supported }
    static let all: [KernelChoice] = available.flatMap { set in [1, 2, 3].map { KernelChoice(threads: $0, instructionSet: set) } }
}

struct ConvCase: Sendable, CustomTestStringConvertible {
    var batch = 1
    var cin: Int
    var cout: Int
    var h: Int
    var w: Int
    var k: (Int, Int)
    var stride: (Int, Int) = (1, 1)
    var pads: [Int] = [0, 0, 0, 0]
    var dilation: (Int, Int) = (1, 1)
    var group = 1
    var outputPadding: (Int, Int) = (0, 0)
    var activation: String? = nil
    var testDescription: String {
        "N\(batch) C\(cin)→\(cout) \(h)x\(w) k\(k) s\(stride) p\(pads) d\(dilation) g\(group) op\(outputPadding) \(activation ?? "")"
    }

    var attributes: [String: Attribute] {
        [
            "strides": .ints([stride.0, stride.1]), "pads": .ints(pads), "dilations": .ints([dilation.0, dilation.1]),
            "group": .int(group), "kernel_shape": .ints([k.0, k.1]),
        ]
    }

    static let convolutions: [ConvCase] = [
        ConvCase(cin: 3, cout: 5, h: 7, w: 9, k: (3, 3), pads: [1, 1, 1, 1]),
        ConvCase(batch: 2, cin: 1, cout: 1, h: 1, w: 1, k: (1, 1)),
        ConvCase(cin: 7, cout: 9, h: 5, w: 3, k: (1, 1)),
        ConvCase(cin: 4, cout: 6, h: 11, w: 10, k: (5, 5), stride: (2, 2), pads: [1, 2, 2, 0]),
        ConvCase(cin: 3, cout: 4, h: 9, w: 8, k: (3, 3), pads: [2, 2, 2, 2], dilation: (2, 2)),
        ConvCase(cin: 6, cout: 4, h: 5, w: 7, k: (3, 3), pads: [1, 1, 1, 1], group: 2),
        ConvCase(cin: 5, cout: 5, h: 9, w: 6, k: (3, 3), stride: (2, 1), pads: [1, 1, 1, 1], group: 5),
        ConvCase(batch: 3, cin: 17, cout: 19, h: 13, w: 11, k: (7, 7), pads: [3, 3, 3, 3], activation: "Relu"),
        ConvCase(cin: 32, cout: 3, h: 37, w: 41, k: (3, 3), pads: [1, 1, 1, 1], activation: "Tanh"),
        ConvCase(cin: 64, cout: 48, h: 4, w: 4, k: (4, 4)),
        ConvCase(cin: 2, cout: 3, h: 1, w: 50, k: (1, 3), stride: (1, 3), pads: [0, 1, 0, 1], activation: "Sigmoid"),
        ConvCase(batch: 2, cin: 16, cout: 8, h: 33, w: 17, k: (2, 2), stride: (2, 2), activation: "LeakyRelu"),
        // Packed GEMM edges: rows past a 6- and 8-row panel, columns past 16 and 32.
        ConvCase(cin: 40, cout: 70, h: 12, w: 45, k: (3, 3), pads: [1, 1, 1, 1], activation: "Relu"),
        ConvCase(batch: 2, cin: 9, cout: 13, h: 1, w: 3, k: (1, 1), activation: "Clip"),
        // Direct convolution: 5x5 kernel, 2 outputs, a row shorter than 16, asymmetric padding.
        ConvCase(cin: 5, cout: 2, h: 20, w: 35, k: (5, 5), pads: [2, 1, 2, 3], activation: "LeakyRelu"),
        ConvCase(batch: 2, cin: 4, cout: 1, h: 6, w: 7, k: (3, 3), activation: "Sigmoid"),
        // Direct convolution with more channels: rows of exactly 16 (stacked rows, odd height) and wider.
        ConvCase(batch: 2, cin: 12, cout: 20, h: 7, w: 16, k: (3, 3), pads: [1, 1, 1, 1], activation: "Relu"),
        ConvCase(cin: 6, cout: 9, h: 5, w: 20, k: (5, 5), pads: [2, 2, 2, 2], activation: "LeakyRelu"),
    ]

    static let transposed: [ConvCase] = [
        ConvCase(cin: 6, cout: 4, h: 5, w: 7, k: (4, 4), stride: (2, 2), pads: [1, 1, 1, 1], activation: "Relu"),
        ConvCase(batch: 2, cin: 10, cout: 7, h: 1, w: 1, k: (4, 4)),
        ConvCase(cin: 3, cout: 5, h: 4, w: 5, k: (3, 3), stride: (2, 2), pads: [1, 1, 1, 1], outputPadding: (1, 1)),
        ConvCase(cin: 4, cout: 6, h: 3, w: 3, k: (2, 2), stride: (2, 2), group: 2),
        ConvCase(cin: 2, cout: 3, h: 4, w: 3, k: (5, 3), stride: (3, 2), pads: [2, 1, 1, 0], dilation: (1, 2)),
        ConvCase(batch: 3, cin: 33, cout: 17, h: 9, w: 7, k: (4, 4), stride: (2, 2), pads: [1, 1, 1, 1], activation: "Tanh"),
        ConvCase(cin: 64, cout: 32, h: 16, w: 16, k: (4, 4), stride: (2, 2), pads: [1, 1, 1, 1], activation: "Relu"),
        ConvCase(cin: 5, cout: 3, h: 6, w: 5, k: (3, 3), stride: (1, 1), pads: [1, 1, 1, 1]),
        ConvCase(cin: 3, cout: 2, h: 2, w: 3, k: (1, 1), stride: (3, 3)),
        // The packed gather: widths that are multiples of 16 (the vector path) and not.
        ConvCase(cin: 20, cout: 13, h: 8, w: 32, k: (4, 4), stride: (2, 2), pads: [1, 1, 1, 1], activation: "LeakyRelu"),
        ConvCase(batch: 2, cin: 7, cout: 3, h: 5, w: 21, k: (4, 4), stride: (2, 2), pads: [1, 1, 1, 1], activation: "Sigmoid"),
        ConvCase(cin: 130, cout: 40, h: 1, w: 1, k: (4, 4), activation: "Relu"),
        // The direct kernel (input at least 16 wide): odd widths, channels past a block of 8, batch.
        ConvCase(batch: 2, cin: 11, cout: 9, h: 3, w: 17, k: (4, 4), stride: (2, 2), pads: [1, 1, 1, 1], activation: "Relu"),
        ConvCase(cin: 24, cout: 16, h: 7, w: 48, k: (4, 4), stride: (2, 2), pads: [1, 1, 1, 1], activation: "Tanh"),
    ]
}

@Suite("Fast kernels match the naive reference (normalized MSE <= 1e-7)")
struct KernelTests {
    func graph(_ c: ConvCase, transposed: Bool) -> Graph {
        var random = TestRandom(seed: 99)
        let weightShape = transposed ? [c.cin, c.cout / c.group, c.k.0, c.k.1] : [c.cout, c.cin / c.group, c.k.0, c.k.1]
        let weight = Tensor(shape: weightShape, floats: random.floats(weightShape.reduce(1, *), scale: 0.5))
        let bias = Tensor(shape: [c.cout], floats: random.floats(c.cout))
        var attributes = c.attributes
        if transposed { attributes["output_padding"] = .ints([c.outputPadding.0, c.outputPadding.1]) }
        let conv = Node(opType: transposed ? "ConvTranspose" : "Conv", name: "conv", inputs: ["x", "w", "b"], outputs: [c.activation == nil ? "y" : "c"], attributes: attributes)
        var nodes = [conv]
        if let act = c.activation {
            let attributes: [String: Attribute] = switch act {
            case "LeakyRelu": ["alpha": .float(0.2)]
            case "Clip": ["min": .float(-0.3), "max": .float(0.4)]
            default: [:]
            }
            nodes.append(Node(opType: act, name: "act", inputs: ["c"], outputs: ["y"], attributes: attributes))
        }
        return Graph(nodes: nodes, initializers: ["w": weight, "b": bias], inputName: "x", inputShape: [c.batch, c.cin, c.h, c.w],
                     outputName: "y", metadata: [:], opsetVersion: 17)
    }

    @Test("Conv: im2col + GEMM + fused epilogue, and direct", arguments: ConvCase.convolutions, KernelChoice.all)
    func convolution(_ c: ConvCase, choice: KernelChoice) throws {
        let (fast, reference) = try fastAndReference(graph(c, transposed: false), seed: 1, threads: choice.threads, kernels: choice.kernels)
        let diff = Difference(fast, reference)
        #expect(diff.normalizedMSE <= 1e-7, "\(diff)")
    }

    @Test("ConvTranspose: GEMM + col2im, no inserted zeros", arguments: ConvCase.transposed, KernelChoice.all)
    func transposedConvolution(_ c: ConvCase, choice: KernelChoice) throws {
        let (fast, reference) = try fastAndReference(graph(c, transposed: true), seed: 2, threads: choice.threads, kernels: choice.kernels)
        let diff = Difference(fast, reference)
        #expect(diff.normalizedMSE <= 1e-7, "\(diff)")
    }

    @Test("Winograd F(2x2, 3x3): odd sizes (half tiles), batch, activations; the same without it; fewer than 8 outputs stay direct",
          arguments: KernelChoice.all)
    func winograd(_ choice: KernelChoice) throws {
        let cases = [
            ConvCase(cin: 8, cout: 5, h: 8, w: 8, k: (3, 3), pads: [1, 1, 1, 1], activation: "Relu"),
            ConvCase(cin: 8, cout: 8, h: 8, w: 8, k: (3, 3), pads: [1, 1, 1, 1], activation: "Relu"),
            ConvCase(batch: 2, cin: 19, cout: 33, h: 9, w: 17, k: (3, 3), pads: [1, 1, 1, 1], activation: "LeakyRelu"),
            ConvCase(cin: 48, cout: 24, h: 32, w: 35, k: (3, 3), pads: [1, 1, 1, 1], activation: "Tanh"),
        ]
        for c in cases {
            let g = graph(c, transposed: false)
            for winograd in [true, false] {
                var random = TestRandom(seed: 7)
                let shape = [c.batch, c.cin, c.h, c.w]
                let input = random.floats(shape.reduce(1, *))
                var planner = Planner(graph: g, batchSize: c.batch, threads: choice.threads, kernels: choice.kernels, winograd: winograd)
                let plan = try planner.plan()
                let transformed = plan.steps.contains { $0 is WinogradInputStep }
                // The one rule (ConvGeometry.prefersWinograd): at least 8 input and 8 output channels.
                #expect(transformed == (winograd && choice.kernels != nil && c.cout >= 8), "\(c): Winograd steps \(transformed)")
                let fast = plan.evaluate(input)
                let reference = try ReferenceInterpreter.run(g, input: Tensor(shape: shape, floats: input)).floats
                let diff = Difference(fast, reference)
                #expect(diff.normalizedMSE <= 1e-7 && diff.maxAbs <= 1e-4, "\(c) winograd \(winograd): \(diff)")
            }
        }
    }

    @Test("Conv + BatchNorm folding", arguments: [false, true])
    func batchNormFolding(transposed: Bool) throws {
        var random = TestRandom(seed: 5)
        let c = 6
        var g = graph(ConvCase(cin: 4, cout: c, h: 5, w: 6, k: (3, 3), stride: (2, 2), pads: [1, 1, 1, 1]), transposed: transposed)
        g.nodes.append(Node(opType: "BatchNormalization", name: "bn", inputs: ["y", "gamma", "beta", "mean", "var"], outputs: ["z"], attributes: ["epsilon": .float(1e-3)]))
        g.nodes.append(Node(opType: "Relu", name: "relu", inputs: ["z"], outputs: ["out"], attributes: [:]))
        g.outputName = "out"
        g.initializers["gamma"] = Tensor(shape: [c], floats: random.floats(c))
        g.initializers["beta"] = Tensor(shape: [c], floats: random.floats(c))
        g.initializers["mean"] = Tensor(shape: [c], floats: random.floats(c))
        g.initializers["var"] = Tensor(shape: [c], floats: random.floats(c).map { abs($0) + 0.2 })
        var planner = Planner(graph: g, batchSize: 1, threads: 2)
        #expect(try planner.plan().steps.count == 1, "BatchNorm and Relu fold into the convolution")
        let (fast, reference) = try fastAndReference(g, seed: 3)
        #expect(Difference(fast, reference).normalizedMSE <= 1e-7)
    }

    /// x → GlobalAveragePool → 1x1 Conv → Sigmoid = gate [N, C, 1, 1]; Mul(x, gate) (or
    /// Mul(gate, x)) → `consumer`. The planner folds the Mul into a consumer whose kernel copies its
    /// input (direct transposed convolution, the RGB convolution) and keeps it otherwise.
    func gatedGraph(batch: Int, channels c: Int, h: Int, w: Int, consumer: String, outputs m: Int, gateFirst: Bool) -> Graph {
        var random = TestRandom(seed: 41)
        let transposed = consumer == "ConvTranspose"
        let weightShape = transposed ? [c, m, 4, 4] : [m, c, 3, 3]
        let attributes: [String: Attribute] = transposed
            ? ["kernel_shape": .ints([4, 4]), "strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1])]
            : ["kernel_shape": .ints([3, 3]), "pads": .ints([1, 1, 1, 1])]
        let nodes = [
            Node(opType: "GlobalAveragePool", name: "pool", inputs: ["x"], outputs: ["p"], attributes: [:]),
            Node(opType: "Conv", name: "gate", inputs: ["p", "gw", "gb"], outputs: ["g"], attributes: ["kernel_shape": .ints([1, 1])]),
            Node(opType: "Sigmoid", name: "sig", inputs: ["g"], outputs: ["s"], attributes: [:]),
            Node(opType: "Mul", name: "mul", inputs: gateFirst ? ["s", "x"] : ["x", "s"], outputs: ["gated"], attributes: [:]),
            Node(opType: consumer, name: "consumer", inputs: ["gated", "w", "b"], outputs: ["y"], attributes: attributes),
        ]
        let initializers = [
            "gw": Tensor(shape: [c, c, 1, 1], floats: random.floats(c * c, scale: 2)),
            "gb": Tensor(shape: [c], floats: random.floats(c)),
            "w": Tensor(shape: weightShape, floats: random.floats(weightShape.reduce(1, *), scale: 0.5)),
            "b": Tensor(shape: [m], floats: random.floats(m)),
        ]
        return Graph(nodes: nodes, initializers: initializers, inputName: "x", inputShape: [batch, c, h, w],
                     outputName: "y", metadata: [:], opsetVersion: 17)
    }

    @Test("channel gate (skip-layer excitation): Mul fused into the convolution that reads it", arguments: KernelChoice.all)
    func channelGate(_ choice: KernelChoice) throws {
        // (consumer, outputs, width, fused with packed kernels)
        let cases: [(String, Int, Int, Bool)] = [
            ("ConvTranspose", 10, 16, true), ("Conv", 3, 20, true), ("Conv", 8, 20, true), ("ConvTranspose", 6, 8, false), ("Conv", 8, 8, false),
        ]
        for (consumer, m, w, fusable) in cases {
            for (batch, gateFirst) in [(1, false), (2, true)] {
                let g = gatedGraph(batch: batch, channels: 7, h: 5, w: w, consumer: consumer, outputs: m, gateFirst: gateFirst)
                var planner = Planner(graph: g, batchSize: batch, threads: choice.threads, kernels: choice.kernels)
                let hasMul = try planner.plan().steps.contains { $0.opType == "Mul" }
                #expect(hasMul == !(fusable && choice.kernels != nil), "\(consumer) \(m)x\(w): Mul step \(hasMul)")
                let (fast, reference) = try fastAndReference(g, seed: 42, threads: choice.threads, kernels: choice.kernels)
                let diff = Difference(fast, reference)
                #expect(diff.normalizedMSE <= 1e-7 && diff.maxAbs <= 1e-4, "\(consumer) \(m)x\(w) batch \(batch): \(diff)")
            }
        }
    }

    static let broadcasts: [([Int], [Int])] = [
        ([2, 3, 4, 5], [2, 3, 4, 5]), ([2, 3, 4, 5], [3, 1, 1]), ([2, 3, 4, 5], [1]), ([2, 3, 4, 5], [5]),
        ([2, 3, 4, 5], [2, 3, 1, 1]), ([2, 1, 4, 1], [1, 3, 1, 5]), ([7, 1, 33], [1, 9, 1]), ([2, 3, 4, 37], [2, 1, 4, 1]),
    ]

    @Test("broadcasting binary operators", arguments: ["Add", "Sub", "Mul", "Div", "PRelu", "Max"], broadcasts)
    func binary(_ op: String, shapes: ([Int], [Int])) throws {
        var random = TestRandom(seed: 11)
        var b = random.floats(shapes.1.reduce(1, *))
        if op == "Div" { b = b.map { $0 >= 0 ? $0 + 0.5 : $0 - 0.5 } }
        let g = singleNodeGraph(op, inputShape: shapes.0, constants: ["b": Tensor(shape: shapes.1, floats: b)])
        let (fast, reference) = try fastAndReference(g, seed: 12)
        #expect(Difference(fast, reference).normalizedMSE <= 1e-7)
    }

    @Test("unary operators", arguments: ["Relu", "LeakyRelu", "Sigmoid", "Tanh", "Elu", "Softplus", "Neg", "Exp", "Abs"], [[1, 1], [2, 3, 5, 7], [1, 4, 16, 16]])
    func unary(_ op: String, shape: [Int]) throws {
        let (fast, reference) = try fastAndReference(singleNodeGraph(op, inputShape: shape), seed: 13)
        #expect(Difference(fast, reference).normalizedMSE <= 1e-7)
    }

    @Test("resize modes", arguments: [
        ("nearest", "asymmetric", [1, 1, 2, 2] as [Float]), ("nearest", "half_pixel", [1, 1, 1.5, 3]),
        ("linear", "half_pixel", [1, 1, 2, 2]), ("linear", "align_corners", [1, 1, 3, 2]), ("linear", "pytorch_half_pixel", [1, 1, 0.5, 2]),
    ])
    func resize(_ spec: (String, String, [Float])) throws {
        let g = singleNodeGraph("Resize", inputShape: [2, 3, 5, 7], constants: ["scales": Tensor(shape: [4], floats: spec.2)],
                                inputs: ["x", "", "scales"], attributes: ["mode": .string(spec.0), "coordinate_transformation_mode": .string(spec.1)])
        let (fast, reference) = try fastAndReference(g, seed: 14)
        #expect(Difference(fast, reference).normalizedMSE <= 1e-7)
    }

    @Test("pooling", arguments: [
        ("AveragePool", [3, 3], [2, 2], [1, 1, 1, 1], 0), ("AveragePool", [2, 3], [1, 2], [1, 0, 1, 1], 1),
        ("MaxPool", [2, 2], [2, 2], [0, 0, 0, 0], 0), ("GlobalAveragePool", [1, 1], [1, 1], [0, 0, 0, 0], 0),
        // Windows all inside the input (the unbounded fast path), as in a skip-layer excitation.
        ("AveragePool", [2, 2], [2, 2], [0, 0, 0, 0], 0), ("AveragePool", [4, 4], [4, 4], [0, 0, 0, 0], 1),
    ])
    func pooling(_ spec: (String, [Int], [Int], [Int], Int)) throws {
        let attributes: [String: Attribute] = spec.0 == "GlobalAveragePool" ? [:] :
            ["kernel_shape": .ints(spec.1), "strides": .ints(spec.2), "pads": .ints(spec.3), "count_include_pad": .int(spec.4)]
        let (fast, reference) = try fastAndReference(singleNodeGraph(spec.0, inputShape: [2, 3, 9, 8], attributes: attributes), seed: 15)
        #expect(Difference(fast, reference).normalizedMSE <= 1e-7)
    }

    @Test("copies: slice, transpose, concat, split, expand")
    func copies() throws {
        let slice = singleNodeGraph("Slice", inputShape: [2, 7, 9, 8], constants: [
            "starts": Tensor(shape: [3], ints: [-1, 1, 0]), "ends": Tensor(shape: [3], ints: [-1000, 8, 100]),
            "axes": Tensor(shape: [3], ints: [1, 2, 3]), "steps": Tensor(shape: [3], ints: [-2, 3, 2]),
        ], inputs: ["x", "starts", "ends", "axes", "steps"])
        let transpose = singleNodeGraph("Transpose", inputShape: [2, 3, 4, 5], attributes: ["perm": .ints([3, 1, 0, 2])])
        var random = TestRandom(seed: 3)
        let concat = singleNodeGraph("Concat", inputShape: [2, 3, 4, 5], constants: ["k": Tensor(shape: [2, 3, 1, 5], floats: random.floats(30))],
                                     inputs: ["x", "k", "x"], attributes: ["axis": .int(2)])
        let expand = singleNodeGraph("Expand", inputShape: [2, 1, 3, 1], constants: ["s": Tensor(shape: [4], ints: [2, 4, 3, 5])])
        for g in [slice, transpose, concat, expand] {
            let (fast, reference) = try fastAndReference(g, seed: 16)
            #expect(fast == reference)
        }
        var split = singleNodeGraph("Split", inputShape: [2, 6, 3, 5], attributes: ["axis": .int(1)])
        split.nodes[0].outputs = ["a", "y"]
        let (fast, reference) = try fastAndReference(split, seed: 17)
        #expect(fast == reference)
    }

    @Test("Gemm and MatMul with bias and activation", arguments: [(false, false), (true, false), (false, true), (true, true)])
    func gemm(_ transposes: (Bool, Bool)) throws {
        var random = TestRandom(seed: 21)
        let (m, k, n) = (3, 13, 11)
        let b = Tensor(shape: transposes.1 ? [n, k] : [k, n], floats: random.floats(k * n))
        let c = Tensor(shape: [n], floats: random.floats(n))
        var g = singleNodeGraph("Gemm", inputShape: transposes.0 ? [k, m] : [m, k], constants: ["b": b, "c": c], inputs: ["x", "b", "c"],
                                attributes: ["transA": .int(transposes.0 ? 1 : 0), "transB": .int(transposes.1 ? 1 : 0), "alpha": .float(0.7), "beta": .float(1.3)])
        g.nodes[0].outputs = ["g"]
        g.nodes.append(Node(opType: "Relu", name: "r", inputs: ["g"], outputs: ["y"], attributes: [:]))
        let (fast, reference) = try fastAndReference(g, seed: 22)
        #expect(Difference(fast, reference).normalizedMSE <= 1e-7)
    }

    @Test("SIMD exp, sigmoid and tanh track Foundation")
    func vectorMath() {
        var worstExp: Float = 0, worstTanh: Float = 0, worstSigmoid: Float = 0
        var x: Float = -30
        while x < 30 {
            var v = SIMD16<Float>(repeating: 0)
            for i in 0..<16 { v[i] = x + Float(i) * 0.0037 }
            let e = VectorMath.exp(v), t = VectorMath.tanh(v), s = VectorMath.sigmoid(v)
            for i in 0..<16 {
                worstExp = max(worstExp, abs(e[i] - Foundation.exp(v[i])) / Foundation.exp(v[i]))
                worstTanh = max(worstTanh, abs(t[i] - Foundation.tanh(v[i])))
                worstSigmoid = max(worstSigmoid, abs(s[i] - 1 / (1 + Foundation.exp(-v[i]))))
            }
            x += 0.0591
        }
        #expect(worstExp < 1e-6)
        #expect(worstTanh < 5e-7)
        #expect(worstSigmoid < 5e-7)
    }

    @Test("float16 conversion is exact")
    func halfConversion() {
        #expect(ModelLoader.floatFromHalf(0x3C00) == 1)
        #expect(ModelLoader.floatFromHalf(0xC000) == -2)
        #expect(ModelLoader.floatFromHalf(0x0001) == Float(sign: .plus, exponent: -24, significand: 1))
        #expect(ModelLoader.floatFromHalf(0x7BFF) == 65504)
        #expect(ModelLoader.floatFromHalf(0x7C00) == .infinity)
        #expect(ModelLoader.floatFromHalf(0x7E00).isNaN)
    }
}
