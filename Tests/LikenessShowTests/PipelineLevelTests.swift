import Foundation
import LikenessMedia
import LikenessTestSupport
import Testing
@testable import LikenessShow

// MARK: - The pipeline at a level

@Suite("StagePipeline at a detail level: the same planes as a pipeline of just that prefix")
struct PipelineLevelTests {
    static let stageFiles = ["tiny-stage-32.onnx", "tiny-stage-64.onnx"].map {
        packageRoot.appendingPathComponent("Tests/Fixtures/models/\($0)")
    }

    static func stages() throws -> [DetailStageFile] {
        try stageFiles.map { try DetailStageFile.load(url: $0) }
    }

    typealias Canvas = StagePipeline.Configuration.Canvas
    static let square = Canvas(width: 96, height: 96)
    let generator = FakeGenerator(zDim: 8, width: 32, height: 32)
    let latent: [Float] = (0..<8).map { Float(sin(Double($0) * 1.7)) }

    func levelled(_ canvases: [Canvas] = [square, square, square]) throws -> StagePipeline {
        let top = try #require(canvases.last)
        return StagePipeline(configuration: .standard(width: top.width, height: top.height, detail: try Self.stages(), levelCanvases: canvases),
                             generator: generator)
    }

    func run(_ pipeline: StagePipeline) -> PlanarImage {
        latent.withUnsafeBufferPointer { pipeline.run(latent: $0) }
        return pipeline.finalPlanes
    }

    @Test(arguments: [0, 1, 2])
    func aLevelIsItsPrefix(level: Int) throws {
        let pipeline = try levelled()
        pipeline.setLevel(level)
        let prefix = StagePipeline(configuration: .standard(width: 96, height: 96, detail: Array(try Self.stages().prefix(level))), generator: generator)
        #expect(run(pipeline) == run(prefix), "level \(level)")
        #expect(pipeline.outputShape == PlaneShape(channels: 3, width: 96, height: 96))
        #expect((0...2).map { pipeline.stageRan[$0] } == (0...2).map { $0 <= level }, "only the prefix's model stages run")
        #expect(pipeline.stageRan[3], "lanczos")
        #expect(!pipeline.stageRan[4], "no crossfade")
    }

    @Test func eachLevelPaintsItsOwnCanvas() throws {
        // As in a show with linear upscale: every picture at its own size (no Lanczos at all).
        let pipeline = try levelled([Canvas(width: 32, height: 32), Canvas(width: 64, height: 64), Canvas(width: 128, height: 128)])
        for k in 0...2 {
            pipeline.setLevel(k)
            #expect(pipeline.outputWidth == 32 << k)
            var frame = Frame(width: pipeline.outputWidth, height: pipeline.outputHeight)
            latent.withUnsafeBufferPointer { pipeline.run(latent: $0, into: &frame) }
            #expect(frame == pipeline.finalPlanes.frame)
            #expect(!pipeline.stageRan[3], "the picture is the canvas")
        }
    }

    /// During a crossfade the pipeline runs the upper level and blends in the lower level's picture, which is
    /// the upper run's intermediate resampled: weight 0 is exactly the lower level, 1 exactly the upper.
    @Test func aCrossfadeBlendsTheLowerLevelsIntermediate() throws {
        let pipeline = try levelled()
        pipeline.setLevel(1)
        let lower = run(pipeline)
        pipeline.setLevel(2)
        let upper = run(pipeline)
        #expect(lower != upper)
        pipeline.blendWeight = 0
        #expect(run(pipeline) == lower, "weight 0: the old level's picture exactly")
        #expect(pipeline.stageRan[4], "the crossfade ran")
        pipeline.blendWeight = 1
        #expect(run(pipeline) == upper, "weight 1: the new level's picture exactly")
        pipeline.blendWeight = 0.25
        let mixed = run(pipeline)
        let expected = DetailFade.blendReference(lower: lower.storage, upper: upper.storage, upperWeight: 0.25)
        #expect(zip(mixed.storage, expected).allSatisfy { abs($0 - $1) <= 1e-6 })
        pipeline.setLevel(0)
        #expect(pipeline.blendWeight == nil, "a new level ends the crossfade")
    }

    @Test func aCrossfadeAcrossCanvasesIsOnTheUpperCanvas() throws {
        let pipeline = try levelled([Canvas(width: 48, height: 48), Canvas(width: 80, height: 80), Canvas(width: 96, height: 96)])
        pipeline.setLevel(1)
        pipeline.blendWeight = 0
        let lowerOnUpper = run(pipeline)
        #expect(lowerOnUpper.shape == PlaneShape(channels: 3, width: 80, height: 80))
        // The level below's picture (32 px, the generator's) resampled straight onto the 80 px canvas.
        var expected = PlanarImage(channels: 3, width: 80, height: 80)
        LanczosResampler(sourceWidth: 32, sourceHeight: 32, targetWidth: 80, targetHeight: 80).resample(pipeline.picture(atLevel: 0), into: &expected)
        #expect(lowerOnUpper == expected)
    }

