import Foundation

// MARK: - ExecutionPlan

/// The planned graph: steps bound to one arena, run in order, allocation-free.
///
/// The arena holds every activation, scratch buffer and materialized constant; buffers whose
/// lifetimes do not overlap share memory. Weights live in the steps (allocated once at load).
final class ExecutionPlan {
    let steps: [Step]
    /// Floats in the arena.
    let arenaCount: Int
    let arena: UnsafeMutablePointer<Float>
    /// The block `arena` lies in (freed with `free`).
    private let arenaBlock: UnsafeMutableRawPointer
    let input: UnsafeMutablePointer<Float>
    let output: UnsafeMutablePointer<Float>
    let inputShape: [Int]
    let outputShape: [Int]
    let pool: WorkerPool
    /// FLOPs of one run (the whole batch).
    let flops: Double

    init(steps: [Step], arenaCount: Int, offsets: [Int], initialData: [(Int, [Float])],
         inputOffset: Int, inputShape: [Int], outputOffset: Int, outputShape: [Int], threads: Int) {
        self.steps = steps
        self.arenaCount = max(arenaCount, 16)
        // Cache-line aligned: buffers start at multiples of 16 floats, so whole vectors of a row
        // never straddle two cache lines. Zeroed by calloc, whose large blocks are fresh pages that are
        // touched only when a layer writes them, so planning a model with a huge activation does not
        // spend time zeroing memory no frame reads.
        guard let block = calloc(self.arenaCount * 4 + 64, 1) else {
            fatalError("out of memory: the activation arena needs \(self.arenaCount * 4) bytes")
        }
        arenaBlock = block
        let base = block.alignedUp(toMultipleOf: 64).bindMemory(to: Float.self, capacity: self.arenaCount)
        for (offset, values) in initialData {
            values.withUnsafeBufferPointer { src in
                if let start = src.baseAddress { (base + offset).update(from: start, count: values.count) }
            }
        }
        arena = base
        for step in steps { step.bind { base + offsets[$0] } }
        input = arena + inputOffset
        output = arena + outputOffset
        self.inputShape = inputShape
        self.outputShape = outputShape
        inputCount = inputShape.reduce(1, *)
        outputCount = outputShape.reduce(1, *)
        pool = WorkerPool(threadCount: threads)
        flops = steps.reduce(0) { $0 + $1.flops }
    }

    deinit {
        pool.stop()
        free(arenaBlock)
    }

    /// Floats of the input and of the output (stored: a generic `reduce` allocates in debug builds).
    let inputCount: Int, outputCount: Int

    /// Runs every step. With `timings`, adds each step's nanoseconds to `timings[i]`.
    /// With `threadCPUClock`, the timings are the calling thread's CPU time instead of wall time
    /// (load-independent on a busy machine; with several threads it counts the caller's share only).
    func run(timings: UnsafeMutablePointer<UInt64>? = nil, threadCPUClock: Bool = false) {
        for i in 0..<steps.count {
            let step = steps[i]
            let start = timings == nil ? 0 : ExecutionPlan.now(threadCPUClock)
            if step.parallel { pool.run(step) } else { step.run(part: 0, of: 1) }
            if let timings { timings[i] &+= ExecutionPlan.now(threadCPUClock) &- start }
        }
    }

    @inline(__always)
    static func now(_ threadCPU: Bool) -> UInt64 {
        var ts = timespec()
        clock_gettime(threadCPU ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// Copies `values` into the input, runs, and returns a copy of the output (allocates; for tests).
    func evaluate(_ values: [Float]) -> [Float] {
        precondition(values.count == inputCount, "expected \(inputCount) input values, got \(values.count)")
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { input.update(from: base, count: inputCount) }
        }
        run()
        return Array(UnsafeBufferPointer(start: output, count: outputCount))
    }
}

