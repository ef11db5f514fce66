/// HDBSCAN result: labels (−1 noise), each cluster's stability and the hierarchy's size.
public struct HDBSCANResult: Sendable, Equatable {
    public var labels: [Int32]
    public var clusterCount: Int
    /// Excess of mass of each selected cluster, in label order (Campello et al.'s stability, 1/metres).
    public var stabilities: [Double]
    public var noiseCount: Int { labels.reduce(0) { $0 + ($1 < 0 ? 1 : 0) } }
}

/// HDBSCAN in the plane (Campello, Moulavi & Sander 2013) as `sklearn.cluster.HDBSCAN` computes it with
/// its defaults (Euclidean metric, alpha 1, excess-of-mass selection, no single cluster, epsilon 0):
/// core distances to the `minSamples`-th neighbour (the point itself first), the minimum spanning tree of
/// mutual reachability, its single-linkage hierarchy condensed at `minClusterSize`, and the most stable
/// clusters. Where DBSCAN needs one density for the whole city, HDBSCAN keeps a zone wherever it stands
/// out from its surroundings, which is what lets it run unchanged on a month or on twenty years.
public struct HDBSCAN: Sendable {
    public var minClusterSize: Int
    public var minSamples: Int

    public init(minClusterSize: Int, minSamples: Int? = nil) {
        self.minClusterSize = max(2, minClusterSize)
        self.minSamples = max(1, minSamples ?? minClusterSize)
    }

    public func fit(_ pts: [SIMD2<Double>]) -> HDBSCANResult {
        let n = pts.count
        guard n > 1 else {
            return HDBSCANResult(labels: [Int32](repeating: -1, count: n), clusterCount: 0, stabilities: [])
        }
        let grid = PointGrid(pts, perCell: Double(min(max(minSamples, 8), n)))
        let (core2, near) = grid.kthNearestSquared(minSamples, keep: Self.kept)
        let mst = Self.boruvka(grid, core2: core2, neighbours: near)
        let order = mst.weight.indices.sorted { (mst.weight[$0], $0) < (mst.weight[$1], $1) }
        let tree = Linkage(n: n, edges: order.map { (mst.from[$0], mst.to[$0], mst.weight[$0]) })
        let condensed = Condensed(tree, minClusterSize: minClusterSize)
        return condensed.excessOfMass()
    }

    /// Nearest neighbours kept per point for Borůvka's first guesses.
    static let kept = 8

    /// An edge's place in the one total order every step agrees on: weight (squared), then endpoints.
    struct EdgeKey: Comparable, Sendable {
        var w: Double
        var lo: Int32
        var hi: Int32
        static let none = EdgeKey(w: .infinity, lo: .max, hi: .max)
        init(w: Double, lo: Int32, hi: Int32) {
            self.w = w
            self.lo = lo
            self.hi = hi
        }
        init(_ a: Int, _ b: Int, _ w: Double) {
            self.w = w
            lo = Int32(min(a, b))
            hi = Int32(max(a, b))
        }
        static func < (a: EdgeKey, b: EdgeKey) -> Bool { (a.w, a.lo, a.hi) < (b.w, b.lo, b.hi) }
    }

