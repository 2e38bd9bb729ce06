import CSDL2
import LikenessMedia

// MARK: - WindowOptions

/// How a show window looks and behaves.
public struct WindowOptions: Sendable, Equatable {
    /// Window title (also what a window manager shows).
    public var title: String
    /// Display (monitor) index, 0 = primary.
    public var display: Int
    /// Desktop-fullscreen on `display` (no video mode change) or a window of `windowedSize`.
    public var fullscreen: Bool
    /// Size of the window when not fullscreen.
    public var windowedWidth: Int, windowedHeight: Int
    /// Wait for the display's vertical blank when presenting (no tearing).
    public var vsync: Bool
    /// Colour around the picture.
    public var background: RGBColor
    /// Hide the mouse pointer over the window.
    public var hideCursor: Bool
    /// Top-left corner of the window when windowed, in desktop coordinates; nil = centred on `display`.
    public var position: (x: Int, y: Int)?

    public static func == (a: WindowOptions, b: WindowOptions) -> Bool {
        a.title == b.title && a.display == b.display && a.fullscreen == b.fullscreen && a.windowedWidth == b.windowedWidth
            && a.windowedHeight == b.windowedHeight && a.vsync == b.vsync && a.background == b.background
            && a.hideCursor == b.hideCursor && a.position?.x == b.position?.x && a.position?.y == b.position?.y
    }

    public init(title: String = "Likeness", display: Int = 0, fullscreen: Bool = true,
                windowedWidth: Int = 960, windowedHeight: Int = 960, vsync: Bool = true,
                background: RGBColor = .black, hideCursor: Bool = true, position: (x: Int, y: Int)? = nil) {
        self.position = position
        self.title = title
        self.display = display
        self.fullscreen = fullscreen
        self.windowedWidth = windowedWidth
        self.windowedHeight = windowedHeight
        self.vsync = vsync
        self.background = background
        self.hideCursor = hideCursor
    }
}

// MARK: - DisplayWindow

/// One SDL window with an accelerated (or software) renderer that shows frames aspect-correct.
///
/// Frames are uploaded to a streaming RGB24 texture and drawn centred, scaled to fit with linear filtering,
/// on the background colour. An optional overlay of text lines is drawn with `BitmapFont` on a dark panel.
/// Main thread only.
public final class DisplayWindow {
    /// The options it was opened with (`display` may have been changed to one that exists).
    public private(set) var options: WindowOptions
    /// SDL's id of the window (matches `DisplayEvent.toggleFullscreen(windowID:)`).
    public let windowID: UInt32
    /// Whether the window is currently fullscreen.
    public private(set) var isFullscreen: Bool
    /// The renderer SDL chose (`opengl`, `software`, …).
    public let rendererName: String

    private let window: OpaquePointer
    let renderer: OpaquePointer
    private var texture: OpaquePointer?
    /// The wall label's thumbnail textures, made once per label (``WallLabel/id``).
    var labelTextures: (id: Int64, textures: [OpaquePointer?])?
    private var textureSize = (width: 0, height: 0)

