import Foundation

/// A sequential colour ramp for density overlays: 256 RGBA entries, entry 0 fully transparent.
///
/// Ramps are defined by a few anchor colours and interpolated in Oklab, a perceptually uniform space,
/// so equal steps in density read as equal steps in colour. Opacity rises from 0 to the full value over
/// the lowest 35 % of the scale, so sparse areas fade into the base map instead of tinting it.
public struct ColorRamp: Sendable, Equatable {
    public let name: String
    /// 256 × (r, g, b, a).
    public let rgba: [UInt8]

    public static let names = ["heat", "magma", "viridis", "blues"]

    /// Anchor colours of each ramp, from low to high density.
    static let anchors: [String: [UInt32]] = [
        // Yellow → orange → red → deep red: the classic hotspot map.
        "heat": [0xFFF3B0, 0xFDC65C, 0xF7853B, 0xE0412C, 0xB3122E, 0x6B0B2A],
        // Dark purple → magenta → orange → pale yellow.
        "magma": [0x1B0C41, 0x51127C, 0x832681, 0xC53C74, 0xF1605D, 0xFE9F6D, 0xFCFDBF],
        // Purple → blue → green → yellow.
        "viridis": [0x440154, 0x3B528B, 0x21918C, 0x5EC962, 0xFDE725],
        // Light to dark blue, for print and colour-vision safety.
        "blues": [0xDEEBF7, 0x9ECAE1, 0x4292C6, 0x08519C, 0x08306B],
    ]

    public init?(name: String, maxAlpha: Double = 0.85) {
        guard let a = Self.anchors[name] else { return nil }
        self.name = name
        let labs = a.map { Self.oklab(Double(($0 >> 16) & 0xFF), Double(($0 >> 8) & 0xFF), Double($0 & 0xFF)) }
        var out = [UInt8](repeating: 0, count: 256 * 4)
        for i in 1..<256 {
            let t = Double(i - 1) / 254
            let pos = t * Double(labs.count - 1)
            let k = min(Int(pos), labs.count - 2)
            let f = pos - Double(k)
            let l = labs[k] + (labs[k + 1] - labs[k]) * f
            let (r, g, b) = Self.srgb(l)
            let alpha = maxAlpha * min(1, 0.15 + t / 0.35 * 0.85)
            out[i * 4] = r
            out[i * 4 + 1] = g
            out[i * 4 + 2] = b
            out[i * 4 + 3] = UInt8((alpha * 255).rounded())
        }
        rgba = out
    }

    /// Colour index for a normalised value: 0 below `floor`, else 1…255.
    @inline(__always)
    public static func index(_ v: Float, floor: Float = 0.02) -> UInt8 {
        if !(v > floor) { return 0 }
        return UInt8(min(255, 1 + Int((min(v, 1) - floor) / (1 - floor) * 254.999)))
    }

    /// `index(v * scale)` of every value, eight at a time, and whether any is coloured (nil when
    /// none is: such a tile is not drawn). The same indices as the scalar function, bit for bit.
    public static func indices(_ values: [Float], scale: Float, floor: Float = 0.02) -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: values.count)
        let top = values.withUnsafeBufferPointer { v in
            out.withUnsafeMutableBufferPointer { o in
                o.isEmpty ? 0 : indices(v, scale: scale, floor: floor, into: o.baseAddress!)
            }
        }
        return top > 0 ? out : nil
    }

    /// `index(v * scale)` of every value written to `out`; returns the highest index.
    static func indices(
        _ v: UnsafeBufferPointer<Float>, scale: Float, floor: Float, into out: UnsafeMutablePointer<UInt8>
    ) -> UInt8 {
        guard let base = v.baseAddress else { return 0 }
        let step = (1 - floor) as Float
        var i = 0
        let raw = UnsafeRawPointer(base)
        let dst = UnsafeMutableRawPointer(out)
        var high = SIMD8<UInt8>(repeating: 0)
        while i + 8 <= v.count {
            let x = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) * scale
            // As `index`: truncation of a positive value is its floor, and min(…, 1) keeps it ≤ 254.
            let t = (x.replacing(with: 1, where: x .> 1) - floor) / step * 254.999
            // floor(t) without a libm call per lane: adding 2²³ rounds to a whole number, one too
            // many when it rounded up. 1 + floor(t) is then in 1…255 (0 below the floor), the low
            // byte of its bit pattern once 2²³ is added again.
            let coloured = x .> floor
            let tt = t.replacing(with: 0, where: .!coloured)
            var whole = (tt + 0x1p23) - 0x1p23
            whole.replace(with: whole - 1, where: whole .> tt)
            whole = (whole + 1).replacing(with: 0, where: .!coloured) + 0x1p23
            let k = SIMD8<UInt8>(truncatingIfNeeded: unsafeBitCast(whole, to: SIMD8<UInt32>.self))
            dst.storeBytes(of: k, toByteOffset: i, as: SIMD8<UInt8>.self)
            high = pointwiseMax(high, k)
            i += 8
        }
        var top = high.max()
        while i < v.count {
            out[i] = index(v[i] * scale, floor: floor)
            top = max(top, out[i])
            i += 1
        }
        return top
    }

    static func linear(_ c: Double) -> Double {
        let v = c / 255
        return v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4)
    }

    static func gamma(_ v: Double) -> UInt8 {
        let c = v <= 0.0031308 ? 12.92 * v : 1.055 * pow(v, 1 / 2.4) - 0.055
        return UInt8((min(max(c, 0), 1) * 255).rounded())
    }

    /// sRGB (0–255) → Oklab (Björn Ottosson's published matrices).
    static func oklab(_ r: Double, _ g: Double, _ b: Double) -> SIMD3<Double> {
        let (lr, lg, lb) = (linear(r), linear(g), linear(b))
        let l = cbrt(0.4122214708 * lr + 0.5363325363 * lg + 0.0514459929 * lb)
        let m = cbrt(0.2119034982 * lr + 0.6806995451 * lg + 0.1073969566 * lb)
        let s = cbrt(0.0883024619 * lr + 0.2817188376 * lg + 0.6299787005 * lb)
        return SIMD3(
            0.2104542553 * l + 0.7936177850 * m - 0.0040720468 * s,
            1.9779984951 * l - 2.4285922050 * m + 0.4505937099 * s,
            0.0259040371 * l + 0.7827717662 * m - 0.8086757660 * s)
    }

    static func srgb(_ c: SIMD3<Double>) -> (UInt8, UInt8, UInt8) {
        let l = pow(c.x + 0.3963377774 * c.y + 0.2158037573 * c.z, 3)
        let m = pow(c.x - 0.1055613458 * c.y - 0.0638541728 * c.z, 3)
        let s = pow(c.x - 0.0894841775 * c.y - 1.2914855480 * c.z, 3)
        return (
            gamma(4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s),
            gamma(-1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s),
            gamma(-0.0041960863 * l - 0.7034186147 * m + 1.7076147010 * s)
        )
    }

    /// Hex colours of `count` evenly spaced entries, for legends.
    public func legend(_ count: Int = 6) -> [String] {
        (0..<count).map { i in
            let k = 1 + Int(Double(i) / Double(max(count - 1, 1)) * 254)
            return String(format: "#%02x%02x%02x", rgba[k * 4], rgba[k * 4 + 1], rgba[k * 4 + 2])
        }
    }
}
