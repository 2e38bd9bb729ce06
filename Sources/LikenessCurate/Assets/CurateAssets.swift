import Foundation

// MARK: - CurateAssets

/// The page, its style and its script: Swift strings compiled into the binary (no files to ship, no CDN).
public enum CurateAssets {
    public enum Asset: Sendable {
        case page, style, script
    }

    /// The asset's bytes and type.
    public static func content(_ asset: Asset) -> (text: String, type: String) {
        switch asset {
        case .page: (page, "text/html; charset=utf-8")
        case .style: (style, "text/css; charset=utf-8")
        case .script: (script, "text/javascript; charset=utf-8")
        }
    }

    /// Scripts and styles from this server only; pictures from it or decoded blobs.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    static func response(_ asset: Asset) -> APIResponse {
        let (text, type) = content(asset)
        return APIResponse(status: 200, headers: ["Content-Type": type, "Cache-Control": "no-cache",
                                                  "Content-Security-Policy": contentSecurityPolicy],
                           body: Data(text.utf8))
    }
}
