// MARK: - RemoteAssets

/// The remote-control page, its style and its script: Swift strings compiled into the binary (no files to ship, no CDN).
///
/// A technician opens `http://<kiosk>:8322/` on a phone: the page polls `GET /api/status` every second, shows each
/// screen's live picture from `GET /api/snapshot/<screen>.jpg?width=N` (fetched, then shown as a `blob:` URL), and sends
/// `POST /api/command`. The server answers ``asset(forPath:)`` for the paths below under the embedded pages' content
/// security policy (LikenessServer's `EmbeddedPage`: scripts, styles, pictures and requests from this server only,
/// pictures also from `blob:`); every other path is the API's.
public enum RemoteAssets {
    public enum Asset: Sendable, CaseIterable {
        case page, style, script, icon

        /// Where the browser asks for it (the page also answers for `/index.html`).
        public var path: String {
            switch self {
            case .page: "/"
            case .style: "/page.css"
            case .script: "/page.js"
            case .icon: "/icon.svg"
            }
        }

        public var contentType: String {
            switch self {
            case .page: "text/html; charset=utf-8"
            case .style: "text/css; charset=utf-8"
            case .script: "text/javascript; charset=utf-8"
            case .icon: "image/svg+xml"
            }
        }

        /// The asset a request's path (without its query) names; nil: none.
        public init?(path: String) {
            switch path {
            case "/", "/index.html": self = .page
            case "/page.css": self = .style
            case "/page.js": self = .script
            case "/icon.svg": self = .icon
            default: return nil
            }
        }

        /// The text itself.
        public var body: String {
            switch self {
            case .page: RemoteAssets.page
            case .style: RemoteAssets.style
            case .script: RemoteAssets.script
            case .icon: RemoteAssets.icon
            }
        }
    }

    /// The asset's text and type for a request's path (without its query); nil: not an asset.
    public static func asset(forPath path: String) -> (body: String, contentType: String)? {
        guard let asset = Asset(path: path) else { return nil }
        return (asset.body, asset.contentType)
    }
}
