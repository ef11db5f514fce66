import Foundation

/// K-Means result: centres, labels, inertia (sum of squared distances to the assigned centre).
public struct KMeansResult: Sendable, Equatable {
    public var centers: Matrix
    public var labels: [Int32]
    public var inertia: Double
    public var iterations: Int
    public var converged: Bool
}

/// Lloyd's K-Means with k-means++ seeding, accelerated by Hamerly's bounds (exact: the same fixed
/// point as plain Lloyd from the same seeds, with most distance computations skipped).
///
/// Seeding is greedy k-means++ as in scikit-learn (2 + ⌊ln k⌋ candidates per step). Convergence: no
/// label changes, or total squared centre shift ≤ `tol` × mean per-feature variance (scikit-learn's rule).
public struct KMeans: Sendable {
    public var k: Int
    public var restarts: Int = 20
    public var maxIterations: Int = 300
    public var tol: Double = 1e-4
    public var seed: UInt64 = 0

    public init(
        k: Int, restarts: Int = 3, maxIterations: Int = 300, tol: Double = 1e-4, seed: UInt64 = 0
    ) {
        self.k = k
        self.restarts = restarts
        self.maxIterations = maxIterations
        self.tol = tol
        self.seed = seed
    }

    /// Rows above which restarts are screened on a sample first.
    public var sampleSize = 50_000
    /// How many of the best sampled solutions are refined on all rows.
    public var refine = 3

    /// Best of `restarts` k-means++ starts (lowest inertia).
    ///
    /// Up to `sampleSize` rows every start runs on all rows. Above, every start runs on a seeded random
    /// sample of `sampleSize` rows, and the `refine` best sample solutions seed Lloyd on all rows: local
    /// optima of a city's incidents are a few basins, which a 50 000-row sample already tells apart, so
    /// many cheap starts find the best basin more often than a few full ones.
    public func fit(_ x: Matrix) -> KMeansResult {
        precondition(k >= 1 && k <= x.rows, "k must be in 1...n")
        var rng = SeededRandom(seed: seed)
        let tolAbs = tol * Self.meanVariance(x)
        let starts = max(1, restarts)
        if x.rows <= max(sampleSize, k) {
            var best: KMeansResult?
            for _ in 0..<starts {
                let c = Self.plusPlus(x, k: k, rng: &rng)
                let r = Self.hamerly(x, centers: c, maxIterations: maxIterations, tol: tolAbs)
                if best == nil || r.inertia < best!.inertia { best = r }
            }
            return best!
        }
        var idx = Array(0..<x.rows)
        for i in 0..<sampleSize { idx.swapAt(i, i + rng.below(x.rows - i)) }
        let sample = x.select(Array(idx.prefix(sampleSize)))
        let sampleTol = tol * Self.meanVariance(sample)
        var screened: [KMeansResult] = []
        for _ in 0..<starts {
            let c = Self.plusPlus(sample, k: k, rng: &rng)
            screened.append(Self.hamerly(sample, centers: c, maxIterations: maxIterations, tol: sampleTol))
        }
        screened.sort { $0.inertia < $1.inertia }
        var best: KMeansResult?
        for s in screened.prefix(max(1, refine)) {
            let r = Self.hamerly(x, centers: s.centers, maxIterations: maxIterations, tol: tolAbs)
            if best == nil || r.inertia < best!.inertia { best = r }
        }
        return best!
    }

    static func meanVariance(_ x: Matrix) -> Double {
        guard x.rows > 0 else { return 0 }
        var total = 0.0
        for j in 0..<x.cols {
            var m = 0.0
            for i in 0..<x.rows { m += x.data[i * x.cols + j] }
            m /= Double(x.rows)
            var v = 0.0
            for i in 0..<x.rows {
                let t = x.data[i * x.cols + j] - m
                v += t * t
            }
            total += v / Double(x.rows)
        }
        return total / Double(x.cols)
    }