    /// Opens the window. A display index that does not exist falls back to display 0, windowed.
    public init(session: DisplaySession, options: WindowOptions) throws(DisplayError) {
        var options = options
        if session.bounds(ofDisplay: options.display) == nil {
            options.display = 0
            options.fullscreen = false
        }
        // A window never larger than its display (less a margin for the desktop's panels).
        let displayBounds = session.bounds(ofDisplay: options.display)
        if let bounds = displayBounds {
            options.windowedWidth = min(options.windowedWidth, max(64, bounds.width - 80))
            options.windowedHeight = min(options.windowedHeight, max(64, bounds.height - 80))
        }
        self.options = options
        let centred = Int32(bitPattern: 0x2FFF_0000 | UInt32(options.display))   // SDL_WINDOWPOS_CENTERED_DISPLAY
        var x = options.fullscreen ? centred : options.position.map { Int32($0.x) } ?? centred
        var y = options.fullscreen ? centred : options.position.map { Int32($0.y) } ?? centred
        var width = Int32(options.windowedWidth), height = Int32(options.windowedHeight)
        if options.fullscreen, let bounds = displayBounds {
            // Create the window already covering the display: a bare X server without a window manager
            // (a minimal kiosk) does not resize a window for desktop-fullscreen by itself.
            (x, y) = (Int32(bounds.x), Int32(bounds.y))
            (width, height) = (Int32(bounds.width), Int32(bounds.height))
        }
        var flags = SDL_WINDOW_SHOWN.rawValue | SDL_WINDOW_RESIZABLE.rawValue | SDL_WINDOW_ALLOW_HIGHDPI.rawValue
        if options.fullscreen { flags |= SDL_WINDOW_FULLSCREEN_DESKTOP.rawValue }
        guard let window = SDL_CreateWindow(options.title, x, y, width, height, flags) else {
            throw .windowFailed(reason: DisplaySession.lastError())
        }
        var rendererFlags = SDL_RENDERER_ACCELERATED.rawValue
        if options.vsync { rendererFlags |= SDL_RENDERER_PRESENTVSYNC.rawValue }
        var renderer = SDL_CreateRenderer(window, -1, rendererFlags)
        if renderer == nil {
            // No GPU (VMs, Xvfb): the software renderer still scales with a linear filter.
            renderer = SDL_CreateRenderer(window, -1, SDL_RENDERER_SOFTWARE.rawValue)
        }
        guard let renderer else {
            SDL_DestroyWindow(window)
            throw .windowFailed(reason: DisplaySession.lastError())
        }
        var info = SDL_RendererInfo()
        if SDL_GetRendererInfo(renderer, &info) == 0, let name = info.name {
            rendererName = String(cString: name)
        } else {
            rendererName = "unknown"
        }
        self.window = window
        self.renderer = renderer
        self.windowID = SDL_GetWindowID(window)
        self.isFullscreen = options.fullscreen
        SDL_ShowCursor(options.hideCursor ? SDL_DISABLE : SDL_ENABLE)
        clear()
        SDL_RenderPresent(renderer)
    }

    deinit {
        if let texture { SDL_DestroyTexture(texture) }
        for t in labelTextures?.textures ?? [] { if let t { SDL_DestroyTexture(t) } }
        SDL_DestroyRenderer(renderer)
        SDL_DestroyWindow(window)
    }

    /// Size of the drawable area in pixels.
    public var outputSize: (width: Int, height: Int) {
        var w: Int32 = 0, h: Int32 = 0
        SDL_GetRendererOutputSize(renderer, &w, &h)
        return (Int(w), Int(h))
    }

    /// Switches between desktop-fullscreen and windowed.
    public func setFullscreen(_ on: Bool) {
        SDL_SetWindowFullscreen(window, on ? SDL_WINDOW_FULLSCREEN_DESKTOP.rawValue : 0)
        isFullscreen = on
        SDL_ShowCursor(options.hideCursor ? SDL_DISABLE : SDL_ENABLE)
    }

    /// Where a `width x height` picture lands: centred, as large as fits, aspect kept.
    public static func fitRect(width: Int, height: Int, in output: (width: Int, height: Int)) -> (x: Int, y: Int, width: Int, height: Int) {
        guard width > 0, height > 0, output.width > 0, output.height > 0 else { return (0, 0, 0, 0) }
        let scale = min(Double(output.width) / Double(width), Double(output.height) / Double(height))
        let w = Int((Double(width) * scale).rounded()), h = Int((Double(height) * scale).rounded())
        return ((output.width - w) / 2, (output.height - h) / 2, w, h)
    }

    /// Draws `frame` (and `overlay` lines and a `caption`, if any) into the back buffer; call `present()` to show it.
    public func draw(_ frame: Frame, overlay: [String]? = nil, caption: String? = nil) throws(DisplayError) {
        let size = outputSize
        try drawPortrait(frame, in: (0, 0, size.width, size.height))
        if let caption, !caption.isEmpty {
            drawCaption(caption)
        }
        if let overlay, !overlay.isEmpty {
            drawOverlay(overlay)
        }
    }

