import Foundation
import LikenessMedia
import LikenessPath

// MARK: - Exhibition

/// Everything an exhibition file says: which model, how the portraits move, on which screens, at what size.
///
/// Load one with `Exhibition.load(contentsOf:)` or `Exhibition.parse(_:file:)`; both validate every key
/// (see `ExhibitionSchema` for the keys, their defaults and allowed values).
public struct Exhibition: Sendable, Equatable {
    /// Shown as the window title and in the overlay.
    public var title: String
    /// The file this exhibition was read from (nil when parsed from a string without one).
    public var source: URL?
    public var model: ModelSettings
    public var motion: MotionSettings
    public var output: OutputSettings
    public var window: WindowSettings
    public var record: RecordSettings
    /// `[show]`: the show's timeline on the wall clock.
    public var show: ShowSettings = ShowSettings()
    /// `[schedule]`: opening hours (always open without one).
    public var schedule: Schedule = .alwaysOpen
    /// `[taste]`: a taste file that steers which faces the show picks (off without a file).
    public var taste: TasteSettings = TasteSettings()
    /// `[remote]`: the HTTP API, the phone page, metrics and OSC of a live show.
    public var remote: RemoteSettings = RemoteSettings()
    /// One entry per screen; at least one.
    public var screens: [Screen]

    public init(title: String = "Likeness", source: URL? = nil, model: ModelSettings = .init(), motion: MotionSettings = .init(),
                output: OutputSettings = .init(), window: WindowSettings = .init(), record: RecordSettings = .init(),
                screens: [Screen] = [Screen()]) {
        self.title = title
        self.source = source
        self.model = model
        self.motion = motion
        self.output = output
        self.window = window
        self.record = record
        self.screens = screens
    }
}

// MARK: - Settings tables

/// `[remote]`: how a running show is watched and steered from elsewhere.
public struct RemoteSettings: Sendable, Equatable {
    /// The HTTP API and the control page: `"host:port"`, or nil (`"off"`). Any address but loopback needs
    /// the token the show prints at start.
    public var listen: String? = "127.0.0.1:8322"
    /// OSC in: `"host:port"` (e.g. `"0.0.0.0:7000"`), nil: off.
    public var oscListen: String?
    /// OSC out (events): `"host:port"`, nil: off.
    public var oscSend: String?
    /// Addresses allowed to send OSC: IPv4 addresses or CIDR blocks (`"10.0.0.0/8"`, `"0.0.0.0/0"` for anyone).
    public var oscAllow: [String] = ["127.0.0.1"]

    public init(listen: String? = "127.0.0.1:8322", oscListen: String? = nil, oscSend: String? = nil, oscAllow: [String] = ["127.0.0.1"]) {
        self.listen = listen
        self.oscListen = oscListen
        self.oscSend = oscSend
        self.oscAllow = oscAllow
    }
}

/// `[show]`: where the never-ending timeline starts.
public struct ShowSettings: Sendable, Equatable {
    /// The default epoch, 2025-01-01T00:00:00Z.
    public static let defaultEpoch = Date(timeIntervalSince1970: 1_735_689_600)
    /// Show time 0 (`epoch`, RFC 3339): a live show shows `now − epoch`, so a restart continues the
    /// one timeline and two boxes with the same exhibition and synchronised clocks agree.
    public var epoch: Date = ShowSettings.defaultEpoch
    public init(epoch: Date = ShowSettings.defaultEpoch) {
        self.epoch = epoch
    }

    /// The wall clock of this show.
    public var clock: ShowClock { ShowClock(epoch: epoch) }
}

/// `[model]`: the generator and the detail stages after it.
public struct ModelSettings: Sendable, Equatable {
    /// Path to the `.onnx` file: absolute, or relative to the working directory or the exhibition file's folder (or its parent).
    public var path: String = "Models/met-portraits-128/model.onnx"
    /// Inference threads per generator; 0 = automatic (the cores left after the window).
    public var threads: Int = 0
    /// The detail stages after the generator (`detail`); by default `"auto"`.
    public var detail: DetailChoice = .auto
    public init(path: String = "Models/met-portraits-128/model.onnx", threads: Int = 0, detail: DetailChoice = .auto) {
        self.path = path
        self.threads = threads
        self.detail = detail
    }
}

