import Foundation

// MARK: - FuzzCorpus

/// Seed inputs and regression cases: the files of one folder, in name order.
public enum FuzzCorpus {
    /// The contents of every file in `folder` whose name ends in `.extension` (all files when nil).
    public static func load(_ folder: URL, extension fileExtension: String? = nil) throws(FuzzError) -> [(name: String, bytes: [UInt8])] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        } catch {
            throw .corpusUnreadable(path: folder.path, reason: "no such folder")
        }
        var files: [(name: String, bytes: [UInt8])] = []
        for name in names where !name.hasPrefix(".") && (fileExtension.map { name.hasSuffix(".\($0)") } ?? true) {
            guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) else {
                throw .corpusUnreadable(path: folder.appendingPathComponent(name).path, reason: "not readable")
            }
            files.append((name, [UInt8](data)))
        }
        return files
    }

    /// Saves `bytes` as `folder/<target>-<kind>-<hash>.<extension>` and returns the path.
    public static func save(_ bytes: [UInt8], kind: String, target: some FuzzTarget, in folder: URL) throws(FuzzError) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325 // FNV-1a
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        let url = folder.appendingPathComponent("\(target.name)-\(kind)-\(String(hash, radix: 16)).\(target.fileExtension)")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        } catch {
            throw .cannotSave(path: url.path, reason: "\(error)")
        }
        return url.path
    }
}
