import Foundation
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
        // Pairs of panels for 16-column blocks (whole and cut by the row range), four panels at a time for n = 1.
        GemmCase(m: 40, n: 16, k: 9, rows: 8..<37, epilogue: LinearEpilogue(negativeSlope: 0)),
        GemmCase(m: 70, n: 1, k: 128, extra: 2),
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

    struct TransposedCase: Sendable, CustomTestStringConvertible {
        var c: Int, m: Int, h: Int, w: Int
        var rows: Range<Int>? = nil
        var scaled = false
        var epilogue = LinearEpilogue.identity
        var testDescription: String { "C\(c)→\(m) \(h)x\(w) rows \(rows.map { "\($0)" } ?? "all") scaled \(scaled) \(epilogue)" }
    }

    static let transposedCases: [TransposedCase] = [
        TransposedCase(c: 3, m: 5, h: 4, w: 16),
        TransposedCase(c: 24, m: 16, h: 6, w: 17, scaled: true, epilogue: LinearEpilogue(negativeSlope: 0)),
        TransposedCase(c: 9, m: 13, h: 5, w: 33, rows: 3..<8, epilogue: LinearEpilogue(negativeSlope: 0.2)),
        TransposedCase(c: 2, m: 8, h: 3, w: 48, rows: 0..<1, scaled: true, epilogue: LinearEpilogue(lower: -0.3, upper: 0.4)),
        TransposedCase(c: 40, m: 9, h: 2, w: 20, rows: 1..<4),
    ]

    @Test("direct transposed convolution (k4 s2 p1): any width, channel count, row band and input scale", arguments: transposedCases, sets)
    func transposedConvolution(_ c: TransposedCase, set: InstructionSet) throws {
        let kernels = try #require(PackedKernels.select(set))
        var random = TestRandom(seed: UInt64(c.c * 100 + c.m * 10 + c.w))
        let input = random.floats(c.c * c.h * c.w)
        let weights = random.floats(c.c * c.m * 16, scale: 0.5)
        let bias = random.floats(c.m)
        let scale = c.scaled ? random.floats(c.c).map { $0 + 1.5 } : nil
        let (oh, ow) = (2 * c.h, 2 * c.w)
        let rows = c.rows ?? 0..<oh
        let packed = TransposedConvolution.pack(weights, inputChannels: c.c, outputChannels: c.m)
        var scratch = [Float](repeating: .nan, count: TransposedConvolution.scratchCount(inputChannels: c.c, width: c.w, outputRows: rows.count))
        let sentinel: Float = 12345
        var output = [Float](repeating: sentinel, count: c.m * oh * ow)
        input.withUnsafeBufferPointer { ip in
            packed.withUnsafeBufferPointer { wp in
                bias.withUnsafeBufferPointer { bp in
                    output.withUnsafeMutableBufferPointer { op in
                        scratch.withUnsafeMutableBufferPointer { sp in
                            scale.withUnsafeBufferPointerOrNil { scalePointer in
                                kernels.table.transposedK4S2P1(TransposedConvolutionArguments(
                                    input: ip.baseAddress!, channels: c.c, height: c.h, width: c.w, inputScale: scalePointer,
                                    output: op.baseAddress!, outputChannels: c.m, weights: wp.baseAddress!, bias: bp.baseAddress!,
                                    rows: rows, epilogue: c.epilogue, scratch: sp.baseAddress!))
                            }
                        }
                    }
                }
            }
        }
        let expected = TransposedConvolution.reference(
            input: input, channels: c.c, height: c.h, width: c.w, inputScale: scale, weights: weights, outputChannels: c.m,
            bias: bias, epilogue: c.epilogue)
        var actual: [Float] = [], wanted: [Float] = []
        for m in 0..<c.m {
            for oy in 0..<oh {
                let row = (m * oh + oy) * ow
                if rows.contains(oy) {
                    actual += output[row..<(row + ow)]
                    wanted += expected[row..<(row + ow)]
                } else {
                    // Rows outside the band are never written.
                    #expect(output[row..<(row + ow)].allSatisfy { $0 == sentinel }, "channel \(m) row \(oy) written")
                }
            }
        }
        let diff = Difference(actual, wanted)
        #expect(diff.normalizedMSE <= 1e-7 && diff.maxAbs <= 1e-4, "\(diff)")
    }

    @Test("direct convolution: every channel count, rows of 16 (stacked) and wider, input scale, tanh and sigmoid",
          arguments: [(1, 70), (2, 70), (3, 70), (4, 70), (3, 16), (9, 16), (20, 16), (9, 37), (17, 64)], sets)
    func directConvolution(_ shape: (m: Int, w: Int), set: InstructionSet) throws {
        let kernels = try #require(PackedKernels.select(set))
        let (m, c, h, w, kh, kw) = (shape.m, 5, 9, shape.w, 3, 3)
        var random = TestRandom(seed: UInt64(m))
        let input = random.floats(c * h * w)
        let weights = random.floats(m * c * kh * kw, scale: 0.5)
        let bias = random.floats(m)
        let scale = random.floats(c).map { $0 + 1.5 }
        let packed = DirectConvolution.pack(weights, outputChannels: m, inputChannels: c, kernelHeight: kh, kernelWidth: kw)
        for (curve, rows) in [(CurveFunction.none, 2..<7), (.tanh, 0..<9), (.sigmoid, 4..<5)] {
            var scratch = [Float](repeating: .nan, count: DirectConvolution.scratchCount(
                inputChannels: c, kernelHeight: kh, outputWidth: w, kernelWidth: kw, rows: rows.count))
            var output = [Float](repeating: 0, count: m * h * w)
            input.withUnsafeBufferPointer { ip in
                packed.withUnsafeBufferPointer { wp in
                    bias.withUnsafeBufferPointer { bp in
                        scale.withUnsafeBufferPointer { sc in
                            output.withUnsafeMutableBufferPointer { op in
                                scratch.withUnsafeMutableBufferPointer { sp in
                                    kernels.table.directConvolution(DirectConvolutionArguments(
                                        input: ip.baseAddress!, channels: c, height: h, width: w, inputScale: sc.baseAddress!,
                                        output: op.baseAddress!, outputChannels: m, outputHeight: h, outputWidth: w,
                                        weights: wp.baseAddress!, bias: bp.baseAddress!, kernelHeight: kh, kernelWidth: kw,
                                        padTop: 1, padLeft: 1, rows: rows, epilogue: LinearEpilogue(negativeSlope: 0.3), curve: curve,
                                        scratch: sp.baseAddress!))
                                }
                            }
                        }
                    }
                }
            }
            let wanted = DirectConvolution.reference(
                input: input, channels: c, height: h, width: w, inputScale: scale, weights: weights, outputChannels: m, outputWidth: w,
                bias: bias, kernelHeight: kh, kernelWidth: kw, padTop: 1, padLeft: 1, rows: rows,
                epilogue: LinearEpilogue(negativeSlope: 0.3), curve: curve)
            var actual: [Float] = []
            for co in 0..<m { for oy in rows { actual += output[((co * h + oy) * w)..<((co * h + oy) * w + w)] } }
            let diff = Difference(actual, wanted)
            #expect(diff.maxAbs <= 1e-5, "\(curve): \(diff)")
        }
    }

    struct WinogradBandCase: Sendable, CustomTestStringConvertible {
        var c: Int, m: Int, h: Int, w: Int
        var rows: Range<Int>
        /// Input rows above the band's first (the band buffers of a chain start at a halo).
        var padTop = 1
        var scaled = false
        var curve = CurveFunction.none
        var testDescription: String { "C\(c)→\(m) \(h)x\(w) rows \(rows) padTop \(padTop) scaled \(scaled) \(curve)" }
    }

    static let winogradBandCases: [WinogradBandCase] = [
        WinogradBandCase(c: 32, m: 32, h: 20, w: 128, rows: 0..<20),
        WinogradBandCase(c: 16, m: 48, h: 9, w: 64, rows: 2..<7, scaled: true),
        WinogradBandCase(c: 32, m: 12, h: 11, w: 37, rows: 0..<11, curve: .tanh),
        WinogradBandCase(c: 7, m: 16, h: 6, w: 16, rows: 1..<6, curve: .sigmoid),
        WinogradBandCase(c: 9, m: 5, h: 5, w: 33, rows: 0..<1),
        WinogradBandCase(c: 3, m: 17, h: 8, w: 50, rows: 0..<3, padTop: 3),
        WinogradBandCase(c: 20, m: 20, h: 13, w: 18, rows: 4..<13, padTop: 0),
    ]

    @Test("fused Winograd F(2x2, 3x3) band: any channel count, width, row band, top padding, input scale and curve",
          arguments: winogradBandCases, sets)
    func winogradBand(_ c: WinogradBandCase, set: InstructionSet) throws {
        let kernels = try #require(PackedKernels.select(set))
        var random = TestRandom(seed: UInt64(c.c * 100 + c.m * 10 + c.w))
        let input = random.floats(c.c * c.h * c.w)
        let weights = random.floats(c.m * c.c * 9, scale: 0.5)
        let bias = random.floats(c.m)
        let scale = c.scaled ? random.floats(c.c).map { $0 + 1.5 } : nil
        let epilogue = LinearEpilogue(negativeSlope: 0.2)
        let packed = WinogradBand.pack(weights, outputChannels: c.m, inputChannels: c.c)
        var scratch = [Float](repeating: .nan, count: WinogradBand.scratchCount(inputChannels: c.c, outputChannels: c.m, outputWidth: c.w,
                                                                                rows: c.rows.count))
        let sentinel: Float = 12345
        var output = [Float](repeating: sentinel, count: c.m * c.h * c.w)
        input.withUnsafeBufferPointer { ip in
            packed.withUnsafeBufferPointer { wp in
                bias.withUnsafeBufferPointer { bp in
                    output.withUnsafeMutableBufferPointer { op in
                        scratch.withUnsafeMutableBufferPointer { sp in
                            scale.withUnsafeBufferPointerOrNil { scalePointer in
                                kernels.table.winogradBand(DirectConvolutionArguments(
                                    input: ip.baseAddress!, channels: c.c, height: c.h, width: c.w, inputScale: scalePointer,
                                    output: op.baseAddress!, outputChannels: c.m, outputHeight: c.h, outputWidth: c.w,
                                    weights: wp.baseAddress!, bias: bp.baseAddress!, kernelHeight: 3, kernelWidth: 3,
                                    padTop: c.padTop, padLeft: 1, rows: c.rows, epilogue: epilogue, curve: c.curve, scratch: sp.baseAddress!))
                            }
                        }
                    }
                }
            }
        }
        // The kernel's naive twin (Winograd written out per tile), and the plain convolution.
        let twin = WinogradBand.reference(
            input: input, channels: c.c, height: c.h, width: c.w, inputScale: scale, weights: weights, outputChannels: c.m, bias: bias,
            padTop: c.padTop, rows: c.rows, epilogue: epilogue, curve: c.curve)
        let direct = DirectConvolution.reference(
            input: input, channels: c.c, height: c.h, width: c.w, inputScale: scale, weights: weights, outputChannels: c.m, outputWidth: c.w,
            bias: bias, kernelHeight: 3, kernelWidth: 3, padTop: c.padTop, padLeft: 1, rows: c.rows, epilogue: epilogue, curve: c.curve)
        var actual: [Float] = []
        for m in 0..<c.m {
            for oy in 0..<c.h {
                let row = (m * c.h + oy) * c.w
                if c.rows.contains(oy) {
                    actual += output[row..<(row + c.w)]
                } else {
                    #expect(output[row..<(row + c.w)].allSatisfy { $0 == sentinel }, "channel \(m) row \(oy) written")
                }
            }
        }
        let diff = Difference(actual, direct)
        #expect(diff.normalizedMSE <= 1e-7 && diff.maxAbs <= 1e-4, "fast vs direct: \(diff)")
        let twinDiff = Difference(twin, direct)
        #expect(twinDiff.maxAbs <= 1e-5, "reference twin vs direct: \(twinDiff)")
    }

    struct PixelShuffleCase: Sendable, CustomTestStringConvertible {
        var block: Int, crd: Bool, co: Int, rows: Int, w: Int, h: Int, firstRow: Int
        var residual = true
        /// The residual as a bilinear upscale of an h x w picture (half_pixel), blended in the store.
        var upscale = false
        var epilogue = LinearEpilogue.identity
        var curve = CurveFunction.none
        var testDescription: String {
            "b\(block) \(crd ? "CRD" : "DCR") C\(co) rows \(firstRow)+\(rows) of \(h)x\(w) residual \(residual) upscale \(upscale) \(epilogue) \(curve)"
        }
    }

    static let pixelShuffleCases: [PixelShuffleCase] = [
        PixelShuffleCase(block: 2, crd: true, co: 3, rows: 5, w: 128, h: 9, firstRow: 3, epilogue: LinearEpilogue(lower: -1, upper: 1)),
        PixelShuffleCase(block: 4, crd: true, co: 3, rows: 3, w: 37, h: 7, firstRow: 4, epilogue: LinearEpilogue(lower: -0.5, upper: 0.5)),
        PixelShuffleCase(block: 4, crd: false, co: 2, rows: 2, w: 16, h: 2, firstRow: 0, residual: false),
        PixelShuffleCase(block: 2, crd: false, co: 5, rows: 1, w: 21, h: 4, firstRow: 2, curve: .tanh),
        PixelShuffleCase(block: 3, crd: true, co: 2, rows: 2, w: 18, h: 5, firstRow: 1, epilogue: LinearEpilogue(negativeSlope: 0.2)),
        PixelShuffleCase(block: 4, crd: true, co: 3, rows: 4, w: 35, h: 9, firstRow: 5, residual: false, upscale: true,
                         epilogue: LinearEpilogue(lower: -1, upper: 1)),
        PixelShuffleCase(block: 2, crd: true, co: 3, rows: 3, w: 32, h: 3, firstRow: 0, residual: false, upscale: true),
        PixelShuffleCase(block: 4, crd: false, co: 1, rows: 1, w: 16, h: 6, firstRow: 0, residual: false, upscale: true, curve: .tanh),
    ]

    @Test("pixel-shuffle store: blocks 2, 4 (vector) and 3, CRD and DCR, residual, epilogue and curve, ragged widths",
          arguments: pixelShuffleCases, sets)
    func pixelShuffle(_ c: PixelShuffleCase, set: InstructionSet) throws {
        let kernels = try #require(PackedKernels.select(set))
        var random = TestRandom(seed: UInt64(c.block * 1000 + c.w))
        let b = c.block, ow = c.w * b, oh = c.h * b
        let source = random.floats(c.co * b * b * c.rows * c.w)
        let residual = c.residual ? random.floats(c.co * oh * ow) : nil
        let sentinel: Float = 12345
        var output = [Float](repeating: sentinel, count: c.co * oh * ow)
        // The upscale: half_pixel bilinear tables from h x w to oh x ow, and the band's input rows resized horizontally.
        func table(_ size: Int, _ out: Int) -> ([Int], [Int], [Float]) {
            var i0: [Int] = [], i1: [Int] = [], weight: [Float] = []
            for o in 0..<out {
                let x = min(max((Float(o) + 0.5) / Float(b) - 0.5, 0), Float(size - 1))
                let lo = Int(x.rounded(.down))
                i0.append(lo); i1.append(min(lo + 1, size - 1)); weight.append(x - Float(lo))
            }
            return (i0, i1, weight)
        }
        let (y0, y1, wy) = table(c.h, oh), (x0, x1, wx) = table(c.w, ow)
        let picture = random.floats(c.co * c.h * c.w)
        let band = (c.firstRow * b)..<((c.firstRow + c.rows) * b)
        let lo = y0[band].min()!, hi = y1[band].max()!
        var rows = [Float](repeating: 0, count: c.co * (hi - lo + 1) * ow)
        picture.withUnsafeBufferPointer { pp in x0.withUnsafeBufferPointer { x0p in x1.withUnsafeBufferPointer { x1p in
            wx.withUnsafeBufferPointer { wxp in rows.withUnsafeMutableBufferPointer { rp in
                for ch in 0..<c.co {
                    for iy in lo...hi {
                        PixelShuffleUpscale.resizeRow(pp.baseAddress! + (ch * c.h + iy) * c.w, into: rp.baseAddress! + (ch * (hi - lo + 1) + iy - lo) * ow,
                                                      outputWidth: ow, x0: x0p.baseAddress!, x1: x1p.baseAddress!, wx: wxp.baseAddress!)
                    }
                }
            } }
        } } }
        source.withUnsafeBufferPointer { sp in
            output.withUnsafeMutableBufferPointer { op in
                residual.withUnsafeBufferPointerOrNil { rp in
                    rows.withUnsafeBufferPointer { up in y0.withUnsafeBufferPointer { y0p in y1.withUnsafeBufferPointer { y1p in
                        wy.withUnsafeBufferPointer { wyp in
                            let upscale = c.upscale ? PixelShuffleUpscale(rows: up.baseAddress!, rowCount: hi - lo + 1, firstRow: lo,
                                                                          top: y0p.baseAddress!, bottom: y1p.baseAddress!, weight: wyp.baseAddress!) : nil
                            kernels.table.pixelShuffle(PixelShuffleArguments(
                                source: sp.baseAddress!, rows: c.rows, width: c.w, block: b, crd: c.crd, outputChannels: c.co, output: op.baseAddress!,
                                outputHeight: oh, firstRow: c.firstRow, residual: rp, upscale: upscale, epilogue: c.epilogue, curve: c.curve))
                        }
                    } } }
                }
            }
        }
        let expected = PixelShuffleStore.reference(
            source: source, rows: c.rows, width: c.w, block: b, crd: c.crd, outputChannels: c.co, residual: residual, outputHeight: oh,
            firstRow: c.firstRow, epilogue: c.epilogue, curve: c.curve,
            upscale: c.upscale ? (picture, c.h, c.w, y0, y1, wy, x0, x1, wx) : nil)
        var actual: [Float] = []
        for ch in 0..<c.co {
            for oy in 0..<oh {
                let row = (ch * oh + oy) * ow
                if band.contains(oy) {
                    actual += output[row..<(row + ow)]
                } else {
                    #expect(output[row..<(row + ow)].allSatisfy { $0 == sentinel }, "channel \(ch) row \(oy) written")
                }
            }
        }
        let diff = Difference(actual, expected)
        #expect(diff.maxAbs <= 1e-5, "\(diff)")
    }

    @Test("curve kernel (a standalone Sigmoid or Tanh): within 2e-7 of the scalar definition at any count",
          arguments: [1, 15, 16, 17, 1000, 4099], sets)
    func curve(count: Int, set: InstructionSet) throws {
        let kernels = try #require(PackedKernels.select(set))
        var r = TestRandom(seed: UInt64(count))
        let input = r.floats(count, scale: 12)
        for (function, activation) in [(CurveFunction.sigmoid, Activation.sigmoid), (.tanh, .tanh)] {
            var output = input
            output.withUnsafeMutableBufferPointer { kernels.table.curve($0.baseAddress!, count, function) }
            let expected = input.map(activation.apply)
            let worst = zip(output, expected).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 2e-7, "\(function) on \(set), \(count) values: max |Δ| \(worst)")
        }
    }

    @Test("instruction set selection: LIKENESS_KERNELS (through EngineOptions, its one parser) lowers, never raises")
    func selection() {
        func chosen(_ value: String?) -> InstructionSet {
            let options = EngineOptions(environment: value.map { ["LIKENESS_KERNELS": $0] } ?? [:])
            return options.packedKernels?.instructionSet ?? .baseline
        }
        #expect(chosen(nil) == InstructionSet.supported)
        #expect(chosen("baseline") == .baseline)
        #expect(chosen("AVX512") == InstructionSet.supported)
        #expect(chosen("avx2") == min(.avx2, InstructionSet.supported))
        #expect(chosen("nonsense") == InstructionSet.supported)
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
