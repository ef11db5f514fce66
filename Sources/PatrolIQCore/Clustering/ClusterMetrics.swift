/// Internal validity indices, defined exactly as scikit-learn's `silhouette_score`,
/// `davies_bouldin_score` and `calinski_harabasz_score`. Labels < 0 (noise) are left out by callers.
public enum ClusterMetrics {
    /// Mean silhouette over all rows: O(n²), for inputs up to tens of thousands of rows.
    /// A row alone in its cluster scores 0; needs 2 ≤ clusters ≤ n − 1.
    ///
    /// `weights` make a row count as that many identical rows (the temporal patterns' distinct rows):
    /// the value is then the silhouette of the rows repeated.
    public static func silhouette(_ x: Matrix, labels: [Int32], weights: [Double]? = nil) -> Double? {
        // Incidents recorded at the same place (a block's one coordinate) with the same label are one
        // weighted row: the same value from fewer distances.
        if weights == nil, let (distinct, distinctLabels, counts) = distinctRows(x, labels: labels) {
            return silhouette(distinct, labels: distinctLabels, weights: counts)
        }
        let n = x.rows
        let groups = LabelGroups(labels)
        let total = weights?.reduce(0, +) ?? Double(n)
        guard groups.count >= 2, Double(groups.count) < total else { return nil }
        let w = weights ?? [Double](repeating: 1, count: n)
        // Rows grouped by cluster (stable), features as columns padded by 8 rows of weight 0, so every
        // distance loop runs eight rows at a time without a tail.
        let order = (0..<n).sorted { (groups.index[$0], $0) < (groups.index[$1], $1) }
        let bounds = groups.bounds(order)
        let padded = n + 8
        var columns = [[Double]](repeating: [Double](repeating: 0, count: padded), count: x.cols)
        var rowWeights = [Double](repeating: 0, count: padded)
        for (r, i) in order.enumerated() {
            for t in 0..<x.cols { columns[t][r] = x.data[i * x.cols + t] }
            rowWeights[r] = w[i]
        }
        let distances = DistanceSums(columns: columns, weights: rowWeights, bounds: bounds)
        let k = groups.count
        var clusterWeight = [Double](repeating: 0, count: k)
        for c in 0..<k { for r in bounds[c]..<bounds[c + 1] { clusterWeight[c] += rowWeights[r] } }
        /// s of sorted row r in cluster c, from its weighted distance sum to each cluster.
        func score(_ r: Int, _ c: Int, _ sum: (Int) -> Double) -> Double {
            // a: mean distance to the other members; b: to the nearest other cluster.
            guard clusterWeight[c] > 1 else { return 0 }
            let a = sum(c) / (clusterWeight[c] - 1)
            var b = Double.infinity
            for c2 in 0..<k where c2 != c { b = min(b, sum(c2) / clusterWeight[c2]) }
            let m = max(a, b)
            return m > 0 ? (b - a) / m : 0
        }
        var byRow = [Double](repeating: 0, count: n)
        if k <= DistanceSums.symmetricClusters {
            let sums = distances.compute()
            for c in 0..<k {
                for r in bounds[c]..<bounds[c + 1] { byRow[order[r]] = score(r, c, { sums[$0 * padded + r] }) }
            }
        } else {
            // Many clusters (DBSCAN's zones): a rows × clusters table would be large, so each row sums
            // its own distances to every cluster (every distance twice, memory per thread only).
            let cluster = groups.index
            byRow.withUnsafeMutableBufferPointer { out in
                let shared = UncheckedSendable(out)
                parallelRanges(n, parts: workerCount, minimum: 64) { rows, _ in
                    var sums = [Double](repeating: 0, count: k)
                    for r in rows {
                        distances.rowSums(r, into: &sums)
                        shared.value[order[r]] = score(r, cluster[order[r]], { sums[$0] })
                    }
                }
            }
        }
        // Summed in the original row order, so the result does not depend on the grouping.
        var sum = 0.0
        for i in 0..<n { sum += w[i] * byRow[i] }
        return sum / total
    }

    /// Identical (row, label) pairs merged, with their counts; nil when every pair is distinct.
    static func distinctRows(_ x: Matrix, labels: [Int32]) -> (Matrix, [Int32], [Double])? {
        var slot: [[UInt64]: Int] = [:]
        var data: [Double] = []
        var out: [Int32] = []
        var counts: [Double] = []
        for i in 0..<x.rows {
            let row = x[i]
            let key = row.map(\.bitPattern) + [UInt64(bitPattern: Int64(labels[i]))]
            if let s = slot[key] {
                counts[s] += 1
            } else {
                slot[key] = counts.count
                data.append(contentsOf: row)
                out.append(labels[i])
                counts.append(1)
            }
        }
        guard counts.count < x.rows else { return nil }
        return (Matrix(rows: counts.count, cols: x.cols, data: data), out, counts)
    }