    @Test func aFixedPipelineRunsTheWholeChain() throws {
        let pipeline = StagePipeline(configuration: .standard(width: 96, height: 96, detail: try Self.stages()), generator: generator)
        #expect(!pipeline.levelsCanChange && pipeline.level == 2)
        #expect(pipeline.stages.map(\.name) == ["generator", "tiny-stage-32", "tiny-stage-64", "lanczos"])
        #expect(pipeline.timingNames == ["generator", "tiny-stage-32", "tiny-stage-64", "lanczos", "crossfade", "rgb8"])
    }

    @Test func measuringTimesEveryLevelAndLeavesTheLevelAsItWas() throws {
        let pipeline = try levelled([Canvas(width: 64, height: 64), Canvas(width: 96, height: 96), Canvas(width: 128, height: 128)])
        pipeline.setLevel(1)
        let m = latent.withUnsafeBufferPointer { pipeline.measureLevels(latent: $0, warmUp: 1, runs: 2) }
        #expect(pipeline.level == 1 && pipeline.blendWeight == nil)
        #expect(m.modelStageSeconds.count == 3 && m.modelStageSeconds.allSatisfy { $0 > 0 })
        #expect(m.lanczosSeconds[0] > 0 && m.lanczosSeconds[1] > 0 && m.lanczosSeconds[2] == 0, "level 2's picture is its canvas")
        #expect(m.rgb8Seconds.allSatisfy { $0 > 0 })
        let levels = m.levelSeconds
        #expect(levels.count == 3)
        #expect(abs(levels[2] - (m.modelStageSeconds.reduce(0, +) + m.rgb8Seconds[2])) < 1e-12)
        #expect(m.measuringSeconds > 0)
    }
}

// MARK: - Crossfades

@Suite("DetailFade: a change of level is a crossfade that starts on the old picture and ends on the new")
struct DetailFadeTests {
    @Test(arguments: [1, 2, 3, 30, 60])
    func weightsRunFromOldToNewExactly(frames: Int) {
        let up = DetailFade(lower: 0, direction: .up, frames: frames)
        let down = DetailFade(lower: 0, direction: .down, frames: frames)
        #expect(up.upperWeight(frame: 0) == 0 && up.upperWeight(frame: frames) == 1)
        #expect(down.upperWeight(frame: 0) == 1 && down.upperWeight(frame: frames) == 0)
        let weights = (0...frames).map(up.upperWeight(frame:))
        #expect(zip(weights.dropFirst(), weights).allSatisfy { $0 > $1 }, "rises every frame: \(weights)")
        for i in 0...frames { #expect(abs(up.upperWeight(frame: i) + down.upperWeight(frame: i) - 1) < 1e-6) }
        if frames >= 30 {
            // Smoothstep: gentle at both ends, steepest in the middle.
            let steps = zip(weights.dropFirst(), weights).map { $0 - $1 }
            #expect(steps[0] < steps[frames / 2] / 10 && steps[frames - 1] < steps[frames / 2] / 10)
        }
    }

    @Test func advancingReachesTheEndAndItsTarget() {
        var fade = DetailFade(lower: 1, direction: .down, frames: 4)
        #expect(fade.origin == 2 && fade.target == 1)
        var weights: [Float] = []
        while !fade.isFinished {
            weights.append(fade.nextUpperWeight)
            fade.advance()
        }
        #expect(weights.count == 4 && weights.last == 0)
        #expect(DetailFade(lower: 1, direction: .up, frames: 4).target == 2)
    }

    @Test func aboutASecondAtTheProducersPace() {
        #expect(DetailFade.frames(seconds: 1, frameSeconds: 0.01, fps: 60) == 60, "a fast producer: a second of display frames")
        #expect(DetailFade.frames(seconds: 1, frameSeconds: 0.05, fps: 60) == 20, "20 fps: 20 frames, still a second")
        #expect(DetailFade.frames(seconds: 1, frameSeconds: 2, fps: 60) == 3, "never a one-frame jump")
    }

    @Test(arguments: [0, 1, 7, 8, 9, 1000, 3 * 17 * 13])
    func theBlendKernelMatchesItsReference(count: Int) {
        var random = SystemRandomNumberGenerator()
        let lower = (0..<count).map { _ in Float.random(in: -1...1, using: &random) }
        let upper = (0..<count).map { _ in Float.random(in: -1...1, using: &random) }
        for w: Float in [0, 0.25, 0.5, 0.999, 1] {
            var out = upper
            lower.withUnsafeBufferPointer { l in out.withUnsafeMutableBufferPointer { DetailFade.blend(lower: l, into: $0, upperWeight: w) } }
            let expected = DetailFade.blendReference(lower: lower, upper: upper, upperWeight: w)
            let worst = zip(out, expected).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-7, "max |Δ| \(worst) at w \(w), \(count) floats")
            if w == 0 { #expect(out == lower, "weight 0 is the lower picture exactly") }
            if w == 1 { #expect(out == upper, "weight 1 is the upper picture exactly") }
        }
    }
}
