import Foundation
import LikenessMedia

// MARK: - What the live loop drives

/// A window of the live show as the loop sees it. The kiosk wraps an SDL window; tests record what is drawn.
public protocol LiveSurface: AnyObject {
    /// Drawable size in pixels.
    var outputSize: (width: Int, height: Int) { get }
    /// The renderer's name ("opengl", "software"), for the overlay and the report.
    var rendererName: String { get }
    /// Draws `picture` into the back buffer.
    func draw(_ picture: LivePicture) throws
    /// Shows the back buffer.
    func present()
    /// The back buffer as last drawn (a screenshot).
    func readPixels() throws -> Frame
    /// Fullscreen on or off (the `f` key).
    func toggleFullscreen()
}

/// Everything one window shows in one draw.
public struct LivePicture {
    /// The frame on screen (nil: the background, before the first frame or while closed).
    public var frame: Frame?
    /// The info overlay's lines (nil: hidden).
    public var overlay: [String]?
    /// The caption at the bottom (nil: none).
    public var caption: String?
    /// What the sitter resembles, for the wall label (nil: no lineage, or not known yet).
    public var credit: SitterCredit?
    /// Only the background.
    public var blackout: Bool
    /// How much of the portrait shows, 0 … 1 (the opening-hours fade).
    public var brightness: Double
    /// The closed card's lines, showing through as the portrait fades (nil: none).
    public var card: [String]?

    public init(frame: Frame?, overlay: [String]? = nil, caption: String? = nil, credit: SitterCredit? = nil, blackout: Bool = false,
                brightness: Double = 1, card: [String]? = nil) {
        self.frame = frame
        self.overlay = overlay
        self.caption = caption
        self.credit = credit
        self.blackout = blackout
        self.brightness = brightness
        self.card = card
    }
}

/// What the display reports to the loop.
public enum LiveEvent: Sendable, Equatable {
    /// The window system asks the show to end (a window closed, SIGINT through SDL).
    case quit
    /// A key press (see ``KeyMap``), on the screen whose window had the focus (nil: unknown).
    case key(Character, screen: Int?)
    /// A window needs drawing again (exposed, resized).
    case redraw
}

/// The display as the loop sees it: its events and whether it may sleep.
public protocol LiveDisplay: AnyObject {
    /// "x11", "wayland", "kmsdrm", "dummy".
    var videoDriver: String { get }
    /// Events since the last call, in order.
    func pollEvents() -> [LiveEvent]
    /// Let the screens sleep (closed with `outside = "black"`) or keep them awake.
    func allowDisplaySleep(_ allowed: Bool)
}

/// A screen's supply of frames, in order: the ``FrameProducer`` in a show; a scripted source in tests.
public protocol LiveFrameSource: AnyObject {
    /// Producer threads, and the most frames assigned ahead of the one on screen.
    var producers: Int { get }
    var capacity: Int { get }
    /// Painted frames waiting in order, and frames assigned and not taken.
    var queuedCount: Int { get }
    var aheadCount: Int { get }
    /// The number the next frame assigned gets: a change posted now lands on it.
    var nextUnassigned: Int { get }
    /// Frames painted per second, all threads together.
    var productionRate: Double { get }
    /// The error that stopped it.
    var error: (any Error)? { get }
    /// Live changes, applied from the next frame assigned.
    var control: ProducerControl { get }
    func start()
    func stop()
    func tryTake() -> FrameQueue.Item?
    func release(_ item: FrameQueue.Item)
}

extension FrameProducer: LiveFrameSource {}

/// What a screen's frame source is made for.
public struct LiveSourceRequest: Sendable {
    public var screenIndex: Int
    public var screen: Screen
    /// The exhibition in force (a reload passes the new one).
    public var exhibition: Exhibition
    /// The window's drawable size.
    public var outputSize: (width: Int, height: Int)
    /// The first frame's number (a restart continues the count).
    public var startFrame: Int
    /// The wall clock's show time (thread-safe; producers read it).
    public var wallClock: @Sendable () -> Double
    /// Where stage times and the level are published.
    public var monitor: DetailMonitor
}

