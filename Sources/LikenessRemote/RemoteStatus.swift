import Foundation
import LikenessShow

// MARK: - RemoteStatus

/// `GET /api/status`: the show's ``ShowStatus`` in the API's shape (documented in ``RemoteOpenAPI``).
public struct RemoteStatus: Sendable, Equatable, Codable {
    public struct Model: Sendable, Equatable, Codable {
        public var name: String
        public var credit: String
    }

    public var title: String
    public var version: String
    public var uptime: Double
    public var open: Bool
    public var nextChange: String
    public var paused: Bool
    public var blackout: Bool
    public var overlay: Bool
    /// The live tempo (`speed` command) and truncation.
    public var speed: Double
    public var truncation: Double
    public var model: Model
    /// Per screen, as the show's status has it (figures rounded).
    public var screens: [ShowStatus.Screen]
    public var lastError: String?
    public var lastCommandMilliseconds: Double?

    public init(_ s: ShowStatus, version: String) {
        title = s.title
        self.version = version
        uptime = Self.rounded(s.uptime, 3)
        open = s.open
        nextChange = s.nextChange
        paused = s.paused
        blackout = s.blackout
        overlay = s.overlay
        speed = s.speed
        truncation = s.truncation
        model = Model(name: s.modelName, credit: s.modelCredit)
        screens = s.screens.map { c in
            var r = c
            r.framesPerSecond = Self.rounded(c.framesPerSecond, 2)
            r.speed = Self.rounded(c.speed, 3)
            r.showTime = c.showTime.map { Self.rounded($0, 3) }
            r.behindSeconds = Self.rounded(c.behindSeconds, 3)
            r.frameMilliseconds = Self.rounded(c.frameMilliseconds, 2)
            r.stageMilliseconds = c.stageMilliseconds.mapValues { Self.rounded($0, 2) }
            return r
        }
        lastError = s.lastError
        lastCommandMilliseconds = s.lastCommandMilliseconds.map { Self.rounded($0, 1) }
    }

    /// The JSON body (keys sorted; `null` for what is not known, so every key is always there).
    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(self), var object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            return Data("{}".utf8)
        }
        for key in ["lastError", "lastCommandMilliseconds"] where object[key] == nil { object[key] = NSNull() }
        if var list = object["screens"] as? [[String: Any]] {
            for i in list.indices {
                for key in ["showTime", "sitter", "resembles"] where list[i][key] == nil { list[i][key] = NSNull() }
            }
            object["screens"] = list
        }
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    }

    static func rounded(_ x: Double, _ digits: Int) -> Double {
        guard x.isFinite else { return 0 }
        let scale = pow(10, Double(digits))
        return (x * scale).rounded() / scale
    }
}