    /// Silhouette on a random sample of `size` rows (all rows when n ≤ size), as scikit-learn's
    /// `silhouette_score(sample_size:)` does: distances only among the sampled rows.
    public static func sampledSilhouette(_ x: Matrix, labels: [Int32], size: Int, seed: UInt64)
        -> Double?
    {
        guard x.rows > size else { return silhouette(x, labels: labels) }
        var rng = SeededRandom(seed: seed)
        let pick = rng.sample(size, of: x.rows)
        return silhouette(x.select(pick), labels: pick.map { labels[$0] })
    }

    /// Parts the row passes are split into: fixed, so the sums (added in part order) and so the indices
    /// do not depend on the core count.
    static let parts = 16

    /// Means of the rows of each label, in ascending label order, with their sizes.
    static func centroids(_ x: Matrix, groups: LabelGroups) -> (centers: Matrix, sizes: [Int]) {
        let d = x.cols
        let k = groups.count
        var partial = [Double](repeating: 0, count: parts * k * d)
        var counts = [Int](repeating: 0, count: parts * k)
        partial.withUnsafeMutableBufferPointer { pp in
            counts.withUnsafeMutableBufferPointer { cp in
                let (P, C) = (UncheckedSendable(pp), UncheckedSendable(cp))
                x.data.withUnsafeBufferPointer { xp in
                    let X = UncheckedSendable(xp)
                    parallelRanges(x.rows, parts: parts, minimum: 1 << 15) { range, part in
                        let sums = P.value.baseAddress! + part * k * d
                        let sizes = C.value.baseAddress! + part * k
                        for i in range {
                            let c = groups.index[i]
                            sizes[c] += 1
                            for t in 0..<d { sums[c * d + t] += X.value[i * d + t] }
                        }
                    }
                }
            }
        }
        var sums = [Double](repeating: 0, count: k * d)
        var sizes = [Int](repeating: 0, count: k)
        for part in 0..<parts {
            for c in 0..<k {
                sizes[c] += counts[part * k + c]
                for t in 0..<d { sums[c * d + t] += partial[(part * k + c) * d + t] }
            }
        }
        for c in 0..<k where sizes[c] > 0 {
            for t in 0..<d { sums[c * d + t] /= Double(sizes[c]) }
        }
        return (Matrix(rows: k, cols: d, data: sums), sizes)
    }

    /// Davies–Bouldin index (lower is better).
    public static func daviesBouldin(_ x: Matrix, labels: [Int32]) -> Double? {
        indices(x, labels: labels).daviesBouldin
    }

    /// Calinski–Harabasz index (higher is better).
    public static func calinskiHarabasz(_ x: Matrix, labels: [Int32]) -> Double? {
        indices(x, labels: labels).calinskiHarabasz
    }

    /// Davies–Bouldin and Calinski–Harabasz together: one centroid pass and one distance pass over the
    /// rows (each on all cores) serve both, which on 8 M incidents and six k is most of their cost.
    public static func indices(_ x: Matrix, labels: [Int32]) -> (daviesBouldin: Double?, calinskiHarabasz: Double?) {
        let groups = LabelGroups(labels)
        let (c, sizes) = centroids(x, groups: groups)
        let k = groups.count
        let n = x.rows
        let d = x.cols
        guard k >= 2 else { return (nil, nil) }
        // Per label: the sum of distances to its centroid (Davies–Bouldin's scatter) and of squared
        // distances (Calinski–Harabasz's dispersion within).
        var partial = [Double](repeating: 0, count: parts * k * 2)
        partial.withUnsafeMutableBufferPointer { pp in
            let P = UncheckedSendable(pp)
            x.data.withUnsafeBufferPointer { xp in
                c.data.withUnsafeBufferPointer { cp in
                    let (X, C) = (UncheckedSendable(xp), UncheckedSendable(cp))
                    parallelRanges(n, parts: parts, minimum: 1 << 15) { range, part in
                        let out = P.value.baseAddress! + part * k * 2
                        for i in range {
                            let l = groups.index[i]
                            let s = squaredDistance(X.value.baseAddress!, i, C.value.baseAddress!, l, d)
                            out[l * 2] += s.squareRoot()
                            out[l * 2 + 1] += s
                        }
                    }
                }
            }
        }
        var scatter = [Double](repeating: 0, count: k)
        var intra = 0.0
        for part in 0..<parts {
            for j in 0..<k {
                scatter[j] += partial[(part * k + j) * 2]
                intra += partial[(part * k + j) * 2 + 1]
            }
        }
        for j in 0..<k { scatter[j] /= Double(sizes[j]) }
        var total = 0.0
        c.data.withUnsafeBufferPointer { cp in
            for i in 0..<k {
                var worst = 0.0
                for j in 0..<k where j != i {
                    let m = squaredDistance(cp.baseAddress!, i, cp.baseAddress!, j, d).squareRoot()
                    // scikit-learn treats coincident centroids as infinitely far apart.
                    let r = m == 0 ? 0 : (scatter[i] + scatter[j]) / m
                    worst = max(worst, r)
                }
                total += worst
            }
        }
        let daviesBouldin = total / Double(k)
        guard n > k else { return (daviesBouldin, nil) }
        // The overall mean is the size-weighted mean of the centroids.
        var mean = [Double](repeating: 0, count: d)
        for j in 0..<k { for t in 0..<d { mean[t] += c.data[j * d + t] * Double(sizes[j]) } }
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
        return (daviesBouldin, intra == 0 ? 1 : extra * Double(n - k) / (intra * Double(k - 1)))
    }
}