    /// Greedy k-means++: each new centre is the best of several D²-sampled candidates.
    static func plusPlus(_ x: Matrix, k: Int, rng: inout SeededRandom) -> Matrix {
        let n = x.rows
        let d = x.cols
        var centers = [Double]()
        centers.reserveCapacity(k * d)
        let trials = 2 + Int(log(Double(k)))
        centers.append(contentsOf: x[rng.below(n)])
        // Squared distance of every row to its closest chosen centre, with sums per block of rows so
        // that D² sampling walks blocks instead of rows.
        let block = 1024
        let blocks = (n + block - 1) / block
        var closest = [Double](repeating: .infinity, count: n)
        var closestBlocks = [Double](repeating: 0, count: blocks)
        var candDist = [Double](repeating: 0, count: n)
        var candBlocks = [Double](repeating: 0, count: blocks)
        var bestDist = [Double](repeating: 0, count: n)
        var bestBlocks = [Double](repeating: 0, count: blocks)

        /// min(current, distance to row `cand`) for every row, into `dist` and `sums`.
        func evaluate(_ cand: Int, _ current: [Double], _ dist: inout [Double], _ sums: inout [Double]) {
            x.data.withUnsafeBufferPointer { xp in
                current.withUnsafeBufferPointer { clp in
                    dist.withUnsafeMutableBufferPointer { dp in
                        sums.withUnsafeMutableBufferPointer { sp in
                            let X = xp.baseAddress!
                            let cl = clp.baseAddress!
                            let D = dp.baseAddress!
                            let S = sp.baseAddress!
                            parallelRanges(blocks, parts: workerCount, minimum: 4) { range, _ in
                                for bl in range {
                                    var acc = 0.0
                                    for i in (bl * block)..<min(n, (bl + 1) * block) {
                                        let dd = min(cl[i], squaredDistance(X, i, X, cand, d))
                                        D[i] = dd
                                        acc += dd
                                    }
                                    S[bl] = acc
                                }
                            }
                        }
                    }
                }
            }
        }

        // The first centre: distances to it.
        let first = Array(centers)
        x.data.withUnsafeBufferPointer { xp in
            first.withUnsafeBufferPointer { cp in
                for i in 0..<n { closest[i] = squaredDistance(xp.baseAddress!, i, cp.baseAddress!, 0, d) }
            }
        }
        for bl in 0..<blocks {
            var acc = 0.0
            for i in (bl * block)..<min(n, (bl + 1) * block) { acc += closest[i] }
            closestBlocks[bl] = acc
        }
        var pot = closestBlocks.reduce(0, +)
        for _ in 1..<k {
            var bestCand = -1
            var bestPot = Double.infinity
            for _ in 0..<trials {
                // Sample a row with probability proportional to its squared distance.
                var cand = rng.below(n)
                if pot > 0 {
                    var r = rng.unit() * pot
                    var bl = 0
                    while bl < blocks - 1 && r >= closestBlocks[bl] {
                        r -= closestBlocks[bl]
                        bl += 1
                    }
                    cand = min(n, (bl + 1) * block) - 1
                    for i in (bl * block)..<min(n, (bl + 1) * block) {
                        r -= closest[i]
                        if r < 0 {
                            cand = i
                            break
                        }
                    }
                }
                evaluate(cand, closest, &candDist, &candBlocks)
                let p = candBlocks.reduce(0, +)
                if p < bestPot {
                    bestPot = p
                    bestCand = cand
                    swap(&bestDist, &candDist)
                    swap(&bestBlocks, &candBlocks)
                }
            }
            centers.append(contentsOf: x[bestCand])
            swap(&closest, &bestDist)
            swap(&closestBlocks, &bestBlocks)
            pot = bestPot
        }
        return Matrix(rows: k, cols: d, data: centers)
    }

    /// Hamerly's algorithm from the given starting centres.
    /// Parts the points are split into for the centre sums (see `hamerly`).
    static let sumParts = 16

