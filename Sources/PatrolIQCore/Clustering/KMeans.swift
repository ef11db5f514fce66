import Foundation

/// K-Means result: centres, labels, inertia (sum of weighted squared distances to the assigned centre).
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
/// Rows may carry weights (a row standing for several identical incidents), which is K-Means on the
/// rows repeated: the temporal patterns run on at most 24 × 7 × 12 distinct rows this way.
public struct KMeans: Sendable {
    public var k: Int
    public var restarts: Int
    public var maxIterations: Int
    public var tol: Double
    public var seed: UInt64
    /// Rows above which restarts are screened on a sample first.
    public var sampleSize = KMeans.defaultSampleSize
    /// How many of the best sampled solutions are refined on all rows.
    public var refine = KMeans.defaultRefine

    /// Start centres (k rows of the features): one Lloyd run on all rows from them replaces the
    /// screened restarts. A daily append barely moves the optimum, so yesterday's centres are already in
    /// its basin.
    public var initial: [[Double]]?

    public static let defaultSampleSize = 10_000
    public static let defaultRefine = 1

    public init(k: Int, restarts: Int = 3, maxIterations: Int = 300, tol: Double = 1e-4, seed: UInt64 = 0) {
        self.k = k
        self.restarts = restarts
        self.maxIterations = maxIterations
        self.tol = tol
        self.seed = seed
    }

    /// Best of `restarts` k-means++ starts (lowest inertia).
    ///
    /// Up to `sampleSize` rows every start runs on all rows. Above, every start runs on a seeded random
    /// sample of `sampleSize` rows, and the `refine` best sample solutions seed Lloyd on all rows: local
    /// optima of a city's incidents are a few basins, which a sample already tells apart, so many cheap
    /// starts find the best basin more often than a few full ones.
    public func fit(_ x: Matrix, weights: [Double]? = nil) -> KMeansResult {
        precondition(k >= 1 && k <= x.rows, "k must be in 1...n")
        precondition(weights == nil || weights?.count == x.rows, "one weight per row")
        switch x.cols {
        case ...2: return fit(Self.vectors(x, as: SIMD2<Double>.self), weights, cols: x.cols)
        case ...4: return fit(Self.vectors(x, as: SIMD4<Double>.self), weights, cols: x.cols)
        case ...8: return fit(Self.vectors(x, as: SIMD8<Double>.self), weights, cols: x.cols)
        default:
            precondition(x.cols <= 16, "K-Means takes at most 16 features")
            return fit(Self.vectors(x, as: SIMD16<Double>.self), weights, cols: x.cols)
        }
    }

    /// Rows as fixed-width vectors, zero-padded: distances and sums are then whole-vector operations.
    static func vectors<V: FeatureVector>(_ x: Matrix, as: V.Type) -> [V] {
        (0..<x.rows).map { i in
            var v = V()
            for t in 0..<x.cols { v[t] = x.data[i * x.cols + t] }
            return v
        }
    }

    func fit<V: FeatureVector>(_ points: [V], _ weights: [Double]?, cols: Int) -> KMeansResult {
        var rng = SeededRandom(seed: seed)
        let w = weights ?? [Double](repeating: 1, count: points.count)
        let full = Lloyd(points: points, weights: w, features: cols, tol: tol)
        /// Lloyd from k-means++ starts, each start on one core with its own generator (drawn in order).
        func starts(on set: Lloyd<V>) -> [Lloyd<V>.Fit] {
            var set = set
            set.concurrent = false
            let seeds = (0..<max(1, restarts)).map { _ in rng.next() }
            return parallelMap(seeds) { [set, k, maxIterations] s in
                var r = SeededRandom(seed: s)
                return set.run(from: set.plusPlus(k: k, rng: &r), maxIterations: maxIterations)
            }
        }
        let best: Lloyd<V>.Fit
        if let initial, initial.count == k, initial.allSatisfy({ $0.count == cols }) {
            let centres = initial.map { c in
                var v = V()
                for t in 0..<cols { v[t] = c[t] }
                return v
            }
            best = full.run(from: centres, maxIterations: maxIterations)
        } else if points.count <= max(sampleSize, k) {
            best = starts(on: full).min { $0.inertia < $1.inertia }!
        } else {
            let pick = rng.sample(sampleSize, of: points.count)
            let screened = starts(
                on: Lloyd(points: pick.map { points[$0] }, weights: pick.map { w[$0] }, features: cols, tol: tol))
            best = screened.sorted { $0.inertia < $1.inertia }.prefix(max(1, refine))
                .map { full.run(from: $0.centers, maxIterations: maxIterations) }
                .min { $0.inertia < $1.inertia }!
        }
        var data = [Double](repeating: 0, count: k * cols)
        for j in 0..<k { for t in 0..<cols { data[j * cols + t] = best.centers[j][t] } }
        return KMeansResult(
            centers: Matrix(rows: k, cols: cols, data: data), labels: best.labels, inertia: best.inertia,
            iterations: best.iterations, converged: best.converged)
    }
}

