import Foundation
import LikenessKernels

// MARK: - Activation kernels

extension Activation {
    /// Applies the activation in place to `count` floats at `pointer`, 16 lanes at a time.
    @inline(__always)
    func applyInPlace(_ pointer: UnsafeMutablePointer<Float>, count: Int) {
        if case .none = self { return }
        var i = 0
        let raw = UnsafeMutableRawPointer(pointer)
        while i + 16 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            raw.storeBytes(of: applyVector(v), toByteOffset: i * 4, as: SIMD16<Float>.self)
            i += 16
        }
        if i < count {
            var tail = SIMD16<Float>(repeating: 0)
            for j in 0..<(count - i) { tail[j] = pointer[i + j] }
            let result = applyVector(tail)
            for j in 0..<(count - i) { pointer[i + j] = result[j] }
        }
    }

    /// Adds `bias` then applies the activation, in place.
    @inline(__always)
    func applyInPlace(_ pointer: UnsafeMutablePointer<Float>, count: Int, bias: Float) {
        if bias == 0 { applyInPlace(pointer, count: count); return }
        let b = SIMD16<Float>(repeating: bias)
        var i = 0
        let raw = UnsafeMutableRawPointer(pointer)
        while i + 16 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self) + b
            raw.storeBytes(of: applyVector(v), toByteOffset: i * 4, as: SIMD16<Float>.self)
            i += 16
        }
        while i < count { pointer[i] = apply(pointer[i] + bias); i += 1 }
    }

    /// `x * scale + shift`, then the activation, in place or from `source` to `destination`.
    @inline(__always)
    func applyAffine(_ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<Float>, count: Int, scale: Float, shift: Float) {
        let s = SIMD16<Float>(repeating: scale), t = SIMD16<Float>(repeating: shift)
        var i = 0
        let src = UnsafeRawPointer(source), dst = UnsafeMutableRawPointer(destination)
        while i + 16 <= count {
            let v = src.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self) * s + t
            dst.storeBytes(of: applyVector(v), toByteOffset: i * 4, as: SIMD16<Float>.self)
            i += 16
        }
        while i < count { destination[i] = apply(source[i] * scale + shift); i += 1 }
    }

    @inline(__always)
    func applyVector(_ v: SIMD16<Float>) -> SIMD16<Float> {
        switch self {
        case .none: return v
        case .relu: return v.replacing(with: 0, where: v .< 0)
        case .leakyRelu(let a): return v.replacing(with: v * a, where: v .< 0)
        case .sigmoid: return VectorMath.sigmoid(v)
        case .tanh: return VectorMath.tanh(v)
        case .clip(let lo, let hi):
            let low = v.replacing(with: lo, where: v .< lo)
            return low.replacing(with: hi, where: low .> hi)
        }
    }
}

// MARK: - Binary kernels

/// An elementwise binary operator with broadcasting.
enum BinaryOperator: Sendable {
    case add, subtract, multiply, divide, power, minimum, maximum, prelu

    init?(_ op: String) {
        switch op {
        case "Add": self = .add
        case "Sub": self = .subtract
        case "Mul": self = .multiply
        case "Div": self = .divide
        case "Pow": self = .power
        case "Min": self = .minimum
        case "Max": self = .maximum
        case "PRelu": self = .prelu
        default: return nil
        }
    }

    @inline(__always)
    func apply(_ a: Float, _ b: Float) -> Float {
        switch self {
        case .add: return a + b
        case .subtract: return a - b
        case .multiply: return a * b
        case .divide: return a / b
        case .power: return Foundation.pow(a, b)
        case .minimum: return Swift.min(a, b)
        case .maximum: return Swift.max(a, b)
        case .prelu: return a >= 0 ? a : a * b
        }
    }

    @inline(__always)
    func apply(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
        switch self {
        case .add: return a + b
        case .subtract: return a - b
        case .multiply: return a * b
        case .divide: return a / b
        case .minimum: return pointwiseMin(a, b)
        case .maximum: return pointwiseMax(a, b)
        case .prelu: return a.replacing(with: a * b, where: a .< 0)
        case .power:
            var r = a
            for i in 0..<16 { r[i] = Foundation.pow(a[i], b[i]) }
            return r
        }
    }

    /// Row kernel: `out[i] = a[i * sa] op b[i * sb]` with each stride 0 or 1 on the fast paths.
    @inline(__always)
    func row(_ a: UnsafePointer<Float>, _ sa: Int, _ b: UnsafePointer<Float>, _ sb: Int, _ out: UnsafeMutablePointer<Float>, _ count: Int) {
        var i = 0
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b), ro = UnsafeMutableRawPointer(out)
        if sa == 1 && sb == 1 {
            while i + 16 <= count {
                let v = apply(ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self), rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self))
                ro.storeBytes(of: v, toByteOffset: i * 4, as: SIMD16<Float>.self)
                i += 16
            }
        } else if sa == 1 && sb == 0 {
            let vb = SIMD16<Float>(repeating: b[0])
            while i + 16 <= count {
                ro.storeBytes(of: apply(ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self), vb), toByteOffset: i * 4, as: SIMD16<Float>.self)
                i += 16
            }
        } else if sa == 0 && sb == 1 {
            let va = SIMD16<Float>(repeating: a[0])
            while i + 16 <= count {
                ro.storeBytes(of: apply(va, rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)), toByteOffset: i * 4, as: SIMD16<Float>.self)
                i += 16
            }
        }
        while i < count { out[i] = apply(a[i * sa], b[i * sb]); i += 1 }
    }
}

// MARK: - Unary (non-fusable) operators

/// Elementwise operators that never fuse into a producer.
enum UnaryOperator: Sendable {
    case activation(Activation)
    case elu(alpha: Float), softplus, negate, exp, squareRoot, absolute

    @inline(__always)
    func apply(_ x: Float) -> Float {
        switch self {
        case .activation(let a): return a.apply(x)
        case .elu(let alpha): return x >= 0 ? x : alpha * (Foundation.exp(x) - 1)
        case .softplus: return Foundation.log1p(Foundation.exp(x))
        case .negate: return -x
        case .exp: return Foundation.exp(x)
        case .squareRoot: return x.squareRoot()
        case .absolute: return Swift.abs(x)
        }
    }
}
