import LikenessMedia

// MARK: - SitterCredit

/// What the show says about the sitter on screen: the training works it most resembles (lineage), for the
/// info overlay, the caption and the wall label. Made off the frame path (see ``SitterCreditProvider``).
public struct SitterCredit: Sendable, Equatable {
    public struct Work: Sendable, Equatable {
        /// "Rembrandt, Self-Portrait (1660)", or "The Met, object N" for a work the table does not know.
        public var credit: String
        /// "The Met, object N".
        public var objectCredit: String
        /// The work's page at The Met.
        public var url: String
        /// The work's face from the model's thumbnail atlas.
        public var thumbnail: Frame?

        public init(credit: String, objectCredit: String, url: String, thumbnail: Frame?) {
            self.credit = credit
            self.objectCredit = objectCredit
            self.url = url
            self.thumbnail = thumbnail
        }
    }

    /// The keyframe number: "Sitter No. k" counts from 1 (`sitter + 1`).
    public var sitter: Int64
    public var works: [Work]
    /// "resembles A · B · C", for the overlay and the caption.
    public var resembles: String
    /// The collection line of the label ("painted by Likeness from 1,042 public-domain portraits, The Met").
    public var collection: String

    public init(sitter: Int64, works: [Work], resembles: String, collection: String) {
        self.sitter = sitter
        self.works = works
        self.resembles = resembles
        self.collection = collection
    }
}

/// Tells the live show the credit of the sitter on show. The show asks a few times a second from its main
/// thread, never per frame: an answer not known yet is computed elsewhere (a background queue) and
/// `nil` until then.
public protocol SitterCreditProvider: AnyObject, Sendable {
    func credit(atShowTime t: Double) -> SitterCredit?
}