/// Lloyd's iterations on one set of (weighted) points, with Hamerly's bounds.
///
/// Work is split into a fixed number of parts (`parts`), not the core count: per-part sums are added
/// in part order, so the centres' last bits (and so the labels) are the same on 1, 2 or 8 threads.
struct Lloyd<V: FeatureVector>: Sendable {
    let points: [V]
    let weights: [Double]
    /// Absolute convergence threshold: `tol` × the mean per-feature variance.
    let tolerance: Double
    /// False when this run is one of several already spread over the cores.
    var concurrent = true
    static var parts: Int { 16 }

    /// `features` of the vectors' lanes are data (the rest are zero padding).
    init(points: [V], weights: [Double], features: Int, tol: Double) {
        self.points = points
        self.weights = weights
        var total = 0.0
        var mean = V()
        for (p, w) in zip(points, weights) {
            mean += p * w
            total += w
        }
        mean /= V(repeating: max(total, 1))
        var variance = 0.0
        for (p, w) in zip(points, weights) { variance += w * squaredNorm(p - mean) }
        // Padding lanes are zero everywhere: they add nothing to the variance.
        tolerance = total > 0 ? tol * variance / total / Double(Swift.max(1, features)) : 0
    }

    struct Fit: Sendable {
        var centers: [V]
        var labels: [Int32]
        var inertia: Double
        var iterations: Int
        var converged: Bool
    }

    /// Greedy k-means++: each new centre is the best of several D²-sampled candidates (weight × D²).
    func plusPlus(k: Int, rng: inout SeededRandom) -> [V] {
        let n = points.count
        let trials = 2 + Int(log(Double(k)))
        // Weighted squared distance of every row to its closest chosen centre, and its sums per block of
        // rows, so D² sampling walks blocks instead of rows.
        let block = 1024
        let blocks = (n + block - 1) / block
        var centers = [points[rng.below(n)]]
        var closest = Potential(n: n, blocks: blocks)
        closest.lower(
            toward: centers[0], from: Potential(n: n, blocks: blocks), points: points, weights: weights, block: block,
            concurrent: concurrent)
        var candidate = Potential(n: n, blocks: blocks)
        var best = Potential(n: n, blocks: blocks)
        for _ in 1..<k {
            var bestRow = -1
            for _ in 0..<trials {
                let row = closest.total > 0 ? closest.sample(rng.unit() * closest.total, block: block) : rng.below(n)
                candidate.lower(
                    toward: points[row], from: closest, points: points, weights: weights, block: block,
                    concurrent: concurrent)
                if bestRow < 0 || candidate.total < best.total {
                    bestRow = row
                    swap(&best, &candidate)
                }
            }
            centers.append(points[bestRow])
            swap(&closest, &best)
        }
        return centers
    }

