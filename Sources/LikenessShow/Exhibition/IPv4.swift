// MARK: - IPv4

/// IPv4 addresses (host byte order) and CIDR blocks, parsed strictly by hand so that what the allow list
/// means does not depend on libc's lenient `inet_aton` (octal, short forms).
public enum IPv4 {
    /// `a.b.c.d`, each 0–255 without leading zeros; nil otherwise.
    public static func parse(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  part.count == 1 || part.first != "0", let octet = UInt8(part)
            else { return nil }
            value = value << 8 | UInt32(octet)
        }
        return value
    }

    public static func format(_ address: UInt32) -> String {
        "\(address >> 24).\(address >> 16 & 0xFF).\(address >> 8 & 0xFF).\(address & 0xFF)"
    }

    /// An address block: `10.0.0.0/8`, or one address (`/32`).
    public struct Block: Sendable, Equatable {
        public let network: UInt32
        public let mask: UInt32

        /// `a.b.c.d` or `a.b.c.d/n` (n 0–32); host bits set below the mask are ignored.
        public init?(_ text: String) {
            let pieces = text.split(separator: "/", omittingEmptySubsequences: false)
            guard (1...2).contains(pieces.count), let address = IPv4.parse(String(pieces[0])) else { return nil }
            var prefix = 32
            if pieces.count == 2 {
                guard (1...2).contains(pieces[1].count), pieces[1].allSatisfy({ $0.isASCII && $0.isNumber }),
                      let value = Int(pieces[1]), value <= 32
                else { return nil }
                prefix = value
            }
            mask = prefix == 0 ? 0 : UInt32.max << UInt32(32 - prefix)
            network = address & mask
        }

        public func contains(_ address: UInt32) -> Bool { address & mask == network }
    }
}
