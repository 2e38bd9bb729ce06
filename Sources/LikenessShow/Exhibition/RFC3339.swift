import Foundation

// MARK: - RFC3339

/// RFC 3339 timestamps (`2026-12-24T18:00:00Z`, `2026-12-24T19:00:00.5+01:00`), for `[show] epoch` and `--at`.
public enum RFC3339 {
    /// The instant `text` names, or nil when it is not an RFC 3339 date-time with an offset.
    public static func date(from text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.count >= 20, trimmed.count <= 40 else { return nil }
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: trimmed) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: trimmed)
    }

    /// `date` as `2026-12-24T17:00:00Z`.
    public static func string(from date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
