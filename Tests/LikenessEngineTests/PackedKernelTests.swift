import LikenessKernels
import Testing
@testable import LikenessEngine

// MARK: - The packed kernels of every instruction set against their references

@Suite("Packed kernels match their references on every instruction set this CPU has")
struct PackedKernelTests {
    static let sets = KernelChoice.available.filter { $0 != .baseline }

    struct GemmCase: Sendable, CustomTestStringConvertible {
        var m: Int, n: Int, k: Int
        /// Leading dimension of B past n (B is a window of a wider matrix).
        var extra = 0
        var rows: Range<Int>? = nil
        var bias = true
        var epilogue = LinearEpilogue.identity
        var testDescription: String { "\(m)x\(k)·\(k)x\(n) ldb+\(extra) rows \(rows.map { "\($0)" } ?? "all") bias \(bias) \(epilogue)" }
    }

    static let gemmCases: [GemmCase] = [
        GemmCase(m: 1, n: 1, k: 1),
        GemmCase(m: 8, n: 32, k: 16),
        GemmCase(m: 13, n: 47, k: 29, extra: 5, epilogue: LinearEpilogue(negativeSlope: 0)),
        GemmCase(m: 70, n: 100, k: 3, epilogue: LinearEpilogue(negativeSlope: 0.2)),
        GemmCase(m: 48, n: 2, k: 300, extra: 1, epilogue: LinearEpilogue(lower: -0.5, upper: 0.5)),
        GemmCase(m: 96, n: 3, k: 17, rows: 10..<77),
        GemmCase(m: 64, n: 64, k: 64, extra: 64, rows: 3..<5, bias: false),
        GemmCase(m: 50, n: 15, k: 40, rows: 7..<50),
        GemmCase(m: 200, n: 16, k: 384, bias: false),
        GemmCase(m: 24, n: 4096, k: 24, bias: false),
    ]

    @Test("packed GEMM: any shape, row range, leading dimension and epilogue", arguments: gemmCases, sets)
    func gemm(_ c: GemmCase, set: InstructionSet) throws {
        let kernels = try #require(PackedKernels.select(set))
        var random = TestRandom(seed: UInt64(c.m * 1000 + c.n * 10 + c.k))
        let a = random.floats(c.m * c.k)
        let ldb = c.n + c.extra
        let b = random.floats(c.k * ldb)
        let bias = c.bias ? random.floats(c.m) : nil
        let rows = c.rows ?? 0..<c.m
        let packed = kernels.pack(a, groups: 1, rows: c.m, columns: c.k)
        let scratch = [Float](repeating: .nan, count: PackedGemm.scratchCount(k: c.k))
        let sentinel: Float = 12345
        var result = [Float](repeating: sentinel, count: rows.count * (c.n + 3))
        let expected = b.withUnsafeBufferPointer { bp in
            PackedGemm.reference(a: a, m: c.m, k: c.k, b: bp.baseAddress!, ldb: ldb, n: c.n, bias: bias, epilogue: c.epilogue)
        }
        var scratchCopy = scratch
        b.withUnsafeBufferPointer { bp in
            result.withUnsafeMutableBufferPointer { rp in
                scratchCopy.withUnsafeMutableBufferPointer { sp in
                    bias.withUnsafeBufferPointerOrNil { biasPointer in
                        kernels.gemm(GemmArguments(
                            rows: rows, n: c.n, k: c.k, a: packed.pointer, b: bp.baseAddress!, ldb: ldb,
                            c: rp.baseAddress!, ldc: c.n + 3, bias: biasPointer, epilogue: c.epilogue, scratch: sp.baseAddress!))
                    }
                }
            }
        }
        var actual: [Float] = [], wanted: [Float] = []
        for (i, row) in rows.enumerated() {
            actual += result[(i * (c.n + 3))..<(i * (c.n + 3) + c.n)]
            wanted += expected[(row * c.n)..<(row * c.n + c.n)]
            // The padding between rows of C is never written.
            #expect(result[(i * (c.n + 3) + c.n)..<((i + 1) * (c.n + 3))].allSatisfy { $0 == sentinel })
        }
        let diff = Difference(actual, wanted)
        #expect(diff.normalizedMSE <= 1e-7 && diff.maxAbs <= 1e-4, "\(diff)")
    }

    @Test("instruction set selection: LIKENESS_KERNELS lowers, never raises")
    func selection() {
        #expect(InstructionSet.selected(environment: [:]) == InstructionSet.supported)
        #expect(InstructionSet.selected(environment: ["LIKENESS_KERNELS": "baseline"]) == .baseline)
        #expect(InstructionSet.selected(environment: ["LIKENESS_KERNELS": "AVX512"]) == InstructionSet.supported)
        #expect(InstructionSet.selected(environment: ["LIKENESS_KERNELS": "avx2"]) == min(.avx2, InstructionSet.supported))
        #expect(InstructionSet.selected(environment: ["LIKENESS_KERNELS": "nonsense"]) == InstructionSet.supported)
        #expect(PackedKernels.select(.baseline) == nil)
    }

    @Test("epilogues: the vector form equals the scalar definition")
    func epilogues() {
        let values = (0..<16).map { Float($0 - 8) * 0.37 }
        let vector = SIMD16<Float>(values)
        for e in [LinearEpilogue.identity, LinearEpilogue(negativeSlope: 0), LinearEpilogue(negativeSlope: 0.1),
                  LinearEpilogue(lower: -1, upper: 0.5), LinearEpilogue(negativeSlope: 0.3, lower: -0.2, upper: 2)] {
            let applied = e.apply(vector)
            for lane in 0..<16 { #expect(applied[lane] == e.apply(values[lane]), "\(e) lane \(lane)") }
        }
    }
}

extension Optional where Wrapped == [Float] {
    func withUnsafeBufferPointerOrNil<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        switch self {
        case .some(let array): return array.withUnsafeBufferPointer { body($0.baseAddress) }
        case .none: return body(nil)
        }
    }
}
