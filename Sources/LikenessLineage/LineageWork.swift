import Foundation

// MARK: - LineageWork

/// One training work, with what The Met's catalogue says about it (title, artist with its attribution
/// prefix, date) where the model's `works.csv` knows it.
public struct LineageWork: Sendable, Equatable, Codable {
    public var metObjectID: Int
    public var title: String
    /// The artist as catalogued, attribution prefix kept ("Style of", "Workshop of", "Possibly by").
    public var artist: String
    public var date: String
    public var url: String

    public init(metObjectID: Int, title: String = "", artist: String = "", date: String = "", url: String? = nil) {
        self.metObjectID = metObjectID
        self.title = title
        self.artist = artist
        self.date = date
        self.url = url ?? Self.url(of: metObjectID)
    }

    /// The work's page at The Met.
    public static func url(of metObjectID: Int) -> String {
        "https://www.metmuseum.org/art/collection/search/\(metObjectID)"
    }

    /// "The Met, object N".
    public var objectCredit: String { "The Met, object \(metObjectID)" }

    /// The credit in plain text: "Rembrandt, Self-Portrait (1660)", or "The Met, object N" for an untitled work.
    public var credit: String {
        guard !title.isEmpty else { return objectCredit }
        var text = artist.isEmpty ? title : "\(artist), \(title)"
        if !date.isEmpty { text += " (\(date))" }
        return text
    }

    /// The credit in Markdown (title in italics): "Rembrandt, *Self-Portrait* (1660) · The Met, object 436105".
    public var markdownCredit: String {
        guard !title.isEmpty else { return objectCredit }
        var text = artist.isEmpty ? "*\(title)*" : "\(artist), *\(title)*"
        if !date.isEmpty { text += " (\(date))" }
        return "\(text) · \(objectCredit)"
    }

    enum CodingKeys: String, CodingKey {
        case metObjectID = "met_object_id", title, artist, date, url
    }
}

// MARK: - WorksTable

/// The model's `works.csv` (columns of ../shared/datasets/met-portraits/works.csv; `met_object_id`, `title`,
/// `artist`, `object_date` and `source_url` are read), by object id.
public struct WorksTable: Sendable {
    public private(set) var works: [Int: LineageWork] = [:]

    public init(works: [Int: LineageWork] = [:]) { self.works = works }

    /// Reads `url`; throws ``LineageError/badWorks(path:line:detail:)`` for a malformed table.
    public init(contentsOf url: URL) throws(LineageError) {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw .unreadable(path: url.path, reason: error.localizedDescription)
        }
        try self.init(csv: text, path: url.path)
    }

    public init(csv text: String, path: String = "<memory>") throws(LineageError) {
        let rows = Self.parse(text)
        guard let header = rows.first else { throw .badWorks(path: path, line: 1, detail: "empty file, expected a header row") }
        func column(_ name: String) throws(LineageError) -> Int {
            guard let i = header.firstIndex(of: name) else {
                throw .badWorks(path: path, line: 1, detail: "no column '\(name)' (columns: \(header.joined(separator: ", ")))")
            }
            return i
        }
        let id = try column("met_object_id"), title = try column("title"), artist = try column("artist")
        let date = try column("object_date"), source = try column("source_url")
        for (n, row) in rows.enumerated().dropFirst() where !(row.count == 1 && row[0].isEmpty) {
            guard row.count == header.count else {
                throw .badWorks(path: path, line: n + 1, detail: "\(row.count) fields, the header has \(header.count)")
            }
            guard let oid = Int(row[id]), oid >= 0 else {
                throw .badWorks(path: path, line: n + 1, detail: "met_object_id '\(row[id])' is not a whole number")
            }
            works[oid] = LineageWork(metObjectID: oid, title: row[title], artist: row[artist], date: row[date],
                                     url: row[source].isEmpty ? nil : row[source])
        }
    }

    /// The work `id`, with its catalogue facts when the table has them.
    public func work(_ id: Int) -> LineageWork { works[id] ?? LineageWork(metObjectID: id) }

    /// RFC 4180 fields: quoted fields may hold commas, quotes (doubled) and line breaks.
    static func parse(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = ""
        var quoted = false, afterQuote = false
        var iterator = text.unicodeScalars.makeIterator()
        while let c = iterator.next() {
            if quoted {
                if c == "\"" { quoted = false; afterQuote = true } else { field.unicodeScalars.append(c) }
                continue
            }
            switch c {
            case "\"":
                if afterQuote { field.unicodeScalars.append(c) }
                quoted = true
            case ",": row.append(field); field = ""
            case "\n": row.append(field); rows.append(row); row = []; field = ""
            case "\r": break
            default: field.unicodeScalars.append(c)
            }
            afterQuote = false
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }
}
