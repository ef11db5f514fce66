/// Internal validity indices, defined exactly as scikit-learn's `silhouette_score`,
/// `davies_bouldin_score` and `calinski_harabasz_score`. Labels < 0 (noise) are left out by callers.
public enum ClusterMetrics {
    /// Mean silhouette over all rows: O(n²), for inputs up to tens of thousands of rows.
    /// A row alone in its cluster scores 0; needs 2 ≤ clusters ≤ n − 1.
    public static func silhouette(_ x: Matrix, labels: [Int32]) -> Double? {
        let n = x.rows
        let ids = Array(Set(labels)).sorted()
        guard ids.count >= 2, ids.count < n else { return nil }
        var index = [Int32: Int]()
        for (i, l) in ids.enumerated() { index[l] = i }
        let k = ids.count
        // Rows grouped by cluster, so each cluster's distance sum is one contiguous loop.
        let order = (0..<n).sorted { (index[labels[$0]]!, $0) < (index[labels[$1]]!, $1) }
        let d = x.cols
        var xs = [Double](repeating: 0, count: n * d)
        var bounds = [Int](repeating: 0, count: k + 1)
        var lab = [Int](repeating: 0, count: n)
        for (r, i) in order.enumerated() {
            for t in 0..<d { xs[r * d + t] = x.data[i * d + t] }
            lab[r] = index[labels[i]]!
            bounds[lab[r] + 1] += 1
        }
        for c in 0..<k { bounds[c + 1] += bounds[c] }
        var scores = [Double](repeating: 0, count: n)
        let colX = d == 2 ? (0..<n).map { xs[2 * $0] } : []
        let colY = d == 2 ? (0..<n).map { xs[2 * $0 + 1] } : []
        colX.withUnsafeBufferPointer { cxp in
            colY.withUnsafeBufferPointer { cyp in
                xs.withUnsafeBufferPointer { xp in
                    scores.withUnsafeMutableBufferPointer { sp in
                        let S = sp.baseAddress!
                        let X = xp.baseAddress!
                        let XS = cxp.baseAddress ?? X
                        let YS = cyp.baseAddress ?? X
                        parallelRanges(n, parts: workerCount, minimum: 256) { range, _ in
                            var sums = [Double](repeating: 0, count: k)
                            for i in range {
                                for c in 0..<k {
                                    var acc = 0.0
                                    if d == 2 {
                                        // Four distances per step on separate x and y columns.
                                        let px = X[2 * i]
                                        let py = X[2 * i + 1]
                                        var j = bounds[c]
                                        let e = bounds[c + 1]
                                        var v = SIMD4<Double>.zero
                                        let rx = UnsafeRawPointer(XS)
                                        let ry = UnsafeRawPointer(YS)
                                        while j + 4 <= e {
                                            let dx =
                                                rx.loadUnaligned(fromByteOffset: j * 8, as: SIMD4<Double>.self) - px
                                            let dy =
                                                ry.loadUnaligned(fromByteOffset: j * 8, as: SIMD4<Double>.self) - py
                                            v += (dx * dx + dy * dy).squareRoot()
                                            j += 4
                                        }
                                        acc = v.sum()
                                        while j < e {
                                            let dx = px - XS[j]
                                            let dy = py - YS[j]
                                            acc += (dx * dx + dy * dy).squareRoot()
                                            j += 1
                                        }
                                    } else {
                                        for j in bounds[c]..<bounds[c + 1] {
                                            acc += squaredDistance(X, i, X, j, d).squareRoot()
                                        }
                                    }
                                    sums[c] = acc
                                }
                                let own = lab[i]
                                let size = bounds[own + 1] - bounds[own]
                                if size <= 1 {
                                    S[i] = 0
                                    continue
                                }
                                let a = sums[own] / Double(size - 1)
                                var b = Double.infinity
                                for c in 0..<k where c != own {
                                    b = min(b, sums[c] / Double(bounds[c + 1] - bounds[c]))
                                }
                                let m = max(a, b)
                                S[i] = m > 0 ? (b - a) / m : 0
                            }
                        }
                    }
                }
            }
        }
        // Sum in the original row order, so the result does not depend on the grouping.
        var total = 0.0
        var byRow = [Double](repeating: 0, count: n)
        for (r, i) in order.enumerated() { byRow[i] = scores[r] }
        for v in byRow { total += v }
        return total / Double(n)
    }

