import Foundation
import LikenessEngine
import LikenessMedia
import LikenessTestSupport
import Testing
@testable import LikenessShow

// MARK: - Frame renderer

@Suite struct FrameRendererTests {
    @Test func modelSizeNeedsNoResampling() {
        let r = FrameRenderer(generator: FakeGenerator(), path: FakePath(seed: 1, zDim: 8, period: nil), outputWidth: 16, outputHeight: 16)
        #expect(r.pipeline.stages.count == 1, "only the generator runs")
        var planes = [Float](repeating: 0, count: 16 * 16 * 3)
        var z = [Float](repeating: 0, count: 8)
        z.withUnsafeMutableBufferPointer { FakePath(seed: 1, zDim: 8, period: nil).latent(at: 2, into: $0) }
        z.withUnsafeBufferPointer { zb in planes.withUnsafeMutableBufferPointer { FakeGenerator().render(latents: zb, into: $0) } }
        #expect(r.render(at: 2) == PlanarImage(channels: 3, width: 16, height: 16, storage: planes).frame)
    }

    @Test func progressBarShowsFramesFPSAndETA() {
        let bar = ProgressReporter.bar(done: 450, total: 1800, fps: 24.1)
        #expect(bar.contains("450/1800 frames"))
        #expect(bar.contains("24.1 fps"))
        #expect(bar.contains("ETA 0:56"))
        #expect(ProgressReporter.plain(done: 900, total: 1800, fps: 10).contains("(50%)"))
        var lines: [String] = []
        let plain = ProgressReporter(label: "record", total: 10, interactive: false) { lines.append($0) }
        for i in 1...10 { plain.update(done: i) }
        #expect(!lines.isEmpty && lines.allSatisfy { $0.hasPrefix("record: ") && !$0.contains("\r") })
    }
}
