import Foundation
import GRDB

// MARK: - Ratings

/// What the artist said about one portrait.
public enum RatingKind: String, Sendable, CaseIterable, Codable {
    case like, dislike, favourite, skip

    /// Whether the taste model learns from it, and as what: like and favourite are liked, dislike is not,
    /// skip says nothing.
    public var liked: Bool? {
        switch self {
        case .like, .favourite: true
        case .dislike: false
        case .skip: nil
        }
    }
}

/// One row of a taste file.
public struct Rating: Sendable, Equatable {
    /// The row id (increasing in the order the ratings were made).
    public var id: Int64
    /// ``ModelIdentity`` of the model the portrait was painted with.
    public var modelID: String
    /// The latent itself, standard-normal scale (before truncation).
    public var latent: [Float]
    /// The truncation the portrait was shown with (the model saw `truncation · latent`).
    public var truncation: Double
    public var kind: RatingKind
    public var ratedAt: Date
    /// Set by undo: the row is kept, but no longer counts.
    public var undoneAt: Date?
}

// MARK: - TasteStore

/// A taste file: the artist's ratings in SQLite (WAL), each committed before `add` returns.
///
/// One table, `rating` (`id, model_id, z_dim, latent` as little-endian float32, `truncation, rating,
/// rated_at, undone_at`), and `setting` (key/value: the curator's name). Rows of every model are kept;
/// readers ask for one model's. Undo marks a row instead of deleting it, so nothing the artist did is
/// lost. `synchronous = FULL` makes each commit survive a power cut as well as a crash.
public final class TasteStore: Sendable {
    public let url: URL
    let pool: DatabasePool

    /// Opens (or creates) the taste file at `url`; with `mustExist`, a missing file is an error.
    public init(url: URL, mustExist: Bool = false) throws(TasteError) {
        self.url = url
        if mustExist && !FileManager.default.fileExists(atPath: url.path) { throw .fileNotFound(path: url.path) }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            pool = try DatabasePool(path: url.path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch {
            throw .database(path: url.path, message: Self.describe(error))
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("ratings v1") { db in
            try db.execute(sql: """
                CREATE TABLE rating (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    model_id TEXT NOT NULL,
                    z_dim INTEGER NOT NULL,
                    latent BLOB NOT NULL,
                    truncation REAL NOT NULL,
                    rating TEXT NOT NULL CHECK (rating IN ('like', 'dislike', 'favourite', 'skip')),
                    rated_at TEXT NOT NULL,
                    undone_at TEXT
                );
                CREATE INDEX rating_model ON rating(model_id, id);
                CREATE TABLE setting (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
                """)
        }
        return migrator
    }

    /// The journal mode SQLite reports ("wal").
    public func journalMode() throws(TasteError) -> String {
        try read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    // MARK: Writing

    /// Stores a rating and commits it; returns its row.
    @discardableResult
    public func add(modelID: String, latent: [Float], truncation: Double, kind: RatingKind, at date: Date = Date()) throws(TasteError) -> Rating {
        let blob = Self.encode(latent)
        let stamp = Self.timestamp(date)
        let id: Int64 = try write { db in
            try db.execute(sql: "INSERT INTO rating (model_id, z_dim, latent, truncation, rating, rated_at) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [modelID, latent.count, blob, truncation, kind.rawValue, stamp])
            return db.lastInsertedRowID
        }
        return Rating(id: id, modelID: modelID, latent: latent, truncation: truncation, kind: kind,
                      ratedAt: Self.parseTimestamp(stamp) ?? date, undoneAt: nil)
    }

    /// Marks the latest rating of `modelID` that still counts as undone; returns it (nil when there is none).
    public func undoLast(modelID: String, at date: Date = Date()) throws(TasteError) -> Rating? {
        let stamp = Self.timestamp(date)
        return try write { db -> Rating? in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM rating WHERE model_id = ? AND undone_at IS NULL ORDER BY id DESC LIMIT 1",
                                             arguments: [modelID]),
                  var rating = Self.rating(from: row) else { return nil }
            try db.execute(sql: "UPDATE rating SET undone_at = ? WHERE id = ?", arguments: [stamp, rating.id])
            rating.undoneAt = Self.parseTimestamp(stamp)
            return rating
        }
    }

    /// Sets a setting (e.g. `curator`).
    public func set(_ key: String, to value: String?) throws(TasteError) {
        try write { db in
            if let value {
                try db.execute(sql: "INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                               arguments: [key, value])
            } else {
                try db.execute(sql: "DELETE FROM setting WHERE key = ?", arguments: [key])
            }
        }
    }

    // MARK: Reading

    /// The ratings that count for `modelID` (not undone), oldest first.
    public func ratings(modelID: String) throws(TasteError) -> [Rating] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM rating WHERE model_id = ? AND undone_at IS NULL ORDER BY id", arguments: [modelID])
                .compactMap(Self.rating(from:))
        }
    }

    /// Every row, of every model, undone ones included, oldest first (for export).
    public func allRatings() throws(TasteError) -> [Rating] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM rating ORDER BY id").compactMap(Self.rating(from:)) }
    }

    /// Per model: how many ratings of each kind count, and how many were undone.
    public func counts() throws(TasteError) -> [String: (kinds: [RatingKind: Int], undone: Int)] {
        try read { db in
            var result: [String: (kinds: [RatingKind: Int], undone: Int)] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT model_id, rating, undone_at IS NOT NULL AS undone, COUNT(*) AS n FROM rating GROUP BY 1, 2, 3") {
                let model: String = row["model_id"]
                var entry = result[model] ?? ([:], 0)
                let n: Int = row["n"]
                if row["undone"] as Bool {
                    entry.undone += n
                } else if let kind = RatingKind(rawValue: row["rating"]) {
                    entry.kinds[kind, default: 0] += n
                }
                result[model] = entry
            }
            return result
        }
    }