/// Labels renumbered 0..<count in ascending label order: an array lookup per row instead of a hash.
struct LabelGroups {
    /// Each row's group.
    let index: [Int]
    let count: Int

    init(_ labels: [Int32]) {
        guard let low = labels.min(), let high = labels.max() else {
            index = []
            count = 0
            return
        }
        let span = Int(high) - Int(low) + 1
        // Cluster labels are small and dense: a table over their range, not a hash, when it is not
        // much larger than the rows.
        var slot = [Int](repeating: -1, count: span <= 4 * labels.count + 1024 ? span : 0)
        if slot.isEmpty {
            let ids = Array(Set(labels)).sorted()
            let group = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
            count = ids.count
            index = labels.map { group[$0] ?? 0 }
            return
        }
        for l in labels { slot[Int(l) - Int(low)] = 0 }
        var next = 0
        for s in slot.indices where slot[s] == 0 {
            slot[s] = next
            next += 1
        }
        count = next
        index = labels.map { slot[Int($0) - Int(low)] }
    }

    /// Where each group starts in `order` (rows sorted by group), and the end.
    func bounds(_ order: [Int]) -> [Int] {
        var b = [Int](repeating: 0, count: count + 1)
        for i in order { b[index[i] + 1] += 1 }
        for c in 0..<count { b[c + 1] += b[c] }
        return b
    }
}

/// For every row and cluster, the weighted sum of distances from the row to the cluster's rows (rows
/// sorted by cluster), stored cluster-major: `sums[c * rows + r]`. Each distance is computed once, for
/// the pair: cluster A's task adds row i's distances to the rows after it into row i's sums and into
/// column A of those rows. A task owns its rows' entries from column A on and column A of later rows,
/// so tasks never write the same entry and each entry is added in one fixed order whatever the
/// thread count.
private struct DistanceSums {
    /// Features column by column, `stride` values each (rows then 8 rows of padding, weight 0).
    let columns: [Double]
    let weights: [Double]
    let bounds: [Int]
    let stride: Int

    init(columns: [[Double]], weights: [Double], bounds: [Int]) {
        self.columns = columns.flatMap { $0 }
        self.weights = weights
        self.bounds = bounds
        stride = weights.count
    }

    /// Up to this many clusters the rows × clusters table is kept and each distance computed once.
    static let symmetricClusters = 64

    /// Row r's weighted distance sums to every cluster (r's own distance 0 included: it adds nothing).
    func rowSums(_ r: Int, into sums: inout [Double]) {
        let d = columns.count / stride
        columns.withUnsafeBufferPointer { xb in
            weights.withUnsafeBufferPointer { wb in
                let (x, w) = (xb.baseAddress!, wb.baseAddress!)
                for c in 0..<(bounds.count - 1) {
                    let end = bounds[c + 1]
                    var acc = SIMD8<Double>.zero
                    var j = bounds[c]
                    while j < end {
                        acc += distances(from: r, to: j, end: end, x: x, features: d) * load(w, j)
                        j += 8
                    }
                    sums[c] = acc.sum()
                }
            }
        }
    }

    func compute() -> [Double] {
        let k = bounds.count - 1
        var sums = [Double](repeating: 0, count: stride * k)
        sums.withUnsafeMutableBufferPointer { out in
            columns.withUnsafeBufferPointer { x in
                weights.withUnsafeBufferPointer { w in
                    let shared = UncheckedSendable((out.baseAddress!, x.baseAddress!, w.baseAddress!))
                    parallelRanges(k, parts: k, minimum: 2) { clusters, _ in
                        let (out, x, w) = shared.value
                        for a in clusters { accumulate(cluster: a, sums: out, x: x, w: w) }
                    }
                }
            }
        }
        return sums
    }