    /// The minimum spanning tree of mutual reachability by Borůvka's rounds on the grid: each round every
    /// component takes its lightest edge out. A point's guess comes from its nearest neighbours; its
    /// component's best guess then bounds the ring search, and a point whose core distance already
    /// exceeds that bound is skipped (every edge of it weighs at least its core distance). The same
    /// tree as Prim's on the complete graph (tested), in a small fraction of the distance evaluations.
    static func boruvka(_ grid: PointGrid, core2: [Double], neighbours: [Int32]) -> (
        from: [Int32], to: [Int32], weight: [Double]
    ) {
        let pts = grid.points
        let n = pts.count
        var uf = UnionFind(n)
        var comp = (0..<n).map(Int32.init)
        var from: [Int32] = []
        var to: [Int32] = []
        var weight: [Double] = []
        var bestOf = [EdgeKey](repeating: .none, count: n)
        var bound = [Double](repeating: .infinity, count: n)
        while from.count < n - 1 {
            // Guesses from the nearest neighbours, and each component's bound.
            eachPoint(&bestOf, comp: comp, parts: workerCount * 4, minimum: 4096) { a, c, _ in
                var best = EdgeKey.none
                for t in 0..<kept {
                    let j = Int(neighbours[a * kept + t])
                    guard j >= 0 else { break }
                    guard c[j] != c[a] else { continue }
                    let d = pts[j] - pts[a]
                    let e = EdgeKey(a, j, max((d * d).sum(), core2[a], core2[j]))
                    if e < best { best = e }
                }
                return best
            }
            for i in 0..<n { bound[i] = .infinity }
            for a in 0..<n { bound[Int(comp[a])] = min(bound[Int(comp[a])], bestOf[a].w) }
            // Exact answers for the points that can still beat their component's bound.
            eachPoint(&bestOf, comp: comp, parts: workerCount * 8, minimum: 1024) { a, c, guess in
                let ca = c[a]
                let limit = bound[Int(ca)]
                guard core2[a] <= limit else { return guess }
                var best = guess
                grid.searchRings(
                    around: pts[a], done: { g in g > min(best.w, limit) },
                    visit: { j, d2 in
                        guard c[j] != ca else { return }
                        let w = max(d2, core2[a], core2[j])
                        guard w <= best.w else { return }
                        let e = EdgeKey(a, j, w)
                        if e < best { best = e }
                    })
                return best
            }
            // Each component's lightest edge joins the tree (one edge chosen by both ends counts once).
            var chosen = [Int32: EdgeKey]()
            for a in 0..<n where bestOf[a].w.isFinite {
                let c = comp[a]
                if let e = chosen[c], !(bestOf[a] < e) { continue }
                chosen[c] = bestOf[a]
            }
            guard !chosen.isEmpty else { break }
            for e in chosen.values.sorted() where uf.union(Int(e.lo), Int(e.hi)) {
                from.append(e.lo)
                to.append(e.hi)
                weight.append(e.w.squareRoot())
            }
            for i in 0..<n { comp[i] = Int32(uf.find(i)) }
        }
        return (from, to, weight)
    }

    /// `best[a] = body(a, comp, best[a])` for every point, on all cores in `parts` parts: each part writes
    /// only its own points' entries and reads the components, which no part changes.
    private static func eachPoint(
        _ best: inout [EdgeKey], comp: [Int32], parts: Int, minimum: Int,
        _ body: (Int, UnsafeBufferPointer<Int32>, EdgeKey) -> EdgeKey
    ) {
        comp.withUnsafeBufferPointer { cb in
            best.withUnsafeMutableBufferPointer { bb in
                let (c, b) = (UncheckedSendable(cb), UncheckedSendable(bb))
                parallelRanges(bb.count, parts: parts, minimum: minimum) { range, _ in
                    for a in range { b.value[a] = body(a, c.value, b.value[a]) }
                }
            }
        }
    }
}

/// The single-linkage hierarchy of a spanning tree in SciPy's layout: merge i joins `left[i]` and
/// `right[i]` (points are 0..<n, merges n + i) at `distance[i]` into `size[i]` points.
struct Linkage {
    let n: Int
    var left: [Int32]
    var right: [Int32]
    var distance: [Double]
    var size: [Int32]

    /// `edges` in increasing weight.
    init(n: Int, edges: [(Int32, Int32, Double)]) {
        self.n = n
        var parent = (0..<(2 * n - 1)).map(Int32.init)
        var sizes = [Int32](repeating: 1, count: 2 * n - 1)
        func find(_ a: Int32) -> Int32 {
            var r = a
            while parent[Int(r)] != r { r = parent[Int(r)] }
            var a = a
            while parent[Int(a)] != r {
                let next = parent[Int(a)]
                parent[Int(a)] = r
                a = next
            }
            return r
        }
        left = []
        right = []
        distance = []
        size = []
        for (i, e) in edges.enumerated() {
            let a = find(e.0)
            let b = find(e.1)
            let merged = Int32(n + i)
            left.append(a)
            right.append(b)
            distance.append(e.2)
            sizes[Int(merged)] = sizes[Int(a)] + sizes[Int(b)]
            size.append(sizes[Int(merged)])
            parent[Int(a)] = merged
            parent[Int(b)] = merged
        }
    }

    func count(_ node: Int32) -> Int { node >= n ? Int(size[Int(node) - n]) : 1 }

    /// Nodes under `root` breadth first, as scikit-learn's `bfs_from_hierarchy` lists them.
    func breadthFirst(_ root: Int32) -> [Int32] {
        var out: [Int32] = [root]
        var k = 0
        while k < out.count {
            let v = out[k]
            if v >= n {
                out.append(left[Int(v) - n])
                out.append(right[Int(v) - n])
            }
            k += 1
        }
        // scikit-learn's levels come out in the same order as this queue.
        return out
    }
}

