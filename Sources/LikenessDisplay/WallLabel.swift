import Foundation
import LikenessMedia

// MARK: - WallLabel

/// A museum-style label beside or under the portrait (`[window] label = true`): the sitter, the collection,
/// the works the sitter resembles with their thumbnails and credits, and a QR code of the first work's page.
/// Dark text on a warm white card, sized for reading at 2 m.
public struct WallLabel: Sendable, Equatable {
    public struct Work: Sendable, Equatable {
        public var thumbnail: Frame?
        /// Credit lines: "Rembrandt, Self-Portrait (1660)", "The Met, object 436105".
        public var lines: [String]
        public init(thumbnail: Frame?, lines: [String]) {
            self.thumbnail = thumbnail
            self.lines = lines
        }
    }

    /// Changes whenever the label's content does (the sitter's keyframe): thumbnails are uploaded once per id.
    public var id: Int64
    /// "Sitter No. 12".
    public var title: String
    /// "painted by Likeness from 1,042 public-domain portraits, The Met".
    public var collection: String
    /// "resembles" (above the works), empty for none.
    public var worksHeading: String
    public var works: [Work]
    /// The QR code's text (the first work's URL) and its line of explanation.
    public var qr: QRCode?
    public var qrCaption: String

    public init(id: Int64, title: String, collection: String, worksHeading: String = "resembles", works: [Work], qrText: String?,
                qrCaption: String = "scan for the first painting at The Met") {
        self.id = id
        self.title = title
        self.collection = collection
        self.worksHeading = worksHeading
        self.works = works
        self.qr = qrText.flatMap(QRCode.init)
        self.qrCaption = qrCaption
    }

    /// Where label and portrait go in a `width × height` window: beside (right) in a landscape window with room,
    /// else under. Returns the portrait's area and the label's rectangle.
    public static func layout(width: Int, height: Int) -> (portrait: (x: Int, y: Int, width: Int, height: Int), label: (x: Int, y: Int, width: Int, height: Int)) {
        if width * 10 >= height * 13 {
            let labelWidth = max(width - height, width * 3 / 10)
            return ((0, 0, width - labelWidth, height), (width - labelWidth, 0, labelWidth, height))
        }
        let labelHeight = height * 3 / 10
        return ((0, 0, width, height - labelHeight), (0, height - labelHeight, width, labelHeight))
    }

    /// Text in the font's alphabet: accents dropped, anything else it lacks kept (drawn as a box).
    public static func printable(_ text: String) -> String {
        text.folding(options: [.diacriticInsensitive], locale: nil)
    }

    /// `text` in lines of at most `columns` characters, broken at spaces (a longer word is cut).
    public static func wrap(_ text: String, columns: Int) -> [String] {
        guard columns > 0 else { return [] }
        var lines: [String] = [], line = ""
        for word in text.split(separator: " ") {
            var word = String(word)
            while word.count > columns {
                if !line.isEmpty { lines.append(line); line = "" }
                lines.append(String(word.prefix(columns)))
                word = String(word.dropFirst(columns))
            }
            if line.isEmpty { line = word } else if line.count + 1 + word.count <= columns { line += " " + word } else { lines.append(line); line = word }
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }
}