    /// Distances from row `r` to rows j…j+7, 0 in the lanes at or past `end`.
    @inline(__always)
    private func distances(from r: Int, to j: Int, end: Int, x: UnsafePointer<Double>, features d: Int)
        -> SIMD8<Double>
    {
        var q = SIMD8<Double>.zero
        if d == 2 {
            let dx = load(x, j) - x[r]
            let dy = load(x + stride, j) - x[stride + r]
            q = dx * dx + dy * dy
        } else {
            for t in 0..<d {
                let v = load(x + t * stride, j) - x[t * stride + r]
                q += v * v
            }
        }
        var dist = q.squareRoot()
        if end - j < 8 {
            dist.replace(with: 0, where: SIMD8<Double>(0, 1, 2, 3, 4, 5, 6, 7) .>= Double(end - j))
        }
        return dist
    }

    @inline(__always)
    private func load(_ p: UnsafePointer<Double>, _ j: Int) -> SIMD8<Double> {
        UnsafeRawPointer(p + j).loadUnaligned(as: SIMD8<Double>.self)
    }

    private func accumulate(
        cluster a: Int, sums: UnsafeMutablePointer<Double>, x: UnsafePointer<Double>, w: UnsafePointer<Double>
    ) {
        let k = bounds.count - 1
        let d = columns.count / stride
        let columnA = sums + a * stride
        var i = bounds[a]
        while i < bounds[a + 1] {
            // Two rows at a time share every load of the other rows and every update of their column.
            let pair = i + 1 < bounds[a + 1]
            let (wi, wi1) = (w[i], pair ? w[i + 1] : 0)
            if pair {
                let d01 = distances(from: i, to: i + 1, end: i + 2, x: x, features: d)[0]
                sums[a * stride + i] += d01 * wi1
                columnA[i + 1] += d01 * wi
            }
            for b in a..<k {
                let start = b == a ? i + (pair ? 2 : 1) : bounds[b]
                let end = bounds[b + 1]
                guard start < end else { continue }
                var acc = SIMD8<Double>.zero
                var acc1 = SIMD8<Double>.zero
                var j = start
                while j < end {
                    // Eight rows; lanes past the cluster's end are zeroed (the padding keeps loads in range,
                    // and the entries they would add to are this task's, unchanged by adding 0).
                    let wj = load(w, j)
                    var column = distances(from: i, to: j, end: end, x: x, features: d)
                    acc += column * wj
                    column *= wi
                    if pair {
                        let dist1 = distances(from: i + 1, to: j, end: end, x: x, features: d)
                        acc1 += dist1 * wj
                        column += dist1 * wi1
                    }
                    let target = UnsafeMutableRawPointer(columnA + j)
                    target.storeBytes(of: target.loadUnaligned(as: SIMD8<Double>.self) + column, as: SIMD8<Double>.self)
                    j += 8
                }
                sums[b * stride + i] += acc.sum()
                if pair { sums[b * stride + i + 1] += acc1.sum() }
            }
            i += pair ? 2 : 1
        }
    }
}

extension ClusterMetrics {
    /// Adjusted Rand index of two labellings (noise −1 counts as one more label, as scikit-learn's
    /// `adjusted_rand_score` treats it): 1 for the same partition, about 0 for chance agreement.
    public static func adjustedRand(_ a: [Int32], _ b: [Int32]) -> Double {
        precondition(a.count == b.count)
        let n = a.count
        guard n > 1 else { return 1 }
        var pairs: [SIMD2<Int32>: Int] = [:]
        var rows: [Int32: Int] = [:]
        var cols: [Int32: Int] = [:]
        for i in 0..<n {
            pairs[SIMD2(a[i], b[i]), default: 0] += 1
            rows[a[i], default: 0] += 1
            cols[b[i], default: 0] += 1
        }
        func choose2(_ m: Int) -> Double { Double(m) * Double(m - 1) / 2 }
        let index = pairs.values.reduce(0.0) { $0 + choose2($1) }
        let sa = rows.values.reduce(0.0) { $0 + choose2($1) }
        let sb = cols.values.reduce(0.0) { $0 + choose2($1) }
        let expected = sa * sb / choose2(n)
        let maximum = (sa + sb) / 2
        return maximum == expected ? 1 : (index - expected) / (maximum - expected)
    }
}
