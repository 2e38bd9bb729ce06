import Foundation
import Testing
@testable import LikenessMedia

/// Straightforward 2D Lanczos-3 reference: for every target pixel, sum over the full source grid.
func referenceResample(_ src: Frame, width: Int, height: Int) -> Frame {
    func lanczos(_ x: Double) -> Double {
        if abs(x) < 1e-9 { return 1 }
        if abs(x) >= 3 { return 0 }
        return 3 * sin(Double.pi * x) * sin(Double.pi * x / 3) / (Double.pi * Double.pi * x * x)
    }
    let sx = Double(src.width) / Double(width), sy = Double(src.height) / Double(height)
    let fx = max(1, sx), fy = max(1, sy)
    var out = Frame(width: width, height: height)
    for y in 0..<height {
        let cy = (Double(y) + 0.5) * sy
        for x in 0..<width {
            let cx = (Double(x) + 0.5) * sx
            var acc = [0.0, 0.0, 0.0], wsum = 0.0
            // Row and column weights normalised separately, as the separable filter does.
            var wxs: [(Int, Double)] = [], wys: [(Int, Double)] = []
            let x0 = Int((cx - 3 * fx).rounded(.down)), y0 = Int((cy - 3 * fy).rounded(.down))
            for i in x0...(x0 + Int((6 * fx).rounded(.up)) + 1) { wxs.append((i, lanczos((Double(i) + 0.5 - cx) / fx))) }
            for j in y0...(y0 + Int((6 * fy).rounded(.up)) + 1) { wys.append((j, lanczos((Double(j) + 0.5 - cy) / fy))) }
            let sumX = wxs.reduce(0) { $0 + $1.1 }, sumY = wys.reduce(0) { $0 + $1.1 }
            for (j, wy) in wys {
                for (i, wx) in wxs {
                    let px = src[min(max(i, 0), src.width - 1), min(max(j, 0), src.height - 1)]
                    let w = (wx / sumX) * (wy / sumY)
                    acc[0] += w * Double(px.red)
                    acc[1] += w * Double(px.green)
                    acc[2] += w * Double(px.blue)
                    wsum += w
                }
            }
            let p = (y * width + x) * 3
            for c in 0..<3 { out.pixels[p + c] = UInt8(min(max(acc[c].rounded(), 0), 255)) }
        }
    }
    return out
}

func noiseFrame(width: Int, height: Int, seed: UInt64 = 42) -> Frame {
    var state = seed
    var pixels = [UInt8](repeating: 0, count: width * height * 3)
    for i in pixels.indices {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        pixels[i] = UInt8(truncatingIfNeeded: state >> 56)
    }
    return Frame(width: width, height: height, pixels: pixels)
}

@Suite struct LanczosResamplerTests {
    @Test func sameSizeIsIdentity() {
        let src = noiseFrame(width: 13, height: 7)
        let r = LanczosResampler(sourceWidth: 13, sourceHeight: 7, targetWidth: 13, targetHeight: 7)
        #expect(r.resample(src) == src)
    }

    @Test(arguments: [(8, 8, 32, 32), (16, 16, 40, 40), (13, 7, 29, 17), (32, 32, 12, 12), (20, 10, 7, 5), (16, 16, 16, 48)])
    func matchesTheReference(sw: Int, sh: Int, tw: Int, th: Int) {
        let src = noiseFrame(width: sw, height: sh)
        let fast = LanczosResampler(sourceWidth: sw, sourceHeight: sh, targetWidth: tw, targetHeight: th, fit: .stretch).resample(src)
        let slow = referenceResample(src, width: tw, height: th)
        var worst = 0
        for i in fast.pixels.indices { worst = max(worst, abs(Int(fast.pixels[i]) - Int(slow.pixels[i]))) }
        #expect(worst <= 1, "max |Δ| = \(worst)")
    }