    /// Lloyd from `initial` centres until no label changes or the centres stop moving.
    func run(from initial: [V], maxIterations: Int) -> Fit {
        let k = initial.count
        var centers = initial
        let state = RowState<V>(rows: points.count, clusters: k, parts: Self.parts)
        var moved = [Double](repeating: 0, count: k)
        var half = [Double](repeating: 0, count: k)
        var fastest = (index: -1, move: 0.0, second: 0.0)
        var first = true
        var iterations = 0
        var converged = false
        // Ended by a pass that changed no label: the labels are then the final centres' own.
        var stable = false
        while true {
            // The first pass finds every row's nearest and second-nearest centre; later ones move the
            // bounds and recheck only the rows they no longer settle. Each also sums rows per label.
            let step = Step(
                centers: centers, moved: moved, half: half, fastest: fastest.index, maxMove: fastest.move,
                secondMove: fastest.second, full: first)
            let changed = state.pass(step, points: points, weights: weights, concurrent: concurrent)
            if !first && changed == 0 {
                converged = true
                stable = true
                break
            }
            first = false
            if iterations == maxIterations { break }
            iterations += 1
            // New centres: the means of their rows, the parts added in order.
            var shift = 0.0
            for j in 0..<k {
                let (sum, weight) = state.total(of: j)
                guard weight > 0 else {
                    moved[j] = 0
                    continue
                }
                let mean = sum / V(repeating: weight)
                let s = squaredNorm(mean - centers[j])
                moved[j] = s.squareRoot()
                shift += s
                centers[j] = mean
            }
            if shift <= tolerance {
                converged = true
                break
            }
            fastest = (-1, 0, 0)
            for j in 0..<k {
                if moved[j] > fastest.move {
                    fastest = (j, moved[j], fastest.move)
                } else if moved[j] > fastest.second {
                    fastest.second = moved[j]
                }
            }
            // Half the distance from each centre to its nearest other centre: a row closer than that to
            // its own centre cannot be closer to another.
            for j in 0..<k {
                var m = Double.infinity
                for j2 in 0..<k where j2 != j { m = Swift.min(m, squaredNorm(centers[j] - centers[j2])) }
                half[j] = k > 1 ? m.squareRoot() / 2 : .infinity
            }
        }
        // When no label changed, the labels are the final centres' own (Hamerly's bounds are exact);
        // when the centres moved last, every row is assigned again.
        let (finalLabels, inertia) =
            stable
            ? (Array(state.labels), Self.inertia(points, weights: weights, labels: state.labels, centers: centers))
            : Self.nearest(points, weights: weights, centers: centers, concurrent: concurrent)
        return Fit(
            centers: centers, labels: finalLabels, inertia: inertia, iterations: iterations, converged: converged)
    }

    /// The weighted sum of squared distances of the rows to their labels' centres, summed by parts.
    static func inertia(
        _ points: [V], weights: [Double], labels: UnsafeMutableBufferPointer<Int32>, centers: [V]
    ) -> Double {
        var partInertia = [Double](repeating: 0, count: parts)
        partInertia.withUnsafeMutableBufferPointer { e in
            let out = UncheckedSendable(e)
            parallelRanges(points.count, parts: parts) { range, part in
                var sum = 0.0
                for i in range { sum += weights[i] * squaredNorm(points[i] - centers[Int(labels[i])]) }
                out.value[part] = sum
            }
        }
        return partInertia.reduce(0, +)
    }

    /// Every row's nearest centre (ties to the lower index) and the weighted sum of squared distances.
    static func nearest(_ points: [V], weights: [Double], centers: [V], concurrent: Bool) -> ([Int32], Double) {
        var labels = [Int32](repeating: 0, count: points.count)
        var partInertia = [Double](repeating: 0, count: parts)
        points.withUnsafeBufferPointer { p in
            labels.withUnsafeMutableBufferPointer { l in
                partInertia.withUnsafeMutableBufferPointer { e in
                    let buffers = UncheckedSendable((p, l, e))
                    parallelRanges(points.count, parts: parts, concurrent: concurrent) { range, part in
                        let (p, l, e) = buffers.value
                        var sum = 0.0
                        for i in range {
                            let (j, d, _) = nearestTwo(p[i], centers)
                            l[i] = Int32(j)
                            sum += weights[i] * d
                        }
                        e[part] = sum
                    }
                }
            }
        }
        return (labels, partInertia.reduce(0, +))
    }
}

