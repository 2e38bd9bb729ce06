import Foundation
import LikenessServer

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

    static func response(_ asset: Asset) -> APIResponse {
        let (text, type) = content(asset)
        return EmbeddedPage.response(text: text, contentType: type)
    }
}