/// `[model] detail`: which detail stages (image → larger image) follow the generator.
///
/// A detail level is a prefix of the chain: level 0 is the generator alone, level k the generator and
/// the first k stages. `frames` and `record` always run the whole chain, so their frames are the same on
/// every machine; only `show` picks a level, and only with `.auto`.
public enum DetailChoice: Sendable, Equatable {
    /// `"auto"` (the default): the shipped stages found beside the generator's folder
    /// (``DetailChoice/automaticStageFolders``, in order, as far as each reads what the one before paints;
    /// none for a generator without them). `show` runs the longest prefix this machine sustains and
    /// steps down (and back up) while it runs; `frames` and `record` run them all.
    case auto
    /// Exactly these stages (`.onnx` paths found like `path`), in order, for every frame of every command;
    /// `[]`: the generator alone, then Lanczos to the output size.
    case stages([String])

    /// The folders, beside the generator's own folder, that `"auto"` looks in for `model.onnx`, in chain order.
    public static let automaticStageFolders = ["met-refiner-256", "met-painter-1024"]

    /// The listed paths (none for `.auto`, whose stages are found when the model loads).
    public var listedPaths: [String] {
        if case let .stages(paths) = self { return paths }
        return []
    }
}

/// `[motion]`: one of LikenessPath's choreographies (`MotionStyle`, parsed straight from the file), tempo and truncation.
public struct MotionSettings: Sendable, Equatable {
    public var style: MotionStyle = .sitters(hold: 6, morph: 4)
    /// Tempo multiplier: 2 = twice as fast.
    public var speed: Double = 1
    /// Latent truncation (0 < t ≤ 2): lower is calmer and more typical, higher is more varied.
    public var truncation: Double = 0.8
    public init(style: MotionStyle = .sitters(hold: 6, morph: 4), speed: Double = 1, truncation: Double = 0.8) {
        self.style = style
        self.speed = speed
        self.truncation = truncation
    }
}

/// `[output]`: frames and video.
public struct OutputSettings: Sendable, Equatable {
    public var width: Int = 1080
    public var height: Int = 1080
    /// Frames per second of video and of the frame clock for `frames`.
    public var fps: Int = 30
    /// How the square portrait meets another aspect ratio.
    public var fit: Fit = .contain
    /// Colour around the picture (contain) and behind the window.
    public var background: RGBColor = .black
    /// x264 CRF (0 best … 51 worst).
    public var quality: Int = 18
    /// Fragmented MP4 (survives a hard kill of ffmpeg; some old players dislike it).
    public var fragmented: Bool = false
    /// How `frames` compresses its PNGs: `fast` (the default) or `small`.
    public var pngCompression: PNGCompression = .fast
    /// How `frames` and `record` use `[model] threads`: whole frames per thread (the default) or every layer split.
    public var threading: HeadlessThreading = .frames
    /// x264's speed/size preset for `record`.
    public var preset: X264Preset = .superfast
    public init() {}
}

/// x264's presets, fastest first: each slower one makes smaller files at the same CRF for more CPU a frame.
///
/// `superfast` by default: with the detail chain on the same two cores it is the fastest preset that keeps
/// `record` at real time (30.7–30.9 fps at 1080x1080 against `veryfast`'s 25.7–27.0, measured side by side),
/// for files about 1.4 times `veryfast`'s at the same CRF.
public enum X264Preset: String, Sendable, CaseIterable {
    case ultrafast, superfast, veryfast, faster, fast, medium, slow, slower, veryslow
}

