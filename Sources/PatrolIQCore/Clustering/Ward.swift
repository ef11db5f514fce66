/// One merge of a hierarchical clustering, in SciPy's `linkage` layout: clusters `a` and `b`
/// (ids < n are input rows, n + i is the cluster made by merge i) joined at `height`, holding `size` weight.
public struct Merge: Sendable, Equatable, Codable {
    public var a: Int
    public var b: Int
    public var height: Double
    public var size: Double
}

/// Exact Ward hierarchical clustering by the nearest-neighbour chain (Müllner 2011), on centroids:
/// O(n²) time, O(n) memory. Rows may carry weights (a grid cell of w incidents starts as a cluster of
/// size w), so the full sample clusters exactly as weighted points.
///
/// Heights are SciPy's: d(u, v) = √(2·|u|·|v| / (|u| + |v|)) · ‖c_u − c_v‖, which equals the
/// Lance–Williams Ward update on Euclidean distances.
public enum Ward {
    public static func linkage(_ x: Matrix, weights: [Double]? = nil) -> [Merge] {
        let n = x.rows
        guard n >= 2 else { return [] }
        let d = x.cols
        // Active clusters in compact arrays; `id` maps slot → cluster id.
        var cent = x.data
        var size = weights ?? [Double](repeating: 1, count: n)
        var id = Array(0..<n)
        var active = n
        var chain: [Int] = []  // slots
        var raw: [Merge] = []
        raw.reserveCapacity(n - 1)
        var nextID = n
        // The plane's columns for the vector search (kept in step with `cent` and `size`).
        var plane = PlaneColumns(centroids: d == 2 ? cent : [], sizes: size)

        func dist2(_ s: Int, _ t: Int) -> Double {
            var q = 0.0
            for k in 0..<d {
                let v = cent[s * d + k] - cent[t * d + k]
                q += v * v
            }
            return 2 * size[s] * size[t] / (size[s] + size[t]) * q
        }

        while active > 1 {
            if chain.isEmpty { chain.append(0) }
            var merged = false
            while !merged {
                let a = chain[chain.count - 1]
                let prev = chain.count >= 2 ? chain[chain.count - 2] : -1
                // Nearest active cluster; ties prefer the previous chain element (keeps the chain finite).
                var best = -1
                var bd = Double.infinity
                if prev >= 0 {
                    best = prev
                    bd = dist2(a, prev)
                }
                if d == 2 {
                    // Eight candidates at a time on separate x / y columns; the same value per candidate
                    // as the scalar loop, and the first of equal minima, so the same choice.
                    let (t, dt) = plane.nearest(to: a, among: active)
                    if t >= 0 && dt < bd {
                        bd = dt
                        best = t
                    }
                } else {
                    cent.withUnsafeBufferPointer { cp in
                        size.withUnsafeBufferPointer { sp in
                            let c = cp.baseAddress!
                            let w = sp.baseAddress!
                            let sa = w[a]
                            for t in 0..<active where t != a {
                                var q = 0.0
                                for k in 0..<d {
                                    let v = c[a * d + k] - c[t * d + k]
                                    q += v * v
                                }
                                let dd = 2 * sa * w[t] / (sa + w[t]) * q
                                if dd < bd {
                                    bd = dd
                                    best = t
                                }
                            }
                        }
                    }
                }
                if best == prev {
                    // Reciprocal nearest neighbours: merge them.
                    chain.removeLast(2)
                    let s = min(a, best)
                    let t = max(a, best)
                    let ws = size[s]
                    let wt = size[t]
                    raw.append(Merge(a: id[s], b: id[t], height: bd.squareRoot(), size: ws + wt))
                    for k in 0..<d {
                        cent[s * d + k] = (ws * cent[s * d + k] + wt * cent[t * d + k]) / (ws + wt)
                    }
                    size[s] = ws + wt
                    if d == 2 { plane.set(s, x: cent[2 * s], y: cent[2 * s + 1], size: ws + wt) }
                    id[s] = nextID
                    nextID += 1
                    // Move the last active slot into t.
                    let last = active - 1
                    if t != last {
                        for k in 0..<d { cent[t * d + k] = cent[last * d + k] }
                        size[t] = size[last]
                        if d == 2 { plane.set(t, x: cent[2 * t], y: cent[2 * t + 1], size: size[t]) }
                        id[t] = id[last]
                        for i in 0..<chain.count where chain[i] == last { chain[i] = t }
                    }
                    if d == 2 { plane.remove(last) }
                    active -= 1
                    merged = true
                } else {
                    chain.append(best)
                }
            }
        }
        return relabel(raw, n: n)
    }

