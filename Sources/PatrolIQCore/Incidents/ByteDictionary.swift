import Foundation

/// Interns byte strings to dense codes 0, 1, 2, … in first-seen order, without building a `String`
/// per lookup (open addressing, FNV-1a). Used for categorical columns and for duplicate-ID checks.
public struct ByteDictionary: Sendable {
    private var arena: [UInt8] = []
    private var starts: [Int] = []  // entry i is arena[starts[i]..<starts[i+1]]
    private var slots: [Int32]  // -1 empty, else entry index
    private var hashes: [UInt32] = []
    private var mask: Int

    public init(capacity: Int = 64) {
        var n = 16
        while n < capacity * 2 { n <<= 1 }
        slots = Array(repeating: -1, count: n)
        mask = n - 1
        starts = [0]
    }

    public var count: Int { starts.count - 1 }

    /// Hashes 8 bytes per step (multiply–xorshift), then the tail.
    @inline(__always)
    static func hash(_ b: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(b.count)
        guard let base = b.baseAddress else { return UInt32(truncatingIfNeeded: h) }
        let raw = UnsafeRawPointer(base)
        var i = 0
        while i + 8 <= b.count {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x9E37_79B9_7F4A_7C15
            h ^= h >> 32
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < b.count {
            tail |= UInt64(base[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 29
        return UInt32(truncatingIfNeeded: h)
    }

    /// The code of `bytes`, adding it when new; `isNew` tells which.
    @inline(__always)
    public mutating func intern(_ bytes: UnsafeBufferPointer<UInt8>) -> (code: Int32, isNew: Bool) {
        let h = Self.hash(bytes)
        var s = Int(h) & mask
        while true {
            let e = slots[s]
            if e < 0 { break }
            if hashes[Int(e)] == h && equals(Int(e), bytes) { return (e, false) }
            s = (s + 1) & mask
        }
        let code = Int32(count)
        arena.append(contentsOf: bytes)
        starts.append(arena.count)
        hashes.append(h)
        slots[s] = code
        if count * 2 > mask { rehash() }
        return (code, true)
    }

    /// The code of `bytes` if present.
    public func lookup(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32? {
        let h = Self.hash(bytes)
        var s = Int(h) & mask
        while true {
            let e = slots[s]
            if e < 0 { return nil }
            if hashes[Int(e)] == h && equals(Int(e), bytes) { return e }
            s = (s + 1) & mask
        }
    }

    @inline(__always)
    private func equals(_ e: Int, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let a = starts[e]
        let len = starts[e + 1] - a
        guard len == b.count else { return false }
        if len == 0 { return true }
        return arena.withUnsafeBufferPointer { ar in
            let x = UnsafeRawPointer(ar.baseAddress! + a)
            let y = UnsafeRawPointer(b.baseAddress!)
            guard len <= 32 else { return memcmp(x, y, len) == 0 }
            // Short keys (most categorical values): words inline, cheaper than a call to memcmp.
            var i = 0
            while i + 8 <= len {
                if x.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    != y.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                {
                    return false
                }
                i += 8
            }
            while i < len {
                if x.load(fromByteOffset: i, as: UInt8.self) != y.load(fromByteOffset: i, as: UInt8.self) {
                    return false
                }
                i += 1
            }
            return true
        }
    }

    private mutating func rehash() {
        let n = (mask + 1) * 2
        var ns = [Int32](repeating: -1, count: n)
        let m = n - 1
        for e in 0..<count {
            var s = Int(hashes[e]) & m
            while ns[s] >= 0 { s = (s + 1) & m }
            ns[s] = Int32(e)
        }
        slots = ns
        mask = m
    }

    public func string(_ code: Int32) -> String {
        let a = starts[Int(code)]
        let b = starts[Int(code) + 1]
        return String(decoding: arena[a..<b], as: UTF8.self)
    }

    /// All entries in code order.
    public var strings: [String] { (0..<count).map { string(Int32($0)) } }
}
