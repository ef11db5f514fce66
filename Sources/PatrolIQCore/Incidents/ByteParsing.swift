import Foundation

/// Byte-level parsers for CSV fields: no `String` is built on the hot path.
public enum ByteParsing {
    private static let pow10: [Double] = (0...22).map { pow(10.0, Double($0)) }

    /// Trims ASCII spaces and tabs from both ends.
    @inline(__always)
    public static func trim(_ f: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var s = 0
        var e = f.count
        while s < e, f[s] == 32 || f[s] == 9 { s += 1 }
        while e > s, f[e - 1] == 32 || f[e - 1] == 9 { e -= 1 }
        return UnsafeBufferPointer(rebasing: f[s..<e])
    }

    /// Parses a decimal number such as `-87.665624176`; nil when the field is not a number.
    /// Up to 15 significant digits are exact (correctly rounded); longer forms go through `strtod`.
    public static func double(_ raw: UnsafeBufferPointer<UInt8>) -> Double? {
        let f = trim(raw)
        let n = f.count
        if n == 0 { return nil }
        var i = 0
        var neg = false
        if f[0] == UInt8(ascii: "-") || f[0] == UInt8(ascii: "+") {
            neg = f[0] == UInt8(ascii: "-")
            i = 1
        }
        var mant: UInt64 = 0
        var digits = 0
        var frac = 0
        var sawDot = false
        var any = false
        while i < n {
            let c = f[i]
            if c >= 48 && c <= 57 {
                any = true
                if digits < 18 {
                    mant = mant &* 10 &+ UInt64(c - 48)
                    if mant != 0 { digits += 1 }
                    if sawDot { frac += 1 }
                } else if !sawDot {
                    return slow(f)
                }
            } else if c == UInt8(ascii: "."), !sawDot {
                sawDot = true
            } else if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                return slow(f)
            } else {
                return nil
            }
            i += 1
        }
        if !any { return nil }
        if digits > 15 { return slow(f) }
        let v = Double(mant) / pow10[frac]
        return neg ? -v : v
    }

    private static func slow(_ f: UnsafeBufferPointer<UInt8>) -> Double? {
        var tmp = [CChar](repeating: 0, count: f.count + 1)
        for i in 0..<f.count { tmp[i] = CChar(bitPattern: f[i]) }
        var endp: UnsafeMutablePointer<CChar>?
        let v = tmp.withUnsafeMutableBufferPointer { b -> Double in
            strtod(b.baseAddress!, &endp)
        }
        let consumed = tmp.withUnsafeBufferPointer { b in
            endp.map { $0 - UnsafeMutablePointer(mutating: b.baseAddress!) } ?? 0
        }
        guard consumed == f.count, v.isFinite else { return nil }
        return v
    }

    /// Parses an optionally signed integer; nil for empty or non-numeric fields.
    @inline(__always)
    public static func int(_ raw: UnsafeBufferPointer<UInt8>) -> Int64? {
        let f = trim(raw)
        if f.isEmpty || f.count > 18 { return nil }
        var i = 0
        var neg = false
        if f[0] == UInt8(ascii: "-") {
            neg = true
            i = 1
            if f.count == 1 { return nil }
        }
        var v: Int64 = 0
        while i < f.count {
            let c = f[i]
            guard c >= 48 && c <= 57 else { return nil }
            v = v * 10 + Int64(c - 48)
            i += 1
        }
        return neg ? -v : v
    }

    /// Parses booleans as written by data portals: true/false, t/f, yes/no, y/n, 1/0 (any case).
    /// nil when empty or unrecognised.
    public static func bool(_ raw: UnsafeBufferPointer<UInt8>) -> Bool? {
        let f = trim(raw)
        guard let c = f.first else { return nil }
        switch c | 0x20 {
        case UInt8(ascii: "t"), UInt8(ascii: "y"): return true
        case UInt8(ascii: "f"), UInt8(ascii: "n"): return false
        case UInt8(ascii: "1"): return f.count == 1 ? true : nil
        case UInt8(ascii: "0"): return f.count == 1 ? false : nil
        default: return nil
        }
    }
}
