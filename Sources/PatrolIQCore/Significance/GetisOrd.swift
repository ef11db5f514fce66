import Foundation

/// Getis–Ord Gi* (Getis & Ord 1992; Ord & Getis 1995): is a cell's neighbourhood busier than chance
/// would make it?
///
/// For counts x over n cells with binary weights w_ij (1 within the band, self included):
///
///     Gi* z_i = (Σ_j w_ij x_j − x̄ W_i) / (s · sqrt((n S1_i − W_i²) / (n − 1)))
///
/// with W_i = Σ_j w_ij, S1_i = Σ_j w_ij² (= W_i for binary weights), x̄ the mean and s the population
/// standard deviation of x. This is PySAL's `esda.G_Local(star=True, transform="B")`, which
/// bench/gistar.sh checks to 1e-6. p-values are two-sided normal: p = 2 (1 − Φ(|z|)).
public enum GetisOrd {
    public struct Result: Sendable, Equatable {
        public var z: [Double]
        public var p: [Double]
        /// The number of neighbours of each cell, itself included (W_i).
        public var neighbours: [Int]
    }

    /// Gi* of `counts` where `neighbours(i)` lists the cells within the band of cell i (itself
    /// included). A field with no variance has z = 0 and p = 1 everywhere.
    public static func zScores(counts x: [Double], neighbours: (Int) -> [Int]) -> Result {
        let n = x.count
        guard n > 1 else {
            return Result(
                z: [Double](repeating: 0, count: n), p: [Double](repeating: 1, count: n),
                neighbours: [Int](repeating: 1, count: n))
        }
        let mean = x.reduce(0, +) / Double(n)
        let meanSquare = x.reduce(0) { $0 + $1 * $1 } / Double(n)
        let s = (max(0, meanSquare - mean * mean)).squareRoot()
        var z = [Double](repeating: 0, count: n)
        var p = [Double](repeating: 1, count: n)
        var w = [Int](repeating: 0, count: n)
        let nd = Double(n)
        for i in 0..<n {
            let nb = neighbours(i)
            var local = 0.0
            for j in nb { local += x[j] }
            let wi = Double(nb.count)
            w[i] = nb.count
            let denominator = s * ((nd * wi - wi * wi) / (nd - 1)).squareRoot()
            guard denominator > 0 else { continue }
            z[i] = (local - mean * wi) / denominator
            p[i] = twoSided(z[i])
        }
        return Result(z: z, p: p, neighbours: w)
    }

    /// 2 (1 − Φ(|z|)) = erfc(|z| / √2).
    public static func twoSided(_ z: Double) -> Double { erfc(abs(z) / 2.0.squareRoot()) }
}

/// Benjamini–Hochberg (1995): which of m tests are discoveries at false-discovery rate α, and each
/// test's q-value (the smallest α at which it would be one).
public enum FalseDiscoveryRate {
    /// q_(i) = min over j ≥ i of m p_(j) / j, capped at 1, in the input order.
    public static func qValues(_ p: [Double]) -> [Double] {
        let m = p.count
        let order = p.indices.sorted { (p[$0], $0) < (p[$1], $1) }
        var q = [Double](repeating: 1, count: m)
        var running = 1.0
        for rank in stride(from: m, through: 1, by: -1) {
            let i = order[rank - 1]
            running = min(running, p[i] * Double(m) / Double(rank))
            q[i] = min(running, 1)
        }
        return q
    }

    /// The tests rejected at level α: those with q ≤ α (the same set as the step-up procedure).
    public static func discoveries(_ p: [Double], alpha: Double) -> [Bool] {
        qValues(p).map { $0 <= alpha }
    }
}

/// Hot and cold spot classes at 90, 95 and 99 % confidence after the FDR correction: +3 hot at 99 %,
/// +2 at 95 %, +1 at 90 %, 0 not significant, −1…−3 cold.
public enum HotspotClass {
    public static let levels: [(alpha: Double, label: Int)] = [(0.01, 3), (0.05, 2), (0.10, 1)]

    public static func classify(z: [Double], q: [Double]) -> [Int] {
        zip(z, q).map { zi, qi in
            guard let level = levels.first(where: { qi <= $0.alpha }) else { return 0 }
            return zi > 0 ? level.label : -level.label
        }
    }

    public static func name(_ c: Int) -> String {
        switch c {
        case 3: "hot (99 %)"
        case 2: "hot (95 %)"
        case 1: "hot (90 %)"
        case -1: "cold (90 %)"
        case -2: "cold (95 %)"
        case -3: "cold (99 %)"
        default: "not significant"
        }
    }
}