/// The per-row state of one Lloyd run (labels and Hamerly's bounds) and the per-part label sums, in
/// buffers of their own so the parallel pass reaches them directly.
private final class RowState<V: FeatureVector>: @unchecked Sendable {
    let labels: UnsafeMutableBufferPointer<Int32>
    /// Distance to the own centre (upper) and a bound below the distance to any other (lower).
    let upper: UnsafeMutableBufferPointer<Double>
    let lower: UnsafeMutableBufferPointer<Double>
    /// Per part: each label's sum of weighted rows and of weights, k entries a part.
    let sums: UnsafeMutableBufferPointer<V>
    let sumWeights: UnsafeMutableBufferPointer<Double>
    let changes: UnsafeMutableBufferPointer<Int>
    let clusters: Int
    let parts: Int

    init(rows: Int, clusters: Int, parts: Int) {
        labels = .allocate(capacity: rows)
        labels.initialize(repeating: 0)
        upper = .allocate(capacity: rows)
        upper.initialize(repeating: 0)
        lower = .allocate(capacity: rows)
        lower.initialize(repeating: 0)
        sums = .allocate(capacity: parts * clusters)
        sumWeights = .allocate(capacity: parts * clusters)
        changes = .allocate(capacity: parts)
        self.clusters = clusters
        self.parts = parts
    }

    deinit {
        for b in [upper, lower, sumWeights] { b.deallocate() }
        labels.deallocate()
        sums.deallocate()
        changes.deallocate()
    }

    /// One pass over all rows, in `parts` fixed parts; returns how many rows changed label.
    func pass(_ step: Step<V>, points: [V], weights: [Double], concurrent: Bool) -> Int {
        sums.initialize(repeating: V())
        sumWeights.initialize(repeating: 0)
        changes.initialize(repeating: 0)
        points.withUnsafeBufferPointer { p in
            weights.withUnsafeBufferPointer { w in
                let rows = UncheckedSendable((p, w))
                parallelRanges(p.count, parts: parts, concurrent: concurrent) { range, part in
                    let slots = (part * clusters)..<(part * clusters + clusters)
                    changes[part] = step.assign(
                        range, points: rows.value.0, weights: rows.value.1, labels: labels, upper: upper,
                        lower: lower, sums: UnsafeMutableBufferPointer(rebasing: sums[slots]),
                        sumWeights: UnsafeMutableBufferPointer(rebasing: sumWeights[slots]))
                }
            }
        }
        return changes.reduce(0, +)
    }

    /// Label j's weighted row sum and weight, the parts added in order.
    func total(of j: Int) -> (V, Double) {
        var sum = V()
        var weight = 0.0
        for part in 0..<parts {
            sum += sums[part * clusters + j]
            weight += sumWeights[part * clusters + j]
        }
        return (sum, weight)
    }
}

/// One assignment pass of Hamerly's algorithm, after the centres moved by `moved`.
struct Step<V: FeatureVector>: Sendable {
    let centers: [V]
    let moved: [Double]
    let half: [Double]
    let fastest: Int
    let maxMove: Double
    let secondMove: Double
    /// The first pass: every row's two nearest centres, no bounds yet.
    let full: Bool

