import Foundation
import Testing
@testable import LikenessMedia

/// Straightforward 2D Lanczos-3 over float planes: every target sample sums over its full tap window.
func referenceResample(_ src: PlanarImage, width: Int, height: Int) -> PlanarImage {
    func lanczos(_ x: Double) -> Double {
        if abs(x) < 1e-9 { return 1 }
        if abs(x) >= 3 { return 0 }
        return 3 * sin(Double.pi * x) * sin(Double.pi * x / 3) / (Double.pi * Double.pi * x * x)
    }
    let sx = Double(src.width) / Double(width), sy = Double(src.height) / Double(height)
    let fx = max(1, sx), fy = max(1, sy)
    var out = PlanarImage(channels: 3, width: width, height: height)
    for c in 0..<3 {
        for y in 0..<height {
            let cy = (Double(y) + 0.5) * sy
            let y0 = Int((cy - 3 * fy).rounded(.down))
            let wys = (y0...(y0 + Int((6 * fy).rounded(.up)) + 1)).map { ($0, lanczos((Double($0) + 0.5 - cy) / fy)) }
            let sumY = wys.reduce(0) { $0 + $1.1 }
            for x in 0..<width {
                let cx = (Double(x) + 0.5) * sx
                let x0 = Int((cx - 3 * fx).rounded(.down))
                let wxs = (x0...(x0 + Int((6 * fx).rounded(.up)) + 1)).map { ($0, lanczos((Double($0) + 0.5 - cx) / fx)) }
                let sumX = wxs.reduce(0) { $0 + $1.1 }
                var acc = 0.0
                for (j, wy) in wys {
                    for (i, wx) in wxs {
                        let sample = src.storage[(c * src.height + min(max(j, 0), src.height - 1)) * src.width + min(max(i, 0), src.width - 1)]
                        acc += (wx / sumX) * (wy / sumY) * Double(sample)
                    }
                }
                out.storage[(c * height + y) * width + x] = Float(acc)
            }
        }
    }
    return out
}

func noisePlanes(width: Int, height: Int, seed: UInt64 = 7) -> PlanarImage {
    var state = seed
    var image = PlanarImage(channels: 3, width: width, height: height)
    for i in image.storage.indices {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        image.storage[i] = Float(state >> 40) / Float(1 << 24) * 2 - 1
    }
    return image
}

@Suite struct PlanarLanczosTests {
    @Test(arguments: [(8, 8, 32, 32), (16, 16, 40, 40), (13, 7, 29, 17), (32, 32, 12, 12), (20, 10, 7, 5), (16, 16, 16, 48), (128, 128, 512, 512)])
    func matchesTheNaiveReference(sw: Int, sh: Int, tw: Int, th: Int) {
        let src = noisePlanes(width: sw, height: sh)
        var fast = PlanarImage(channels: 3, width: tw, height: th)
        LanczosResampler(sourceWidth: sw, sourceHeight: sh, targetWidth: tw, targetHeight: th, fit: .stretch).resample(src, into: &fast)
        let slow = referenceResample(src, width: tw, height: th)
        var worst: Float = 0
        for i in fast.storage.indices { worst = max(worst, abs(fast.storage[i] - slow.storage[i])) }
        #expect(worst <= 1e-5, "max |Δ| = \(worst)")
    }

    @Test func backgroundComesBackAsItsExactBytes() {
        let bg = RGBColor(red: 10, green: 200, blue: 77)
        let r = LanczosResampler(sourceWidth: 8, sourceHeight: 8, targetWidth: 32, targetHeight: 16, fit: .contain, background: bg)
        var planes = PlanarImage(channels: 3, width: 32, height: 16)
        r.resample(noisePlanes(width: 8, height: 8), into: &planes)
        let frame = planes.frame
        #expect(frame[0, 0] == bg && frame[31, 15] == bg)
    }
}

@Suite struct RGB8ConversionTests {
    @Test func simdMatchesTheScalarDefinition() {
        var planes = noisePlanes(width: 37, height: 5, seed: 3)
        planes.storage[0] = .nan
        planes.storage[1] = 1.7
        planes.storage[2] = -3
        planes.storage[3] = 1 / 255 - 1   // exactly on a half: rounds to even
        let frame = planes.frame
        let pixels = 37 * 5
        for i in 0..<pixels {
            for c in 0..<3 {
                #expect(frame.pixels[i * 3 + c] == RGB8Conversion.byte(planes.storage[c * pixels + i]))
            }
        }
        #expect(RGB8Conversion.byte(1) == 255 && RGB8Conversion.byte(-1) == 0 && RGB8Conversion.byte(0) == 128 && RGB8Conversion.byte(.nan) == 0)
    }

    @Test func everyByteSurvivesTheRoundTrip() {
        for b in 0...255 {
            #expect(RGB8Conversion.byte(RGB8Conversion.unit(UInt8(b))) == UInt8(b))
        }
    }
}

/// A sink that keeps frames, optionally failing.
final class RecordingSink: FrameSink {
    var frames: [Frame] = []
    var finished = false
    var failWrites = false
    func write(_ frame: Frame) throws(MediaError) {
        if failWrites { throw .brokenPipe(what: "test") }
        frames.append(frame)
    }
    func finish() throws(MediaError) { finished = true }
}
