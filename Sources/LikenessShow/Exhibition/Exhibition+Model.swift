import Foundation

// MARK: - Finding the model

extension Exhibition {
    /// The places `model.path` is looked for, in order: as given (absolute, or relative to the working
    /// directory), then relative to the exhibition file's folder and that folder's parent.
    public func modelCandidates(overridePath: String? = nil) -> [URL] {
        candidates(for: overridePath ?? model.path, besideExhibition: overridePath == nil)
    }

    /// Where a model path from this exhibition (or the command line) is looked for.
    func candidates(for path: String, besideExhibition: Bool) -> [URL] {
        if path.hasPrefix("/") { return [URL(fileURLWithPath: path)] }
        var candidates = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(path)]
        if besideExhibition, let folder = source?.deletingLastPathComponent() {
            candidates.append(folder.appendingPathComponent(path))
            candidates.append(folder.deletingLastPathComponent().appendingPathComponent(path))
        }
        var seen = Set<String>()
        return candidates.map(\.standardizedFileURL).filter { seen.insert($0.path).inserted }
    }

    /// The model file to load; throws `ShowError.modelNotFound` listing where it looked.
    public func resolveModel(overridePath: String? = nil) throws(ShowError) -> URL {
        let candidates = modelCandidates(overridePath: overridePath)
        if let found = candidates.first(where: { FileManager.default.isReadableFile(atPath: $0.path) }) {
            return found
        }
        throw .modelNotFound(path: overridePath ?? model.path, searched: candidates.map(\.path))
    }
}

// MARK: - Finding the taste file

extension Exhibition {
    /// The taste file that steers the exhibition (`--taste` over `[taste] file`), resolved (see ``resolveTastePath(_:)``);
    /// nil: none.
    public func tasteFile(overridePath: String? = nil) -> URL? {
        guard let path = overridePath ?? taste.file else { return nil }
        guard overridePath == nil else {
            return path.hasPrefix("/") ? URL(fileURLWithPath: path)
                : URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(path).standardizedFileURL
        }
        return resolveTastePath(path)
    }

    /// What steers `screen`: its own `taste` and `taste_strength` over the exhibition's `[taste]` (`"none"`: nothing).
    /// Returns the file (nil: no taste on this screen) and the settings in force there.
    public func taste(for screen: Screen, overridePath: String? = nil) -> (file: URL?, settings: TasteSettings) {
        var settings = taste
        if let strength = screen.tasteStrength { settings.strength = strength }
        if let own = screen.tasteFile {
            settings.file = own == "none" ? nil : own
            return (settings.file.map(resolveTastePath), settings)
        }
        return (tasteFile(overridePath: overridePath), settings)
    }

    /// A taste path: absolute; else relative to the working directory, then the exhibition's folder and its parent.
    public func resolveTastePath(_ path: String) -> URL {
        if path.hasPrefix("/") { return URL(fileURLWithPath: path) }
        let here = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(path).standardizedFileURL
        if !FileManager.default.fileExists(atPath: here.path), let folder = source?.deletingLastPathComponent() {
            for base in [folder, folder.deletingLastPathComponent()] {
                let candidate = base.appendingPathComponent(path).standardizedFileURL
                if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            }
        }
        return here
    }
}

// MARK: - Model card

/// The human side of a model, from the JSON in its `likeness.card` metadata.
public struct ModelCard: Sendable, Equatable {
    public var name: String
    public var credit: String
    public var license: String
    public var description: String
    /// Every field of the card as text, for `likeness info`.
    public var fields: [(key: String, value: String)]

    public static func == (a: ModelCard, b: ModelCard) -> Bool {
        a.name == b.name && a.credit == b.credit && a.license == b.license && a.description == b.description
    }

    /// Parses the card JSON; missing or malformed cards give empty fields (a model still runs without one).
    public init(json: String?) {
        var fields: [(String, String)] = []
        var object: [String: Any] = [:]
        if let json, let data = json.data(using: .utf8),
           let parsed = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            object = parsed
            for key in parsed.keys.sorted() {
                let value = parsed[key]
                if let s = value as? String {
                    fields.append((key, s))
                } else if let v = value, let data = try? JSONSerialization.data(withJSONObject: v, options: [.sortedKeys, .fragmentsAllowed]) {
                    fields.append((key, String(decoding: data, as: UTF8.self)))
                }
            }
        }
        name = object["name"] as? String ?? ""
        credit = object["credit"] as? String ?? ""
        license = object["license"] as? String ?? ""
        description = object["description"] as? String ?? ""
        self.fields = fields
    }
}
