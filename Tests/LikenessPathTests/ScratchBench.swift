import Testing
import LikenessPath

@Test func scratchComponents() {
    let clock = ContinuousClock()
    let n = 1_000_000
    let philox = Philox4x32(seed: 3)
    var acc: UInt32 = 0
    var e = clock.measure { for i in 0..<n { let r = philox.block(UInt32(truncatingIfNeeded: i), 1, 2, 3); acc ^= r.0 ^ r.3 } }
    print("philox ns", Double(e.components.attoseconds) / 1e9 / Double(n), acc)
    var s = 0.0
    e = clock.measure { for i in 0..<n { s += PortableMath.log(Double(i + 1) * 0x1p-21) } }
    print("log ns", Double(e.components.attoseconds) / 1e9 / Double(n), s)
    e = clock.measure { for i in 0..<n { let (a, b) = PortableMath.sinCos(quarterTurns: Double(i) * 0x1p-18); s += a + b } }
    print("sincos ns", Double(e.components.attoseconds) / 1e9 / Double(n), s)
    let g = GaussianStream(seed: 1)
    e = clock.measure { for i in 0..<n/4 { let (a, b) = g.normalPairs(stream: 0, index: 5, firstPair: 4 * i); s += a[0] + b[3] } }
    print("4 pairs ns", Double(e.components.attoseconds) / 1e9 / Double(n / 4), s)
    e = clock.measure { for i in 0..<n { let (a, b) = g.normalPair(stream: 0, index: 5, pair: i); s += a + b } }
    print("pair ns", Double(e.components.attoseconds) / 1e9 / Double(n), s)
}
