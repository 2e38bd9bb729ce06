import Foundation
import LikenessEngine
import LikenessMedia
import LikenessTestSupport
import Testing
@testable import LikenessShow

// MARK: - Loops with the real path

@Suite struct LoopSeamTests {
    /// With LikenessPath's loop and a generator that reacts strongly to the latent, a recorded loop's seam
    /// (last frame → first) is a step like the others, and one period on the first frame comes back.
    @Test func recordedLoopClosesWithoutASeam() throws {
        var exhibition = Exhibition()
        exhibition.output.fps = 12
        let plan = try RecordingPlan(exhibition: exhibition, seconds: 3, loop: true)
        #expect(plan.frameCount == 36)
        let sink = MemorySink()
        let job = HeadlessJob(fps: 12, width: 16, height: 16, count: plan.frameCount + 1)
        let renderer = HeadlessRenderer(exhibition: plan.exhibition, job: job,
                                        makeGenerator: { _ in FakeGenerator() }, makePath: LoadedModel.makePath)
        _ = try renderer.run(into: sink)
        let frames = sink.frames
        #expect(frames.count == 37)
        guard frames.count == 37 else { return }
        let steps = (0..<35).map { frames[$0].meanAbsoluteDifference(to: frames[$0 + 1]) }
        let seam = frames[35].meanAbsoluteDifference(to: frames[0])
        let low = steps.min() ?? 0, high = steps.max() ?? 0
        #expect(low > 0.05, "the fake generator should make every step visible (min step \(low))")
        #expect(seam >= low * 0.5 && seam <= high * 1.5, "seam \(seam) outside [\(low), \(high)]")
        #expect(frames[36].meanAbsoluteDifference(to: frames[0]) < 0.5)
    }
}
