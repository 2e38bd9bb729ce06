// MARK: - DisplayError

/// What can go wrong opening or driving a window.
public enum DisplayError: Error, CustomStringConvertible, Equatable {
    /// SDL's video subsystem could not start (no X11/Wayland/KMS display).
    case noDisplay(reason: String)
    /// A window or renderer could not be created.
    case windowFailed(reason: String)
    /// Uploading or drawing failed.
    case renderFailed(reason: String)

    public var description: String {
        switch self {
        case let .noDisplay(reason):
            return "no display available (\(reason)); run on a machine with a screen, set DISPLAY (or WAYLAND_DISPLAY, or SDL_VIDEODRIVER=kmsdrm on a console), or render without one: `likeness frames EXHIBITION --output DIR` (PNG frames) or `likeness record EXHIBITION --output FILE.mp4` (video)"
        case let .windowFailed(reason):
            return "could not open a window: \(reason); try `fullscreen = false` in the exhibition's [window] table or another SDL_VIDEODRIVER"
        case let .renderFailed(reason):
            return "drawing failed: \(reason); try SDL_RENDER_DRIVER=software"
        }
    }
}