    /// Updates the rows in `range` and adds each to its label's sum; returns how many changed label.
    func assign(
        _ range: Range<Int>, points: UnsafeBufferPointer<V>, weights: UnsafeBufferPointer<Double>,
        labels: UnsafeMutableBufferPointer<Int32>, upper: UnsafeMutableBufferPointer<Double>,
        lower: UnsafeMutableBufferPointer<Double>, sums: UnsafeMutableBufferPointer<V>,
        sumWeights: UnsafeMutableBufferPointer<Double>
    ) -> Int {
        var changed = 0
        for i in range {
            let x = points[i]
            var a = Int(labels[i])
            if full {
                let (j, d1, d2) = nearestTwo(x, centers)
                a = j
                labels[i] = Int32(j)
                upper[i] = d1.squareRoot()
                lower[i] = d2.squareRoot()
            } else {
                // Bounds follow the centres: the own one by its move, any other by at most the largest.
                upper[i] += moved[a]
                lower[i] -= a == fastest ? secondMove : maxMove
                let bound = Swift.max(half[a], lower[i])
                if upper[i] > bound {
                    upper[i] = squaredNorm(x - centers[a]).squareRoot()
                    if upper[i] > bound {
                        let (j, d1, d2) = nearestTwo(x, centers)
                        if j != a {
                            changed += 1
                            a = j
                            labels[i] = Int32(j)
                        }
                        upper[i] = d1.squareRoot()
                        lower[i] = d2.squareRoot()
                    }
                }
            }
            sums[a] += x * weights[i]
            sumWeights[a] += weights[i]
        }
        return changed
    }
}

/// The weighted squared distance of every row to its closest centre so far, with per-block sums.
private struct Potential {
    var distance: [Double]
    var blockSums: [Double]
    var total = 0.0

    init(n: Int, blocks: Int) {
        distance = [Double](repeating: .infinity, count: n)
        blockSums = [Double](repeating: 0, count: blocks)
    }

    /// This potential set to `base` lowered toward `center` (or to the distance to it alone).
    mutating func lower<V: FeatureVector>(
        toward center: V, from base: Potential, points: [V], weights: [Double], block: Int, concurrent: Bool
    ) {
        let n = points.count
        points.withUnsafeBufferPointer { p in
            base.distance.withUnsafeBufferPointer { old in
                distance.withUnsafeMutableBufferPointer { d in
                    blockSums.withUnsafeMutableBufferPointer { s in
                        let buffers = UncheckedSendable((p, old, d, s))
                        parallelRanges(s.count, parts: workerCount, minimum: 4, concurrent: concurrent) { range, _ in
                            let (p, old, d, s) = buffers.value
                            for b in range {
                                var acc = 0.0
                                for i in (b * block)..<Swift.min(n, (b + 1) * block) {
                                    let m = Swift.min(old[i], weights[i] * squaredNorm(p[i] - center))
                                    d[i] = m
                                    acc += m
                                }
                                s[b] = acc
                            }
                        }
                    }
                }
            }
        }
        total = blockSums.reduce(0, +)
    }

    /// The row where the running sum of potentials passes `r`.
    func sample(_ r: Double, block: Int) -> Int {
        var r = r
        var b = 0
        while b < blockSums.count - 1 && r >= blockSums[b] {
            r -= blockSums[b]
            b += 1
        }
        let end = Swift.min(distance.count, (b + 1) * block)
        for i in (b * block)..<end {
            r -= distance[i]
            if r < 0 { return i }
        }
        return end - 1
    }
}

@inline(__always)
func squaredNorm<V: FeatureVector>(_ v: V) -> Double { (v * v).sum() }

/// The nearest centre (ties to the lower index) and the squared distances to the nearest and
/// second-nearest centres: Hamerly's bounds start from these.
@inline(__always)
func nearestTwo<V: FeatureVector>(_ x: V, _ centers: [V]) -> (Int, Double, Double) {
    var b1 = Double.infinity
    var b2 = Double.infinity
    var best = 0
    for j in centers.indices {
        let d = squaredNorm(x - centers[j])
        if d < b1 {
            b2 = b1
            b1 = d
            best = j
        } else if d < b2 {
            b2 = d
        }
    }
    return (best, b1, b2)
}

/// A row of features in a fixed-width vector (unused lanes zero), so distances and sums are whole-vector
/// operations the compiler keeps in registers.
protocol FeatureVector: SIMD, Sendable where Scalar == Double {}
extension SIMD2: FeatureVector where Scalar == Double {}
extension SIMD4: FeatureVector where Scalar == Double {}
extension SIMD8: FeatureVector where Scalar == Double {}
extension SIMD16: FeatureVector where Scalar == Double {}