    /// The 16-row blocks of the horizontal pass give the same floats as one row at a time (sizes with whole blocks and
    /// a tail of rows; upscaling, shrinking, contain and cover).
    @Test(arguments: [(128, 128, 1080, 1080, Fit.contain), (37, 23, 100, 70, Fit.stretch), (64, 48, 30, 20, Fit.cover),
                      (40, 40, 96, 54, Fit.contain)])
    func blocksOfRowsGiveTheSameFloats(sw: Int, sh: Int, tw: Int, th: Int, fit: Fit) {
        var values = PlanarImage(channels: 3, width: sw, height: sh)
        var random: UInt64 = 7
        values.withUnsafeMutableBufferPointer { p in
            for i in p.indices {
                random = random &* 6364136223846793005 &+ 1442695040888963407
                p[i] = Float(Int(random >> 40) % 2001 - 1000) / 1000
            }
        }
        let blocked = LanczosResampler(sourceWidth: sw, sourceHeight: sh, targetWidth: tw, targetHeight: th, fit: fit)
        let rows = LanczosResampler(sourceWidth: sw, sourceHeight: sh, targetWidth: tw, targetHeight: th, fit: fit)
        rows.blockRows = 1
        var a = PlanarImage(channels: 3, width: tw, height: th), b = PlanarImage(channels: 3, width: tw, height: th)
        blocked.resample(values, into: &a)
        rows.resample(values, into: &b)
        #expect(a == b)
    }

    @Test func flatColourStaysFlat() {
        let src = Frame(width: 16, height: 16, color: RGBColor(red: 200, green: 30, blue: 90))
        let out = LanczosResampler(sourceWidth: 16, sourceHeight: 16, targetWidth: 100, targetHeight: 100).resample(src)
        #expect(out == Frame(width: 100, height: 100, color: RGBColor(red: 200, green: 30, blue: 90)))
    }

    @Test func containLetterboxesOnTheBackground() {
        let src = Frame(width: 16, height: 16, color: .white)
        let bg = RGBColor(red: 10, green: 20, blue: 30)
        let r = LanczosResampler(sourceWidth: 16, sourceHeight: 16, targetWidth: 64, targetHeight: 32, fit: .contain, background: bg)
        #expect(r.destinationRect.x == 16 && r.destinationRect.width == 32 && r.destinationRect.height == 32)
        let out = r.resample(src)
        #expect(out[0, 0] == bg)
        #expect(out[63, 31] == bg)
        #expect(out[32, 16] == .white)
    }

    @Test func coverFillsTheCanvas() {
        let src = noiseFrame(width: 16, height: 16)
        let r = LanczosResampler(sourceWidth: 16, sourceHeight: 16, targetWidth: 64, targetHeight: 32, fit: .cover)
        #expect(r.destinationRect == (0, 0, 64, 32))
    }

    @Test func reusingTheTargetGivesTheSameResult() {
        let a = noiseFrame(width: 16, height: 16, seed: 1), b = noiseFrame(width: 16, height: 16, seed: 2)
        let r = LanczosResampler(sourceWidth: 16, sourceHeight: 16, targetWidth: 48, targetHeight: 48)
        var target = Frame(width: 48, height: 48)
        r.resample(a, into: &target)
        r.resample(b, into: &target)
        #expect(target == r.resample(b))
    }
}

@Suite struct FrameTests {
    @Test func hexColours() {
        #expect(RGBColor(hex: "#ff8000") == RGBColor(red: 255, green: 128, blue: 0))
        #expect(RGBColor(hex: "00FF10") == RGBColor(red: 0, green: 255, blue: 16))
        #expect(RGBColor(hex: "black") == nil)
        #expect(RGBColor(hex: "#12345") == nil)
        #expect(RGBColor(red: 1, green: 171, blue: 255).description == "#01abff")
    }

    @Test func meanAbsoluteDifference() {
        let a = Frame(width: 2, height: 2, color: .black), b = Frame(width: 2, height: 2, color: RGBColor(red: 10, green: 10, blue: 10))
        #expect(a.meanAbsoluteDifference(to: b) == 10)
    }
}
