import CSDL2

// MARK: - DisplayEvent

/// What a person did at the window(s).
public enum DisplayEvent: Equatable, Sendable {
    /// The close button (unless quit keys are disabled), or the system asked to quit.
    case quit
    /// A key (ASCII; Esc is "\u{1b}") pressed on a window; what it does is the show's key map.
    case key(Character, windowID: UInt32)
    /// The window system needs the windows redrawn (exposed, resized, restored).
    case redraw
}

// MARK: - DisplaySession

/// The SDL video subsystem, started once per process on the main thread.
///
/// Owns `SDL_Init(SDL_INIT_VIDEO)` / `SDL_Quit` and the event queue shared by all windows.
/// Not thread-safe: create it, its windows and poll events on the main thread only.
public final class DisplaySession {
    /// Whether closing a window quits (false in kiosk mode; the keys are the show's).
    public var quitKeysEnabled: Bool

    /// The SDL video driver in use (`x11`, `wayland`, `kmsdrm`, `dummy`, …).
    public let videoDriver: String

    /// SDL's drivers that draw into memory, not onto a screen.
    public static let invisibleDrivers: Set<String> = ["offscreen", "dummy"]

    /// Starts SDL video. Throws `DisplayError.noDisplay` when no display can be opened, and, with
    /// `requireScreen`, when SDL fell back to a driver that shows nothing (``invisibleDrivers``:
    /// no `DISPLAY`/`WAYLAND_DISPLAY`, over SSH, before the desktop is up). The command line asks for a
    /// screen unless `SDL_VIDEODRIVER` was set on purpose.
    public init(quitKeysEnabled: Bool = true, requireScreen: Bool = false) throws(DisplayError) {
        self.quitKeysEnabled = quitKeysEnabled
        SDL_SetHint("SDL_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR", "0")
        SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "linear")
        if SDL_InitSubSystem(UInt32(SDL_INIT_VIDEO)) != 0 {
            throw .noDisplay(reason: Self.lastError())
        }
        if let name = SDL_GetCurrentVideoDriver() {
            videoDriver = String(cString: name)
        } else {
            videoDriver = "unknown"
        }
        if requireScreen && Self.invisibleDrivers.contains(videoDriver) {
            SDL_QuitSubSystem(UInt32(SDL_INIT_VIDEO))
            throw .noDisplay(reason: "SDL found no screen and would only draw into an invisible '\(videoDriver)' window")
        }
    }

    deinit {
        SDL_QuitSubSystem(UInt32(SDL_INIT_VIDEO))
        SDL_Quit()
    }

    /// Lets the display's power saving blank the screen (true: the gallery is closed) or keeps it awake (false,
    /// SDL's default while a window is open).
    public func allowDisplaySleep(_ allowed: Bool) {
        if allowed { SDL_EnableScreenSaver() } else { SDL_DisableScreenSaver() }
    }

    /// Number of connected displays (monitors).
    public var displayCount: Int { Int(max(0, SDL_GetNumVideoDisplays())) }

    /// Position and size of display `index` in desktop coordinates, if it exists.
    public func bounds(ofDisplay index: Int) -> (x: Int, y: Int, width: Int, height: Int)? {
        var rect = SDL_Rect()
        guard index >= 0, index < displayCount, SDL_GetDisplayBounds(Int32(index), &rect) == 0 else { return nil }
        return (Int(rect.x), Int(rect.y), Int(rect.w), Int(rect.h))
    }

    /// Refresh rate of display `index` in Hz (60 when SDL does not know).
    public func refreshRate(ofDisplay index: Int) -> Int {
        var mode = SDL_DisplayMode()
        guard index >= 0, index < displayCount, SDL_GetDesktopDisplayMode(Int32(index), &mode) == 0, mode.refresh_rate > 0 else { return 60 }
        return Int(mode.refresh_rate)
    }

    /// Drains SDL's event queue and returns what matters to a show, in order.
    public func pollEvents() -> [DisplayEvent] {
        var result: [DisplayEvent] = []
        var event = SDL_Event()
        while SDL_PollEvent(&event) != 0 {
            switch event.type {
            case SDL_QUIT.rawValue:
                result.append(.quit)
            case SDL_WINDOWEVENT.rawValue:
                switch UInt32(event.window.event) {
                case SDL_WINDOWEVENT_CLOSE.rawValue:
                    if quitKeysEnabled { result.append(.quit) }
                case SDL_WINDOWEVENT_EXPOSED.rawValue, SDL_WINDOWEVENT_SIZE_CHANGED.rawValue, SDL_WINDOWEVENT_RESTORED.rawValue,
                     SDL_WINDOWEVENT_SHOWN.rawValue:
                    result.append(.redraw)
                default:
                    break
                }
            case SDL_KEYDOWN.rawValue:
                if event.key.repeat != 0 { continue }
                // What each key does is the show's key map (LikenessShow.KeyMap); here only which key it was.
                let code = Int(event.key.keysym.sym)
                if code > 0, code < 128, let scalar = Unicode.Scalar(code) {
                    result.append(.key(Character(scalar), windowID: event.key.windowID))
                }
            default:
                break
            }
        }
        return result
    }

    /// Puts a synthetic key press on SDL's queue (for tests and remote control).
    public func pushKey(_ key: Character) {
        var event = SDL_Event()
        event.type = SDL_KEYDOWN.rawValue
        event.key.keysym.sym = Int32(key.asciiValue ?? 0)
        event.key.state = UInt8(SDL_PRESSED)
        SDL_PushEvent(&event)
    }

    /// SDL's last error message.
    static func lastError() -> String {
        guard let message = SDL_GetError() else { return "unknown SDL error" }
        let text = String(cString: message)
        return text.isEmpty ? "unknown SDL error" : text
    }
}