    /// Clears to the background and draws `frame` centred in `area`, as large as fits, aspect kept.
    func drawPortrait(_ frame: Frame, in area: (x: Int, y: Int, width: Int, height: Int)) throws(DisplayError) {
        try upload(frame)
        clear()
        let rect = Self.fitRect(width: frame.width, height: frame.height, in: (area.width, area.height))
        var destination = SDL_Rect(x: Int32(area.x + rect.x), y: Int32(area.y + rect.y), w: Int32(rect.width), h: Int32(rect.height))
        if SDL_RenderCopy(renderer, texture, nil, &destination) != 0 {
            throw .renderFailed(reason: DisplaySession.lastError())
        }
    }

    /// Clears to the background colour only (while the first frame is being painted).
    public func drawBackground() {
        clear()
    }

    /// Covers what was drawn with the background colour at opacity `amount` (0 … 1): a fade.
    public func dim(_ amount: Double) {
        let alpha = UInt8(max(0, min(1, amount)) * 255)
        guard alpha > 0 else { return }
        let bg = options.background
        SDL_SetRenderDrawBlendMode(renderer, SDL_BLENDMODE_BLEND)
        SDL_SetRenderDrawColor(renderer, bg.red, bg.green, bg.blue, alpha)
        SDL_RenderFillRect(renderer, nil)
        SDL_SetRenderDrawBlendMode(renderer, SDL_BLENDMODE_NONE)
    }

    /// Lines of text centred in the window, white at opacity `alpha` (a card shown while the gallery is closed).
    public func drawCard(_ lines: [String], alpha: Double) {
        let a = UInt8(max(0, min(1, alpha)) * 255)
        guard a > 0, !lines.isEmpty else { return }
        let size = outputSize
        let cell = BitmapFont.cellWidth
        // The title large, the other lines (credit, next opening) smaller, each fitting the width.
        let titleScale = max(1, min(size.width * 3 / 5 / max(1, lines[0].count * cell), size.height / 90))
        let rest = lines.dropFirst().map(\.count).max() ?? 1
        let textScale = max(1, min(size.width * 9 / 10 / max(1, rest * cell), titleScale / 2, size.height / 200))
        let heights = lines.indices.map { BitmapFont.cellHeight * ($0 == 0 ? titleScale : textScale) * 2 }
        var y = (size.height - heights.reduce(0, +)) / 2
        SDL_SetRenderDrawBlendMode(renderer, SDL_BLENDMODE_BLEND)
        SDL_SetRenderDrawColor(renderer, 255, 255, 255, a)
        for (i, line) in lines.enumerated() {
            let lineScale = i == 0 ? titleScale : textScale
            let x = (size.width - line.count * cell * lineScale) / 2
            let rects = BitmapFont.litPixels(of: line).map {
                SDL_Rect(x: Int32(x + $0.x * lineScale), y: Int32(y + $0.y * lineScale), w: Int32(lineScale), h: Int32(lineScale))
            }
            rects.withUnsafeBufferPointer { buffer in _ = SDL_RenderFillRects(renderer, buffer.baseAddress, Int32(buffer.count)) }
            y += heights[i]
        }
        SDL_SetRenderDrawBlendMode(renderer, SDL_BLENDMODE_NONE)
    }

    /// Shows the back buffer (waits for vsync when enabled).
    public func present() {
        SDL_RenderPresent(renderer)
    }

    /// Draws and presents in one go.
    public func show(_ frame: Frame, overlay: [String]? = nil, caption: String? = nil) throws(DisplayError) {
        try draw(frame, overlay: overlay, caption: caption)
        present()
    }