    static func hamerly(_ x: Matrix, centers c0: Matrix, maxIterations: Int, tol: Double)
        -> KMeansResult
    {
        let n = x.rows
        let d = x.cols
        let k = c0.rows
        var c = c0.data
        var labels = [Int32](repeating: 0, count: n)
        var upper = [Double](repeating: .infinity, count: n)
        var lower = [Double](repeating: 0, count: n)
        var half = [Double](repeating: 0, count: k)
        var iterations = 0
        var converged = false
        // A fixed number of parts, not the core count: the per-part sums are added in part order, so
        // the centres' last bits (and so the labels) are the same on 1, 2 or 8 threads.
        let parts = Self.sumParts

        // Initial assignment: nearest and second-nearest centre of every point.
        x.data.withUnsafeBufferPointer { xp in
            c.withUnsafeBufferPointer { cp in
                labels.withUnsafeMutableBufferPointer { lp in
                    upper.withUnsafeMutableBufferPointer { up in
                        lower.withUnsafeMutableBufferPointer { lop in
                            let lpb = lp.baseAddress!
                            let upb = up.baseAddress!
                            let lob = lop.baseAddress!
                            nonisolated(unsafe) let (L, U, Lo) = (lpb, upb, lob)
                            parallelRanges(n, parts: parts) { range, _ in
                                for i in range {
                                    let (a, b1, b2) = nearestTwo(xp.baseAddress!, i, cp.baseAddress!, k, d)
                                    L[i] = Int32(a)
                                    U[i] = b1.squareRoot()
                                    Lo[i] = b2.squareRoot()
                                }
                            }
                        }
                    }
                }
            }
        }

        while iterations < maxIterations {
            iterations += 1
            // New centres from the current labels.
            var partSums = [Double](repeating: 0, count: parts * k * d)
            var partCounts = [Int](repeating: 0, count: parts * k)
            x.data.withUnsafeBufferPointer { xp in
                labels.withUnsafeBufferPointer { lp in
                    partSums.withUnsafeMutableBufferPointer { sp in
                        partCounts.withUnsafeMutableBufferPointer { cp in
                            let S = sp.baseAddress!
                            let C = cp.baseAddress!
                            let X = xp.baseAddress!
                            let L = lp.baseAddress!
                            parallelRanges(n, parts: parts) { range, part in
                                let s0 = S + part * k * d
                                let c0 = C + part * k
                                for i in range {
                                    let a = Int(L[i])
                                    c0[a] += 1
                                    for t in 0..<d { s0[a * d + t] += X[i * d + t] }
                                }
                            }
                        }
                    }
                }
            }
            var sums = [Double](repeating: 0, count: k * d)
            var counts = [Int](repeating: 0, count: k)
            for part in 0..<parts {
                for j in 0..<k {
                    counts[j] += partCounts[part * k + j]
                    for t in 0..<d { sums[j * d + t] += partSums[(part * k + j) * d + t] }
                }
            }
            var moved = [Double](repeating: 0, count: k)
            var shiftTotal = 0.0
            for j in 0..<k where counts[j] > 0 {
                var s = 0.0
                for t in 0..<d {
                    let nv = sums[j * d + t] / Double(counts[j])
                    let dv = nv - c[j * d + t]
                    s += dv * dv
                    c[j * d + t] = nv
                }
                moved[j] = s.squareRoot()
                shiftTotal += s
            }
            // Bounds follow the centres.
            var maxMove = 0.0
            var secondMove = 0.0
            var maxJ = -1
            for j in 0..<k {
                if moved[j] > maxMove {
                    secondMove = maxMove
                    maxMove = moved[j]
                    maxJ = j
                } else if moved[j] > secondMove {
                    secondMove = moved[j]
                }
            }
            labels.withUnsafeBufferPointer { lp in
                upper.withUnsafeMutableBufferPointer { up in
                    lower.withUnsafeMutableBufferPointer { lop in
                        let L = lp.baseAddress!
                        let U = up.baseAddress!
                        let Lo = lop.baseAddress!
                        let mv = moved
                        parallelRanges(n, parts: parts) { range, _ in
                            for i in range {
                                let a = Int(L[i])
                                U[i] += mv[a]
                                Lo[i] -= a == maxJ ? secondMove : maxMove
                            }
                        }
                    }
                }
            }
            if shiftTotal <= tol {
                converged = true
                break
            }
            // Half the distance from each centre to its nearest other centre.
            for j in 0..<k {
                var m = Double.infinity
                for j2 in 0..<k where j2 != j {
                    var s = 0.0
                    for t in 0..<d {
                        let dv = c[j * d + t] - c[j2 * d + t]
                        s += dv * dv
                    }
                    m = min(m, s)
                }
                half[j] = k > 1 ? m.squareRoot() / 2 : .infinity
            }
            var changedParts = [Int](repeating: 0, count: parts)
            x.data.withUnsafeBufferPointer { xp in
                c.withUnsafeBufferPointer { cp in
                    labels.withUnsafeMutableBufferPointer { lp in
                        upper.withUnsafeMutableBufferPointer { up in
                            lower.withUnsafeMutableBufferPointer { lop in
                                changedParts.withUnsafeMutableBufferPointer { chp in
                                    nonisolated(unsafe) let (L, U, Lo, CH) = (
                                        lp.baseAddress!, up.baseAddress!, lop.baseAddress!, chp.baseAddress!
                                    )
                                    let hp = half
                                    parallelRanges(n, parts: parts) { range, part in
                                        var changed = 0
                                        for i in range {
                                            let a = Int(L[i])
                                            let m = max(hp[a], Lo[i])
                                            if U[i] <= m { continue }
                                            U[i] = squaredDistance(xp.baseAddress!, i, cp.baseAddress!, a, d)
                                                .squareRoot()
                                            if U[i] <= m { continue }
                                            let (best, b1, b2) = nearestTwo(
                                                xp.baseAddress!, i, cp.baseAddress!, k, d)
                                            if best != a {
                                                changed += 1
                                                L[i] = Int32(best)
                                            }
                                            U[i] = b1.squareRoot()
                                            Lo[i] = b2.squareRoot()
                                        }
                                        CH[part] = changed
                                    }
                                }
                            }
                        }
                    }
                }
            }
            if changedParts.reduce(0, +) == 0 {
                converged = true
                break
            }
        }
        let centers = Matrix(rows: k, cols: d, data: c)
        // Labels of the final centres (the last update may have moved them after the last assignment).
        labels = Self.assign(x, centers: centers)
        let inertia = Self.inertia(x, centers: centers, labels: labels)
        return KMeansResult(
            centers: centers, labels: labels, inertia: inertia, iterations: iterations,
            converged: converged)
    }