    /// Silhouette on a random sample of `size` rows (all rows when n ≤ size), as scikit-learn's
    /// `silhouette_score(sample_size:)` does: distances only among the sampled rows.
    public static func sampledSilhouette(_ x: Matrix, labels: [Int32], size: Int, seed: UInt64)
        -> Double?
    {
        guard x.rows > size else { return silhouette(x, labels: labels) }
        var rng = SeededRandom(seed: seed)
        // Partial Fisher–Yates: the first `size` entries are a uniform sample without replacement.
        var idx = Array(0..<x.rows)
        for i in 0..<size { idx.swapAt(i, i + rng.below(x.rows - i)) }
        let pick = Array(idx.prefix(size))
        return silhouette(x.select(pick), labels: pick.map { labels[$0] })
    }

    /// Means of the rows of each label; `ids` are the labels in ascending order.
    static func centroids(_ x: Matrix, labels: [Int32]) -> (
        ids: [Int32], centers: Matrix, sizes: [Int], index: [Int32: Int]
    ) {
        let ids = Array(Set(labels)).sorted()
        var index = [Int32: Int]()
        for (i, l) in ids.enumerated() { index[l] = i }
        let d = x.cols
        var sums = [Double](repeating: 0, count: ids.count * d)
        var sizes = [Int](repeating: 0, count: ids.count)
        for i in 0..<x.rows {
            let c = index[labels[i]]!
            sizes[c] += 1
            for t in 0..<d { sums[c * d + t] += x.data[i * d + t] }
        }
        for c in 0..<ids.count where sizes[c] > 0 {
            for t in 0..<d { sums[c * d + t] /= Double(sizes[c]) }
        }
        return (ids, Matrix(rows: ids.count, cols: d, data: sums), sizes, index)
    }

    /// Davies–Bouldin index (lower is better).
    public static func daviesBouldin(_ x: Matrix, labels: [Int32]) -> Double? {
        let (ids, c, _, index) = centroids(x, labels: labels)
        let k = ids.count
        guard k >= 2 else { return nil }
        var scatter = [Double](repeating: 0, count: k)
        var sizes = [Int](repeating: 0, count: k)
        x.data.withUnsafeBufferPointer { xp in
            c.data.withUnsafeBufferPointer { cp in
                for i in 0..<x.rows {
                    let l = index[labels[i]]!
                    scatter[l] += squaredDistance(xp.baseAddress!, i, cp.baseAddress!, l, x.cols).squareRoot()
                    sizes[l] += 1
                }
            }
        }
        for j in 0..<k { scatter[j] /= Double(sizes[j]) }
        var total = 0.0
        c.data.withUnsafeBufferPointer { cp in
            for i in 0..<k {
                var worst = 0.0
                for j in 0..<k where j != i {
                    let m = squaredDistance(cp.baseAddress!, i, cp.baseAddress!, j, x.cols).squareRoot()
                    // scikit-learn treats coincident centroids as infinitely far apart.
                    let r = m == 0 ? 0 : (scatter[i] + scatter[j]) / m
                    worst = max(worst, r)
                }
                total += worst
            }
        }
        return total / Double(k)
    }

    /// Calinski–Harabasz index (higher is better).
    public static func calinskiHarabasz(_ x: Matrix, labels: [Int32]) -> Double? {
        let (ids, c, sizes, index) = centroids(x, labels: labels)
        let k = ids.count
        let n = x.rows
        guard k >= 2, n > k else { return nil }
        let d = x.cols
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for t in 0..<d { mean[t] += x.data[i * d + t] } }
        for t in 0..<d { mean[t] /= Double(n) }
        var extra = 0.0
        for j in 0..<k {
            var s = 0.0
            for t in 0..<d {
                let v = c.data[j * d + t] - mean[t]
                s += v * v
            }
            extra += Double(sizes[j]) * s
        }
        var intra = 0.0
        x.data.withUnsafeBufferPointer { xp in
            c.data.withUnsafeBufferPointer { cp in
                for i in 0..<n {
                    intra += squaredDistance(xp.baseAddress!, i, cp.baseAddress!, index[labels[i]]!, d)
                }
            }
        }
        return intra == 0 ? 1 : extra * Double(n - k) / (intra * Double(k - 1))
    }
}