/// The condensed tree: every hierarchy split where both sides hold `minClusterSize` points makes two
/// new clusters; a smaller side's points leave their cluster at that split's λ = 1 / distance.
struct Condensed {
    var parent: [Int32] = []
    var child: [Int32] = []
    var lambda: [Double] = []
    var childSize: [Int32] = []
    let n: Int

    init(_ h: Linkage, minClusterSize mcs: Int) {
        n = h.n
        let root = Int32(2 * h.n - 2)
        var relabel = [Int32](repeating: 0, count: 2 * h.n - 1)
        var ignore = [Bool](repeating: false, count: 2 * h.n - 1)
        relabel[Int(root)] = Int32(h.n)
        var next = Int32(h.n + 1)
        for node in h.breadthFirst(root) where node >= h.n && !ignore[Int(node)] {
            let i = Int(node) - h.n
            let (l, r, d) = (h.left[i], h.right[i], h.distance[i])
            let lam = d > 0 ? 1 / d : Double.infinity
            let (lc, rc) = (h.count(l), h.count(r))
            let p = relabel[Int(node)]
            func leave(_ side: Int32) {
                for s in h.breadthFirst(side) {
                    if s < h.n { append(p, s, lam, 1) }
                    ignore[Int(s)] = true
                }
            }
            if lc >= mcs && rc >= mcs {
                relabel[Int(l)] = next
                append(p, next, lam, lc)
                next += 1
                relabel[Int(r)] = next
                append(p, next, lam, rc)
                next += 1
            } else if lc < mcs && rc < mcs {
                leave(l)
                leave(r)
            } else if lc < mcs {
                relabel[Int(r)] = p
                leave(l)
            } else {
                relabel[Int(l)] = p
                leave(r)
            }
        }
    }

    private mutating func append(_ p: Int32, _ c: Int32, _ l: Double, _ s: Int) {
        parent.append(p)
        child.append(c)
        lambda.append(l)
        childSize.append(Int32(s))
    }

    /// Excess-of-mass selection and labelling, as scikit-learn's `_get_clusters` and `_do_labelling`.
    func excessOfMass() -> HDBSCANResult {
        let root = n
        let clusters = (parent.max().map(Int.init) ?? root) - root + 1
        // Stability: Σ over a cluster's children of (λ leaving − λ born) × size.
        var birth = [Double](repeating: 0, count: clusters)
        for e in parent.indices where child[e] >= n { birth[Int(child[e]) - root] = lambda[e] }
        birth[0] = 0
        var stability = [Double](repeating: 0, count: clusters)
        for e in parent.indices {
            let c = Int(parent[e]) - root
            stability[c] += (lambda[e] - birth[c]) * Double(childSize[e])
        }
        let own = stability
        var childClusters = [[Int]](repeating: [], count: clusters)
        for e in parent.indices where childSize[e] > 1 {
            childClusters[Int(parent[e]) - root].append(Int(child[e]) - root)
        }
        // Bottom-up (children are numbered after their parents); the root is never a cluster.
        var selected = [Bool](repeating: false, count: clusters)
        for c in stride(from: clusters - 1, through: 1, by: -1) {
            selected[c] = true
            let subtree = childClusters[c].reduce(0.0) { $0 + stability[$1] }
            if subtree > stability[c] {
                selected[c] = false
                stability[c] = subtree
            } else {
                var queue = childClusters[c]
                while let d = queue.popLast() {
                    selected[d] = false
                    queue += childClusters[d]
                }
            }
        }
        // A point belongs to the selected cluster it fell out of, directly or through unselected ones.
        var label = [Int32](repeating: -1, count: clusters)
        var stabilities: [Double] = []
        for c in 0..<clusters where selected[c] {
            label[c] = Int32(stabilities.count)
            stabilities.append(own[c])
        }
        var owner = [Int32](repeating: -1, count: clusters)  // nearest selected ancestor-or-self
        for e in parent.indices where child[e] >= n {
            let c = Int(child[e]) - root
            owner[c] = selected[c] ? Int32(c) : owner[Int(parent[e]) - root]
        }
        var labels = [Int32](repeating: -1, count: n)
        for e in parent.indices where child[e] < n {
            let o = owner[Int(parent[e]) - root]
            labels[Int(child[e])] = o >= 0 ? label[Int(o)] : -1
        }
        return HDBSCANResult(labels: labels, clusterCount: stabilities.count, stabilities: stabilities)
    }
}
