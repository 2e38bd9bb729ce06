import Foundation
import LikenessShow

/// The package root, found from this file.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The committed fixture generator (zDim 16, 32x32 pictures, random weights).
let fixtureModelURL = packageRoot.appendingPathComponent("Tests/Fixtures/models/tiny-generator.onnx")

/// A fresh temporary file path (not created).
func temporaryFile(_ name: String = "taste.sqlite") -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("likeness-taste-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder.appendingPathComponent(name)
}

/// Mean luminance of the outer ring of `[3, H, W]` planes in [-1, 1]: the "dark background" of the scripted raters.
func borderLuminance(_ planes: [Float], width: Int, height: Int) -> Double {
    var sum = 0.0, count = 0.0
    let band = max(1, width / 6)
    for y in 0..<height {
        for x in 0..<width where x < band || x >= width - band || y < band || y >= height - band {
            let i = y * width + x
            sum += 0.299 * Double(planes[i]) + 0.587 * Double(planes[width * height + i]) + 0.114 * Double(planes[2 * width * height + i])
            count += 1
        }
    }
    return sum / count
}