    /// Orders merges by height (stable) and renumbers clusters as SciPy does: merge i makes id n + i.
    static func relabel(_ raw: [Merge], n: Int) -> [Merge] {
        let order = raw.indices.sorted { (raw[$0].height, $0) < (raw[$1].height, $1) }
        // Union-find over original ids to name each merge's sides by their current cluster.
        var sets = UnionFind(2 * n)
        // Each raw id (n + j) stands for the union of its leaves; track one leaf per raw id.
        var leaf = [Int](repeating: 0, count: 2 * n)
        for i in 0..<n { leaf[i] = i }
        for (j, m) in raw.enumerated() { leaf[n + j] = leaf[m.a] }
        var out: [Merge] = []
        out.reserveCapacity(raw.count)
        var name = Array(0..<(2 * n))  // root → SciPy cluster id
        for (i, j) in order.enumerated() {
            let m = raw[j]
            let ra = sets.find(leaf[m.a])
            let rb = sets.find(leaf[m.b])
            let na = name[ra]
            let nb = name[rb]
            out.append(Merge(a: min(na, nb), b: max(na, nb), height: m.height, size: m.size))
            sets.union(ra, rb)
            name[sets.find(ra)] = n + i
        }
        return out
    }

    /// Flat labels 0..<k from the tree: undo the last k − 1 merges. Labels are numbered by the lowest
    /// row index in each cluster.
    public static func cut(_ merges: [Merge], n: Int, clusters k: Int) -> [Int32] {
        let keep = max(0, n - max(1, min(k, n)))
        var sets = UnionFind(n)
        var leaf = [Int](repeating: 0, count: 2 * n)
        for i in 0..<n { leaf[i] = i }
        for (i, m) in merges.enumerated() {
            leaf[n + i] = leaf[m.a]
            if i < keep { sets.union(leaf[m.a], leaf[m.b]) }
        }
        var labels = [Int32](repeating: -1, count: n)
        var next: Int32 = 0
        var byRoot = [Int: Int32]()
        for i in 0..<n {
            let r = sets.find(i)
            if let l = byRoot[r] {
                labels[i] = l
            } else {
                byRoot[r] = next
                labels[i] = next
                next += 1
            }
        }
        return labels
    }
}

/// Ward's active clusters in the plane as x, y and size columns, padded by 8, for the vector search.
private struct PlaneColumns {
    var x: [Double]
    var y: [Double]
    var size: [Double]

    init(centroids: [Double], sizes: [Double]) {
        let n = centroids.count / 2
        x = [Double](repeating: .infinity, count: n + 8)
        y = [Double](repeating: 0, count: n + 8)
        size = [Double](repeating: 1, count: n + 8)
        for i in 0..<n {
            x[i] = centroids[2 * i]
            y[i] = centroids[2 * i + 1]
            size[i] = sizes[i]
        }
    }

    mutating func set(_ i: Int, x: Double, y: Double, size: Double) {
        self.x[i] = x
        self.y[i] = y
        self.size[i] = size
    }

    /// Marks slot `i` as gone (an infinite distance to everything).
    mutating func remove(_ i: Int) { x[i] = .infinity }

    /// The active cluster (slot < `active`, not `a`) with the smallest Ward distance² to `a`, the
    /// lowest slot among equals, and that distance² (−1 and ∞ when there is none). Slots past the
    /// active ones hold x = ∞, so their lanes come out infinite without a mask; `a` is hidden the same
    /// way while searching.
    mutating func nearest(to a: Int, among active: Int) -> (Int, Double) {
        let (ax, ay, sa) = (x[a], y[a], size[a])
        x[a] = .infinity
        defer { x[a] = ax }
        return x.withUnsafeBufferPointer { xp in
            y.withUnsafeBufferPointer { yp in
                size.withUnsafeBufferPointer { sp in
                    let (xs, ys, ws) = (xp.baseAddress!, yp.baseAddress!, sp.baseAddress!)
                    var best = SIMD8<Double>(repeating: .infinity)
                    var bestSlot = SIMD8<Double>(repeating: -1)
                    var slot = SIMD8<Double>(0, 1, 2, 3, 4, 5, 6, 7)
                    var t = 0
                    while t < active {
                        let dx = UnsafeRawPointer(xs + t).loadUnaligned(as: SIMD8<Double>.self) - ax
                        let dy = UnsafeRawPointer(ys + t).loadUnaligned(as: SIMD8<Double>.self) - ay
                        let w = UnsafeRawPointer(ws + t).loadUnaligned(as: SIMD8<Double>.self)
                        let dd = 2 * sa * w / (sa + w) * (dx * dx + dy * dy)
                        let better = dd .< best
                        best.replace(with: dd, where: better)
                        bestSlot.replace(with: slot, where: better)
                        slot += 8
                        t += 8
                    }
                    var (found, value) = (-1, Double.infinity)
                    for l in 0..<8 where bestSlot[l] >= 0 {
                        let s = Int(bestSlot[l])
                        if best[l] < value || (best[l] == value && s < found) { (found, value) = (s, best[l]) }
                    }
                    return (found, value)
                }
            }
        }
    }
}
