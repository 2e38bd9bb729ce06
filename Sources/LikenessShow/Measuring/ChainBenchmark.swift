import Foundation
import LikenessEngine
import LikenessMedia

// MARK: - ChainBenchmark

/// The chain as `frames` runs it, one step after the other — generator, each detail stage, Lanczos to
/// the output size — timed step by step (`likeness bench --chain`, which only prints the result).
public final class ChainBenchmark {
    /// "generator", each stage's folder name, "lanczos".
    public let names: [String]
    /// GFLOP of each step for one frame (Lanczos counted as 0).
    public let gflops: [Double]
    /// Bytes each step reads and writes for one frame.
    public let bytesMoved: [Double]
    /// Each model step's output shape without the batch, then the final picture's [3, height, width].
    public let outputShapes: [[Int]]
    public let threads: Int
    public let kernelDescription: String

    private let models: [CompiledModel]
    private let resampler: LanczosResampler
    private var buffers: [[Float]]
    private var final: [Float]
    private let input: [Float]

    /// Loads the generator and the stages in order; each stage must read what the step before it paints.
    public init(generator: URL, stages: [URL], width: Int, height: Int, threads: Int, options: EngineOptions) throws {
        var models = [try CompiledModel(contentsOf: generator, options: options.with(threads: threads))]
        var names = ["generator"]
        for url in stages {
            let stage = try DetailStage(contentsOf: url, options: options.with(threads: threads))
            guard let previous = models.last, previous.outputShape == stage.model.inputShape else {
                throw ShowError.invalidRequest(
                    message: "the stage \(url.path) reads \(stage.model.inputShape), the chain paints \(models.last?.outputShape ?? []) before it",
                    hint: "list the stages in order")
            }
            models.append(stage.model)
            names.append(url.deletingLastPathComponent().lastPathComponent)
        }
        let last = models[models.count - 1].outputShape
        self.models = models
        self.names = names + ["lanczos"]
        gflops = models.map(\.gflop) + [0]
        bytesMoved = models.map { Double($0.bytesMoved) } + [Double((last[1] * last[2] * last[3] + 3 * width * height) * 4)]
        outputShapes = models.map { Array($0.outputShape.dropFirst()) } + [[3, height, width]]
        self.threads = models[0].threads
        kernelDescription = models[0].kernelDescription
        resampler = LanczosResampler(sourceWidth: last[3], sourceHeight: last[2], targetWidth: width, targetHeight: height,
                                     fit: .contain, background: .black)
        buffers = models.map { [Float](repeating: 0, count: $0.outputCount) }
        final = [Float](repeating: 0, count: 3 * width * height)
        input = Benchmarks.input(for: models[0])
    }

    /// `iterations` timed frames after `warmup`: the whole frame's runs, and each step's milliseconds in
    /// the timed frames (`[step][frame]`).
    public func run(iterations: Int, warmup: Int) -> (runs: Benchmarks.TimedRuns, stepMilliseconds: [[Double]]) {
        var perStep = [[Double]](repeating: [], count: models.count + 1)
        for i in perStep.indices { perStep[i].reserveCapacity(iterations + warmup) }  // no growth in the timed frames
        let runs = Benchmarks.time(iterations: iterations, warmup: warmup) { frame(into: &perStep) }
        // The warm-up frames were recorded too: keep the timed ones.
        return (runs, perStep.map { Array($0.suffix(iterations)) })
    }

    private func frame(into perStep: inout [[Double]]) {
        var t0 = DispatchTime.now().uptimeNanoseconds
        func lap(_ i: Int) {
            let t1 = DispatchTime.now().uptimeNanoseconds
            perStep[i].append(Double(t1 - t0) / 1e6)
            t0 = t1
        }
        input.withUnsafeBufferPointer { i in buffers[0].withUnsafeMutableBufferPointer { models[0].run(i, into: $0) } }
        lap(0)
        for s in 1..<models.count {
            let source = buffers[s - 1]
            source.withUnsafeBufferPointer { i in buffers[s].withUnsafeMutableBufferPointer { models[s].run(i, into: $0) } }
            lap(s)
        }
        buffers[models.count - 1].withUnsafeBufferPointer { i in final.withUnsafeMutableBufferPointer { resampler.resample(unsafeSource: i, into: $0) } }
        lap(models.count)
    }
}
