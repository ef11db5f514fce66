import Foundation

/// xoshiro256** seeded through SplitMix64: fast, and the same sequence on every platform for a seed,
/// which the generator, k-means++ seeding and sampled metrics rely on for byte-identical outputs.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var z = seed
        func splitmix() -> UInt64 {
            z &+= 0x9E37_79B9_7F4A_7C15
            var x = z
            x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
            x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
            return x ^ (x >> 31)
        }
        s = (splitmix(), splitmix(), splitmix(), splitmix())
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = s.3 << 45 | s.3 >> 19
        return result
    }

    /// Uniform in [0, 1).
    @inline(__always)
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform integer in 0..<n.
    @inline(__always)
    public mutating func below(_ n: Int) -> Int { Int((UInt128(next()) * UInt128(n)) >> 64) }

    /// `size` distinct indices of 0..<n (all n when size ≥ n), uniform without replacement, in the order
    /// drawn: a partial Fisher–Yates shuffle, the one way every seeded sample in PatrolIQ is taken.
    public mutating func sample(_ size: Int, of n: Int) -> [Int] {
        let m = Swift.min(size, n)
        var idx = Array(0..<n)
        for i in 0..<m { idx.swapAt(i, i + below(n - i)) }
        return Array(idx.prefix(m))
    }

    /// Standard normal (Box–Muller).
    public mutating func gaussian() -> Double {
        let u = max(unit(), 1e-300)
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * unit())
    }

    /// Index drawn with probability proportional to `cumulative` increments (last element is the total).
    @inline(__always)
    public mutating func pick(cumulative: [Double]) -> Int {
        let r = unit() * cumulative[cumulative.count - 1]
        var lo = 0
        var hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] > r { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }
}

extension Array where Element == Double {
    /// Running sums, for `SeededRandom.pick(cumulative:)`.
    public var cumulative: [Double] {
        var s = 0.0
        return map {
            s += $0
            return s
        }
    }
}
