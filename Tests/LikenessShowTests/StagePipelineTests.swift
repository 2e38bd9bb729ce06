import Foundation
import LikenessMedia
import LikenessPath
import LikenessTestSupport
import Testing
@testable import LikenessShow

// MARK: - Stage pipeline

@Suite struct StagePipelineTests {
    @Test func theStandardListIsGeneratorThenLanczos() {
        let generator = FakeGenerator()
        let pipeline = StagePipeline(configuration: .standard(width: 40, height: 32), generator: generator)
        #expect(pipeline.stages.map(\.name) == ["generator", "lanczos"])
        #expect(pipeline.inputShape == PlaneShape(channels: 8, width: 1, height: 1))
        #expect(pipeline.outputShape == PlaneShape(channels: 3, width: 40, height: 32))
        #expect(StagePipeline(configuration: .standard(width: 16, height: 16), generator: generator).stages.map(\.name) == ["generator"])
    }

    /// The frame is the float planes resampled, then quantised once: byte for byte the RGB8 rule applied to the planes.
    @Test func theFrameIsQuantisedOnceAfterResampling() {
        let generator = FakeGenerator()
        let pipeline = StagePipeline(configuration: .standard(width: 48, height: 48), generator: generator)
        let z = [Float](repeating: 0.4, count: 8)
        var frame = Frame(width: 48, height: 48)
        z.withUnsafeBufferPointer { pipeline.run(latent: $0, into: &frame) }
        let planes = pipeline.finalPlanes
        var expected = PlanarImage(channels: 3, width: 16, height: 16)
        z.withUnsafeBufferPointer { zb in expected.withUnsafeMutableBufferPointer { generator.render(latents: zb, into: $0) } }
        var resampled = PlanarImage(channels: 3, width: 48, height: 48)
        LanczosResampler(sourceWidth: 16, sourceHeight: 16, targetWidth: 48, targetHeight: 48).resample(expected, into: &resampled)
        #expect(planes == resampled)
        #expect(frame == resampled.frame)
    }
}