    /// Reads the back buffer as RGB8 (call after `draw` and before `present`). For screenshots and tests.
    public func readPixels() throws(DisplayError) -> Frame {
        let size = outputSize
        guard size.width > 0, size.height > 0 else { throw .renderFailed(reason: "window has no drawable area") }
        var pixels = [UInt8](repeating: 0, count: size.width * size.height * 3)
        let status = pixels.withUnsafeMutableBytes { raw in
            SDL_RenderReadPixels(renderer, nil, SDL_PIXELFORMAT_RGB24.rawValue, raw.baseAddress, Int32(size.width * 3))
        }
        if status != 0 { throw .renderFailed(reason: DisplaySession.lastError()) }
        return Frame(width: size.width, height: size.height, pixels: pixels)
    }

    // MARK: Private

    private func clear() {
        let bg = options.background
        SDL_SetRenderDrawColor(renderer, bg.red, bg.green, bg.blue, 255)
        SDL_RenderClear(renderer)
    }

    private func upload(_ frame: Frame) throws(DisplayError) {
        if texture == nil || textureSize != (frame.width, frame.height) {
            if let texture { SDL_DestroyTexture(texture) }
            texture = SDL_CreateTexture(renderer, SDL_PIXELFORMAT_RGB24.rawValue, Int32(SDL_TEXTUREACCESS_STREAMING.rawValue),
                                        Int32(frame.width), Int32(frame.height))
            guard let texture else { throw .renderFailed(reason: DisplaySession.lastError()) }
            SDL_SetTextureScaleMode(texture, SDL_ScaleModeLinear)
            textureSize = (frame.width, frame.height)
        }
        let status = frame.pixels.withUnsafeBytes { raw in
            SDL_UpdateTexture(texture, nil, raw.baseAddress, Int32(frame.rowStride))
        }
        if status != 0 { throw .renderFailed(reason: DisplaySession.lastError()) }
    }

    /// Small text centred at the bottom (the model's credit; a line break starts a second line).
    func drawCaption(_ text: String) {
        let size = outputSize
        let scale = max(1, min(size.width, size.height) / 540)
        let margin = 6 * scale
        let lines = text.split(separator: "\n").map(String.init)
        let width = (lines.map(\.count).max() ?? 0) * BitmapFont.cellWidth * scale + 2 * margin
        let x = max(0, (size.width - width) / 2)
        let y = size.height - lines.count * BitmapFont.cellHeight * scale - 3 * margin
        drawText(lines, x: x, y: y, scale: scale, margin: margin, panelAlpha: 120)
    }

    /// Text lines, top-left, white on a translucent dark panel, scaled with the window.
    func drawOverlay(_ lines: [String]) {
        let size = outputSize
        let scale = max(1, min(size.width, size.height) / 360)
        let margin = 6 * scale
        drawText(lines, x: margin, y: margin, scale: scale, margin: margin, panelAlpha: 170)
    }

    private func drawText(_ lines: [String], x: Int, y: Int, scale: Int, margin: Int, panelAlpha: UInt8) {
        let longest = lines.map(\.count).max() ?? 0
        var panel = SDL_Rect(x: Int32(x), y: Int32(y),
                             w: Int32(longest * BitmapFont.cellWidth * scale + 2 * margin),
                             h: Int32(lines.count * BitmapFont.cellHeight * scale + 2 * margin))
        SDL_SetRenderDrawBlendMode(renderer, SDL_BLENDMODE_BLEND)
        SDL_SetRenderDrawColor(renderer, 0, 0, 0, panelAlpha)
        SDL_RenderFillRect(renderer, &panel)
        SDL_SetRenderDrawColor(renderer, 255, 255, 255, 255)
        var rects: [SDL_Rect] = []
        for (row, line) in lines.enumerated() {
            let originX = x + margin, originY = y + margin + row * BitmapFont.cellHeight * scale
            for pixel in BitmapFont.litPixels(of: line) {
                rects.append(SDL_Rect(x: Int32(originX + pixel.x * scale), y: Int32(originY + pixel.y * scale),
                                      w: Int32(scale), h: Int32(scale)))
            }
        }
        rects.withUnsafeBufferPointer { buffer in
            _ = SDL_RenderFillRects(renderer, buffer.baseAddress, Int32(buffer.count))
        }
        SDL_SetRenderDrawBlendMode(renderer, SDL_BLENDMODE_NONE)
    }
}
