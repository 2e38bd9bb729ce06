import Foundation
import LikenessKernels

// MARK: - Step

/// One planned operation of the execution plan, bound to arena buffers.
///
/// Steps are built at load time with buffer ids, then ``bind(_:)`` resolves the ids to pointers
/// into the arena. `run(part:of:)` is allocation-free.
class Step: ParallelWork {
    let name: String
    let opType: String
    /// FLOPs for the whole batch (multiply-add = 2).
    var flops: Double = 0
    /// Bytes of the arena buffers the step reads and writes once each (set at layout): the memory
    /// traffic of one run if nothing stayed in cache between steps; scratch and weights not counted.
    var bytesMoved = 0
    /// Whether the step is split across the worker pool.
    var parallel = false
    /// Floats of scratch this step needs (for all parts together).
    var scratchCount = 0
    var scratchID = -1
    var scratch = UnsafeMutablePointer<Float>(bitPattern: 16)!

    init(name: String, opType: String) {
        self.name = name
        self.opType = opType
    }

    /// Resolves buffer ids to arena pointers.
    func bind(_ resolve: (Int) -> UnsafeMutablePointer<Float>) {
        if scratchID >= 0 { scratch = resolve(scratchID) }
    }

    /// The buffer ids this step reads and writes (for liveness).
    var reads: [Int] { [] }
    var writes: [Int] { [] }

    /// `count` rounded up to whole cache lines (16 floats), so every part's scratch starts aligned.
    static func cacheLines(_ count: Int) -> Int { (count + 15) / 16 * 16 }

    @inline(__always)
    static func range(_ total: Int, part: Int, of parts: Int, multiple: Int = 1) -> Range<Int> {
        var chunk = (total + parts - 1) / parts
        chunk = (chunk + multiple - 1) / multiple * multiple
        let start = min(total, part * chunk)
        return start..<min(total, start + chunk)
    }
}

// MARK: - SingleInputStep

/// A step that reads one arena buffer and writes another (most of them).
///
/// A convolution step may also read a per-channel scale of its input ([N, C]): a channel gate
/// (`x · gate` with gate [N, C, 1, 1]) that the planner fused into it, applied while the kernel
/// copies its input rows.
class SingleInputStep: Step {
    let inputID: Int, outputID: Int
    var input = UnsafeMutablePointer<Float>(bitPattern: 16)!
    var output = UnsafeMutablePointer<Float>(bitPattern: 16)!
    /// The buffer of the fused input scale, or -1.
    var inputScaleID = -1
    var inputScale: UnsafeMutablePointer<Float>?

    init(name: String, opType: String, inputID: Int, outputID: Int) {
        self.inputID = inputID
        self.outputID = outputID
        super.init(name: name, opType: opType)
    }

    override var reads: [Int] { inputScaleID >= 0 ? [inputID, inputScaleID] : [inputID] }
    override var writes: [Int] { [outputID] }

    override func bind(_ resolve: (Int) -> UnsafeMutablePointer<Float>) {
        super.bind(resolve)
        input = resolve(inputID)
        output = resolve(outputID)
        if inputScaleID >= 0 { inputScale = resolve(inputScaleID) }
    }

    /// Image `n`'s input scale, one value per input channel.
    @inline(__always)
    func inputScale(image n: Int, channels: Int) -> UnsafePointer<Float>? {
        inputScale.map { UnsafePointer($0 + n * channels) }
    }
}