/// Makes a screen's frame source; `start()` is called by the loop.
public typealias LiveSourceFactory = (LiveSourceRequest) -> any LiveFrameSource

// MARK: - LiveCanvas

/// The frame size a producer paints for a window, per detail level.
public enum LiveCanvas {
    /// The smallest enlargement the producer paints with Lanczos; below it the window's scaling does it
    /// (a 1024 px painting on a 1080 px screen: Lanczos to 1080 cost 9 ms a frame, as much as the refiner,
    /// for a step of 5 % the window's linear filter takes without a visible difference).
    public static let minimumLanczosFactor = 1.25

    /// Where a `width x height` picture lands in `output`: centred, as large as fits, aspect kept.
    public static func fit(width: Int, height: Int, in output: (width: Int, height: Int)) -> (width: Int, height: Int) {
        guard width > 0, height > 0, output.width > 0, output.height > 0 else { return (0, 0) }
        let scale = min(Double(output.width) / Double(width), Double(output.height) / Double(height))
        return (Int((Double(width) * scale).rounded()), Int((Double(height) * scale).rounded()))
    }

    /// A `width x height` picture's frame in a window: its own size, or with Lanczos up to 4x, no larger than
    /// its area in the window (and its own size below ``minimumLanczosFactor``).
    public static func textureSize(width: Int, height: Int, window: (width: Int, height: Int), upscale: UpscaleFilter) -> (width: Int, height: Int) {
        guard upscale == .lanczos else { return (width, height) }
        let area = fit(width: width, height: height, in: window)
        let factor = min(4.0, Double(area.width) / Double(width), Double(area.height) / Double(height))
        guard factor >= minimumLanczosFactor else { return (width, height) }
        return (Int((Double(width) * factor).rounded()), Int((Double(height) * factor).rounded()))
    }

    /// The frame size of each detail level: level 0 for the generator's picture, level k for the k-th
    /// detail stage's, each by ``textureSize(width:height:window:upscale:)``.
    public static func levels(pictures: [(width: Int, height: Int)], window: (width: Int, height: Int),
                              upscale: UpscaleFilter) -> [StagePipeline.Configuration.Canvas] {
        pictures.map { p in
            let size = textureSize(width: p.width, height: p.height, window: window, upscale: upscale)
            return StagePipeline.Configuration.Canvas(width: size.width, height: size.height)
        }
    }
}

// MARK: - The show's producers

extension LiveShow {
    /// The frame sources of a real show: per screen one ``FrameProducer`` with `lanes.producers` threads,
    /// each painting whole frames through the generator and the detail stages (all of them, or with
    /// `automaticDetail` the level auto picks), at the window's level canvases.
    public static func producers(model: ModelInfo, detail: [DetailStageFile], automaticDetail: Bool, lanes: LiveLanes,
                                 makeGenerator: @escaping GeneratorFactory, makePath: @escaping PathFactory) -> LiveSourceFactory {
        return { request in
            let exhibition = request.exhibition
            let fps = Double(exhibition.window.fps)
            let pictures = [(model.imageWidth, model.imageHeight)] + detail.map { ($0.output.width, $0.output.height) }
            let canvases = LiveCanvas.levels(pictures: pictures, window: request.outputSize, upscale: exhibition.window.upscale)
            let top = canvases[canvases.count - 1]
            let automatic = automaticDetail && !detail.isEmpty
            let configuration = StagePipeline.Configuration.standard(
                width: top.width, height: top.height, fit: .contain, background: exhibition.output.background,
                detail: detail, threads: lanes.threadsEach, levelCanvases: automatic ? canvases : nil)
            let screen = request.screen, threads = lanes.threadsEach
            return FrameProducer(name: screen.name, producers: lanes.producers, capacity: lanes.depth(fps: fps), fps: fps,
                                 startFrame: request.startFrame, wallClock: request.wallClock,
                                 automaticDetail: automatic ? .init(settings: AutoDetail.Settings(budgetSeconds: 1 / fps)) : nil,
                                 monitor: request.monitor) {
                let generator = try makeGenerator(threads)
                let path = makePath(screen, exhibition.motion, generator.zDim)
                return FrameRenderer(generator: generator, path: path, configuration: configuration)
            }
        }
    }
}
