import LikenessDisplay
import LikenessShow

// MARK: - The wall label in the live show

/// One window's wall label (`[window] label = true`), made again only when the sitter's credit changes (the
/// loop asks the credit provider a few times a second, never per frame). Without a credit (a model without
/// lineage, or not known yet) the label names the show and the collection, with no works.
struct SitterCreditState {
    private(set) var credit: SitterCredit?
    private(set) var label: WallLabel?
    private let labelOn: Bool
    private let title: String

    init(label: Bool, title: String, collection: String) {
        labelOn = label
        self.title = title
        self.label = label ? WallLabel(id: -1, title: title, collection: collection, worksHeading: "", works: [], qrText: nil) : nil
    }

    /// Takes the credit of the sitter on screen; true when the label changed.
    @discardableResult
    mutating func update(_ next: SitterCredit?) -> Bool {
        guard let next, next != credit else { return false }
        credit = next
        if labelOn { label = Self.label(for: next) }
        return true
    }

    /// The label of a sitter: "Sitter No. k", the collection, its works with thumbnails, a QR code of the first.
    static func label(for credit: SitterCredit) -> WallLabel {
        WallLabel(id: credit.sitter, title: "Sitter No. \(credit.sitter + 1)", collection: credit.collection,
                  works: credit.works.map { .init(thumbnail: $0.thumbnail, lines: [$0.credit] + ($0.credit == $0.objectCredit ? [] : [$0.objectCredit])) },
                  qrText: credit.works.first?.url)
    }
}