/// How the headless outputs (`frames`, `record`) spread their threads over the work.
///
/// `frames`: each thread paints whole frames of its own (frame `k` on thread `k mod n`, one model copy each, one
/// thread per model): no thread waits for another inside a frame, and the single-threaded steps (Lanczos, RGB8)
/// run side by side too. `layers`: all threads split every layer of one frame at a time (what the live show
/// does, where a frame must be ready soon after it is asked for). Frames are the same either way.
public enum HeadlessThreading: String, Sendable, CaseIterable {
    case frames
    case layers
}

/// `[window]`: the kiosk window.
public struct WindowSettings: Sendable, Equatable {
    public var fullscreen: Bool = true
    public var vsync: Bool = true
    public var hideCursor: Bool = true
    public var windowedWidth: Int = 960
    public var windowedHeight: Int = 960
    /// Target display frame rate; when generation is slower, motion slows instead of stuttering.
    public var fps: Int = 60
    /// CPU upscaling filter before the GPU's linear scale: Lanczos-3 to up to 4x the model size, or none.
    public var upscale: UpscaleFilter = .lanczos
    /// Start with the info overlay visible (toggle with `i`).
    public var overlay: Bool = false
    /// Show the model's credit line at the bottom (and, for a model with lineage, the works the sitter resembles).
    public var caption: Bool = false
    /// Draw a museum-style wall label beside or under the portrait: the sitter, the collection, the three works
    /// it resembles with thumbnails and credits, a QR code of the first (a model without lineage: the credit alone).
    public var label: Bool = false
    /// Kiosk mode: Esc, q and the close button do not quit (stop it with SIGTERM / systemctl).
    public var kiosk: Bool = false
    /// Folder for `s` snapshots.
    public var snapshotFolder: String = "snapshots"
    public init() {}
}

/// CPU prescaling before the window's linear filter.
public enum UpscaleFilter: String, Sendable, CaseIterable {
    case lanczos
    case linear
}

/// `[record]`: defaults for `likeness record`.
public struct RecordSettings: Sendable, Equatable {
    /// Length of the video in seconds.
    public var seconds: Double = 60
    /// Record an exact loop (the frame after the last is the first).
    public var loop: Bool = false
    public init(seconds: Double = 60, loop: Bool = false) {
        self.seconds = seconds
        self.loop = loop
    }
}

/// `[taste]`: which ratings steer the show's keyframes, and how strongly.
public struct TasteSettings: Sendable, Equatable {
    /// The ratings database `likeness curate` writes (relative: to the working directory, then the
    /// exhibition's folder and its parent); nil = no taste, the plain seeded keyframes.
    public var file: String?
    /// 0 = off; otherwise a keyframe is the first of its seeded candidates the taste model likes with at
    /// least this probability, or the best of them; 1 = always the one the model is surest of.
    public var strength: Double = 0.8
    /// Share of keyframes that are favourites returning (0 = none).
    public var favourites: Double = 0.1
    public init(file: String? = nil, strength: Double = 0.8, favourites: Double = 0.1) {
        self.file = file
        self.strength = strength
        self.favourites = favourites
    }
}

/// `[[screens]]`: one independent stream.
public struct Screen: Sendable, Equatable {
    /// A label for logs and snapshots.
    public var name: String
    /// Monitor index (0 = primary).
    public var display: Int
    /// Seed of this screen's path: the same seed always paints the same people.
    public var seed: UInt64
    /// This screen's own taste file (`taste`; "none": no taste on this screen), over the exhibition's `[taste] file`;
    /// nil: the exhibition's. A diptych can steer each screen toward its own kind of sitter.
    public var tasteFile: String?
    /// This screen's own strength (`taste_strength`), over `[taste] strength`; nil: the exhibition's.
    public var tasteStrength: Double?
    public init(name: String = "main", display: Int = 0, seed: UInt64 = 1, tasteFile: String? = nil, tasteStrength: Double? = nil) {
        self.name = name
        self.display = display
        self.seed = seed
        self.tasteFile = tasteFile
        self.tasteStrength = tasteStrength
    }
}