    /// The nearest centre of row `i` (ties go to the lower index) with the squared distances to the
    /// nearest and second-nearest centres: Hamerly's upper and lower bounds start from these.
    @inline(__always)
    static func nearestTwo(
        _ x: UnsafePointer<Double>, _ i: Int, _ c: UnsafePointer<Double>, _ k: Int, _ d: Int
    ) -> (Int, Double, Double) {
        var b1 = Double.infinity
        var b2 = Double.infinity
        var best = 0
        for j in 0..<k {
            let dd = squaredDistance(x, i, c, j, d)
            if dd < b1 {
                b2 = b1
                b1 = dd
                best = j
            } else if dd < b2 {
                b2 = dd
            }
        }
        return (best, b1, b2)
    }

    /// Index of the nearest centre of every row (ties go to the lower index).
    public static func assign(_ x: Matrix, centers: Matrix) -> [Int32] {
        var labels = [Int32](repeating: 0, count: x.rows)
        let d = x.cols
        x.data.withUnsafeBufferPointer { xp in
            centers.data.withUnsafeBufferPointer { cp in
                labels.withUnsafeMutableBufferPointer { lp in
                    let L = lp.baseAddress!
                    parallelRanges(x.rows, parts: workerCount) { range, _ in
                        for i in range {
                            var best = 0
                            var bd = Double.infinity
                            for j in 0..<centers.rows {
                                let dd = squaredDistance(xp.baseAddress!, i, cp.baseAddress!, j, d)
                                if dd < bd {
                                    bd = dd
                                    best = j
                                }
                            }
                            L[i] = Int32(best)
                        }
                    }
                }
            }
        }
        return labels
    }

    /// Sum of squared distances to the assigned centres.
    public static func inertia(_ x: Matrix, centers: Matrix, labels: [Int32]) -> Double {
        var s = 0.0
        x.data.withUnsafeBufferPointer { xp in
            centers.data.withUnsafeBufferPointer { cp in
                for i in 0..<x.rows {
                    s += squaredDistance(xp.baseAddress!, i, cp.baseAddress!, Int(labels[i]), x.cols)
                }
            }
        }
        return s
    }
}
