import Foundation
import Testing
import LikenessMedia
import LikenessTestSupport
@testable import LikenessDisplay

/// A picture with four coloured quadrants, easy to find again on screen.
func quadrants(width: Int, height: Int) -> Frame {
    var frame = Frame(width: width, height: height)
    for y in 0..<height {
        for x in 0..<width {
            let c: RGBColor = switch (x < width / 2, y < height / 2) {
            case (true, true): RGBColor(red: 255, green: 0, blue: 0)
            case (false, true): RGBColor(red: 0, green: 255, blue: 0)
            case (true, false): RGBColor(red: 0, green: 0, blue: 255)
            case (false, false): RGBColor(red: 255, green: 255, blue: 255)
            }
            let p = (y * width + x) * 3
            frame.pixels[p] = c.red
            frame.pixels[p + 1] = c.green
            frame.pixels[p + 2] = c.blue
        }
    }
    return frame
}

func isClose(_ a: RGBColor, _ b: RGBColor, tolerance: Int = 8) -> Bool {
    abs(Int(a.red) - Int(b.red)) <= tolerance && abs(Int(a.green) - Int(b.green)) <= tolerance && abs(Int(a.blue) - Int(b.blue)) <= tolerance
}

/// Window tests share SDL's global state, so they run one after another in one suite.
@Suite(.serialized) struct DisplayTests {
    /// Opens a windowed 320x200 window, shows the quadrants picture on a grey background and checks the read-back.
    func checkWindow(driver: String?) throws {
        try withSDLLock { try checkWindowLocked(driver: driver) }
    }

    func checkWindowLocked(driver: String?) throws {
        if let driver { setenv("SDL_VIDEODRIVER", driver, 1) } else { unsetenv("SDL_VIDEODRIVER") }
        defer { unsetenv("SDL_VIDEODRIVER") }
        let session = try DisplaySession()
        let background = RGBColor(red: 40, green: 40, blue: 40)
        let window = try DisplayWindow(session: session, options: WindowOptions(
            title: "Likeness test", fullscreen: false, windowedWidth: 320, windowedHeight: 200, vsync: false, background: background))
        #expect(window.outputSize == (320, 200))
        let frame = quadrants(width: 16, height: 16)
        try window.draw(frame, overlay: ["FPS 60.0", "seed 1"])
        let shot = try window.readPixels()
        window.present()
        // Aspect-correct: a 200x200 square centred at x 60...260, background on both sides.
        #expect(isClose(shot[10, 100], background))
        #expect(isClose(shot[310, 100], background))
        #expect(isClose(shot[100, 60], RGBColor(red: 255, green: 0, blue: 0)))
        #expect(isClose(shot[220, 60], RGBColor(red: 0, green: 255, blue: 0)))
        #expect(isClose(shot[100, 170], RGBColor(red: 0, green: 0, blue: 255)))
        #expect(isClose(shot[220, 170], RGBColor(red: 255, green: 255, blue: 255)))
        // The overlay panel darkens the top-left corner and has white text pixels in it.
        var whiteInPanel = 0
        for y in 8..<30 { for x in 8..<80 where shot[x, y] == .white { whiteInPanel += 1 } }
        #expect(whiteInPanel > 10)
        if let folder = ProcessInfo.processInfo.environment["LIKENESS_SCREENSHOTS"] {
            try PNGCodec.write(shot, to: URL(fileURLWithPath: folder).appendingPathComponent("window-\(session.videoDriver).png"))
        }
        // Keys arrive as events.
        session.pushKey("i")
        session.pushKey("q")
        #expect(session.pollEvents().filter { $0 != .redraw } == [.key("i", windowID: 0), .key("q", windowID: 0)])
    }

    @Test func windowUnderTheDummyDriver() throws {
        try checkWindow(driver: "dummy")
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["DISPLAY"] != nil, "needs an X display (make test runs under xvfb-run)"))
    func realWindowUnderX11() throws {
        try checkWindow(driver: "x11")
    }

    @Test func fitRectKeepsTheAspect() {
        #expect(DisplayWindow.fitRect(width: 128, height: 128, in: (1920, 1080)) == (420, 0, 1080, 1080))
        #expect(DisplayWindow.fitRect(width: 200, height: 100, in: (100, 100)) == (0, 25, 100, 50))
    }

    @Test func fontCoversTheOverlayText() {
        for character in "0123456789 abcdefghijklmnopqrstuvwxyz.,:-–—%/()x" {
            #expect(BitmapFont.glyphs[Character(character.uppercased())] != nil || character == " ", "missing \(character)")
        }
        #expect(BitmapFont.litPixels(of: "1").count == 10)
    }
}