    /// A setting, or nil.
    public func setting(_ key: String) throws(TasteError) -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = ?", arguments: [key]) }
    }

    /// Every row as CSV: `id,model_id,rating,rated_at,undone_at,truncation,z_dim,latent` with the latent as
    /// space-separated numbers (each float32 printed so that it reads back exactly).
    public func csv() throws(TasteError) -> String {
        var lines = ["id,model_id,rating,rated_at,undone_at,truncation,z_dim,latent"]
        for r in try allRatings() {
            let latent = r.latent.map { "\($0)" }.joined(separator: " ")
            lines.append("\(r.id),\(r.modelID),\(r.kind.rawValue),\(Self.timestamp(r.ratedAt)),\(r.undoneAt.map(Self.timestamp) ?? ""),\(r.truncation),\(r.latent.count),\(latent)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: Rows

    static func rating(from row: Row) -> Rating? {
        guard let kind = RatingKind(rawValue: row["rating"]), let data: Data = row["latent"] else { return nil }
        let ratedAt: String = row["rated_at"]
        let undoneAt: String? = row["undone_at"]
        return Rating(id: row["id"], modelID: row["model_id"], latent: decode(data), truncation: row["truncation"], kind: kind,
                      ratedAt: parseTimestamp(ratedAt) ?? Date(timeIntervalSince1970: 0), undoneAt: undoneAt.flatMap(parseTimestamp))
    }

    /// Float32, little-endian.
    static func encode(_ latent: [Float]) -> Data {
        var data = Data(capacity: latent.count * 4)
        for value in latent {
            let bits = value.bitPattern.littleEndian
            withUnsafeBytes(of: bits) { data.append(contentsOf: $0) }
        }
        return data
    }

    static func decode(_ data: Data) -> [Float] {
        let bytes = [UInt8](data)
        var latent: [Float] = []
        latent.reserveCapacity(bytes.count / 4)
        var i = 0
        while i + 4 <= bytes.count {
            var bits = UInt32(bytes[i])
            bits |= UInt32(bytes[i + 1]) << 8
            bits |= UInt32(bytes[i + 2]) << 16
            bits |= UInt32(bytes[i + 3]) << 24
            latent.append(Float(bitPattern: bits))
            i += 4
        }
        return latent
    }

    /// ISO 8601 in UTC with milliseconds, e.g. `2026-12-02T14:46:01.123Z`.
    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    static func parseTimestamp(_ text: String) -> Date? {
        try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)
    }

    // MARK: Access

    private func read<T>(_ body: (Database) throws -> T) throws(TasteError) -> T {
        do { return try pool.read(body) } catch { throw .database(path: url.path, message: Self.describe(error)) }
    }

    private func write<T>(_ body: (Database) throws -> T) throws(TasteError) -> T {
        do { return try pool.write(body) } catch { throw .database(path: url.path, message: Self.describe(error)) }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? error.description }
        return String(describing: error)
    }
}
