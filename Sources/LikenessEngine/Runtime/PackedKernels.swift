import Foundation
import LikenessKernels
#if canImport(LikenessKernelsAVX2)
import LikenessKernelsAVX2
#endif
#if canImport(LikenessKernelsAVX512)
import LikenessKernelsAVX512
#endif

// MARK: - PackedKernels

/// The packed-weight GEMM for this CPU, chosen once at load.
///
/// Convolution weights are packed into the micro-kernel's panel layout when the plan is built
/// and multiplied in place every frame; the bias and piecewise-linear activations are applied
/// in registers before the store. On a CPU without AVX2 + FMA (or another architecture) there is
/// no packed kernel and the steps use OpenBLAS sgemm.
struct PackedKernels: Sendable {
    let table: KernelTable
    var instructionSet: InstructionSet { table.instructionSet }
    /// Rows of A per packed panel.
    var tileRows: Int { table.tileRows }
    var gemm: @Sendable (GemmArguments) -> Void { table.gemm }

    /// The best kernels this CPU has; nil for the baseline.
    static var current: PackedKernels? { select(InstructionSet.supported) }

    static func select(_ set: InstructionSet) -> PackedKernels? {
        switch set {
        case .avx512:
            #if canImport(LikenessKernelsAVX512)
            return PackedKernels(table: avx512Kernels)
            #else
            return nil
            #endif
        case .avx2:
            #if canImport(LikenessKernelsAVX2)
            return PackedKernels(table: avx2Kernels)
            #else
            return nil
            #endif
        case .baseline:
            return nil
        }
    }

    /// Packs `groups` consecutive row-major [rows, columns] matrices, each into its own panels.
    func pack(_ a: [Float], groups: Int, rows: Int, columns: Int) -> OwnedFloats {
        let size = rows * columns
        var packed: [Float] = []
        packed.reserveCapacity(groups * groupStride(rows: rows, columns: columns))
        for group in 0..<groups {
            packed += PackedGemm.pack(Array(a[(group * size)..<((group + 1) * size)]), rows: rows, columns: columns, tileRows: tileRows)
        }
        return OwnedFloats(packed)
    }

    /// Floats between the packed matrices of two groups.
    func groupStride(rows: Int, columns: Int) -> Int {
        PackedGemm.packedCount(rows: rows, columns: columns, tileRows: tileRows)
    }

    /// The part of `activation` the GEMM applies in registers, and what is left for afterwards.
    static func split(_ activation: Activation) -> (epilogue: LinearEpilogue, after: Activation) {
        switch activation {
        case .none: return (.identity, .none)
        case .relu: return (LinearEpilogue(negativeSlope: 0), .none)
        case .leakyRelu(let alpha): return (LinearEpilogue(negativeSlope: alpha), .none)
        case .clip(let lo, let hi): return (LinearEpilogue(lower: lo, upper: hi), .none)
        case .sigmoid, .tanh: return (.identity, activation)
        }
    }
}

extension Activation {
    /// The smooth part a packed kernel applies in registers (what ``PackedKernels/split(_:)`` leaves).
    var curve: CurveFunction {
        switch self {
        case .sigmoid: return .sigmoid
        case .tanh: return .tanh
        default: return .none
        }
    }
}
