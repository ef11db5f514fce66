/// DBSCAN result: labels (−1 noise) and which rows are core points.
public struct DBSCANResult: Sendable, Equatable {
    public var labels: [Int32]
    public var isCore: [Bool]
    public var clusterCount: Int
    public var noiseCount: Int { labels.reduce(0) { $0 + ($1 < 0 ? 1 : 0) } }
}

/// Grid DBSCAN in the plane (after Gunawan): cells of side eps/√2, so a cell's points are all within
/// eps of each other; neighbours lie in the 5 × 5 block of cells around a point.
///
/// It gives scikit-learn's answer exactly: a point is core when at least `minSamples` points
/// (itself included) lie within distance ≤ eps; clusters are the connected components of core points,
/// numbered by their lowest row index; a border point joins the lowest-numbered cluster among its core
/// neighbours (the cluster whose expansion reaches it first in scikit-learn's order).
public struct DBSCAN: Sendable {
    public var eps: Double
    public var minSamples: Int

    public init(eps: Double, minSamples: Int) {
        self.eps = eps
        self.minSamples = minSamples
    }

    /// The factor over the mean density that makes a neighbourhood dense, for `scaledMinSamples`.
    public static let densityFactor = 2.0

    /// A `minSamples` that scales with the data: the points a disc of radius eps holds at twice their mean
    /// density over the area they occupy (cells of side eps with at least one point), at least 5.
    ///
    /// A fixed count that fits one year of a city merges the whole city when run on twenty years (16×
    /// the points, about the same area); twice the mean density means the same thing for any span.
    public static func scaledMinSamples(_ pts: [SIMD2<Double>], eps: Double) -> Int {
        guard !pts.isEmpty, eps > 0 else { return 5 }
        var cells = Set<SIMD2<Int64>>()
        for p in pts { cells.insert(SIMD2(Int64((p.x / eps).rounded(.down)), Int64((p.y / eps).rounded(.down)))) }
        let area = Double(cells.count) * eps * eps
        let disc = Double.pi * eps * eps
        return max(5, Int((densityFactor * Double(pts.count) * disc / area).rounded()))
    }

    public func fit(_ pts: [SIMD2<Double>]) -> DBSCANResult {
        let n = pts.count
        guard n > 0 else { return DBSCANResult(labels: [], isCore: [], clusterCount: 0) }
        let side = eps / 2.0.squareRoot()
        let eps2 = eps * eps
        var minX = Double.infinity
        var minY = Double.infinity
        var maxX = -Double.infinity
        var maxY = -Double.infinity
        for p in pts {
            minX = min(minX, p.x)
            minY = min(minY, p.y)
            maxX = max(maxX, p.x)
            maxY = max(maxY, p.y)
        }
        let cols = Int(((maxX - minX) / side).rounded(.down)) + 1
        let rows = Int(((maxY - minY) / side).rounded(.down)) + 1
        // Cells as a sorted list (counting sort by cell id): members of cell c are order[start[c]..<start[c+1]].
        func cellOf(_ p: SIMD2<Double>) -> (Int, Int) {
            (min(Int((p.x - minX) / side), cols - 1), min(Int((p.y - minY) / side), rows - 1))
        }
        var cellKey = [Int](repeating: 0, count: n)
        var keys = [Int]()
        var slot = [Int: Int]()  // cell id (row * cols + col) → dense index
        for i in 0..<n {
            let (cx, cy) = cellOf(pts[i])
            let id = cy * cols + cx
            if let s = slot[id] {
                cellKey[i] = s
            } else {
                slot[id] = keys.count
                cellKey[i] = keys.count
                keys.append(id)
            }
        }
        let m = keys.count
        var start = [Int](repeating: 0, count: m + 1)
        for i in 0..<n { start[cellKey[i] + 1] += 1 }
        for c in 0..<m { start[c + 1] += start[c] }
        var fill = start
        var order = [Int](repeating: 0, count: n)
        for i in 0..<n {
            order[fill[cellKey[i]]] = i
            fill[cellKey[i]] += 1
        }
        // Neighbour cells (5 × 5 block) of every non-empty cell.
        var neighbours = [[Int]](repeating: [], count: m)
        for c in 0..<m {
            let cx = keys[c] % cols
            let cy = keys[c] / cols
            for dy in -2...2 {
                for dx in -2...2 {
                    let x = cx + dx
                    let y = cy + dy
                    guard x >= 0, y >= 0, x < cols, y < rows, let s = slot[y * cols + x] else { continue }
                    neighbours[c].append(s)
                }
            }
        }
        /// Squared distances from p to the nearest and the farthest point of cell c's square.
        func reach(_ p: SIMD2<Double>, _ c: Int) -> (near: Double, far: Double) {
            squareReach(p, SIMD2(minX + Double(keys[c] % cols) * side, minY + Double(keys[c] / cols) * side), side)
        }
        // Core points: a cell holding ≥ minSamples points makes all of them core at once; a cell whose
        // neighbourhood holds fewer has none; the rest count their neighbours on a finer grid.
        var isCore = [Bool](repeating: false, count: n)
        // Up to a few dozen neighbours, counting point by point stops early enough; above, the finer
        // grid decides most points from its bounds alone.
        let fine =
            minSamples > 64
            ? NeighbourCounter(pts, origin: SIMD2(minX, minY), extent: SIMD2(maxX, maxY), eps: eps) : nil
        isCore.withUnsafeMutableBufferPointer { cp in
            let C = cp.baseAddress!
            // Many parts: dense cells sit together in the cell order, so a few parts would not balance.
            parallelRanges(m, parts: 64 * workerCount, minimum: 64) { range, _ in
                var partial: [Int] = []
                for c in range {
                    let size = start[c + 1] - start[c]
                    if size >= minSamples {
                        for t in start[c]..<start[c + 1] { C[order[t]] = true }
                        continue
                    }
                    if neighbours[c].reduce(0, { $0 + start[$1 + 1] - start[$1] }) < minSamples { continue }
                    for t in start[c]..<start[c + 1] {
                        let i = order[t]
                        let p = pts[i]
                        if let fine {
                            C[i] = fine.hasAtLeast(minSamples, within: p, scratch: &partial)
                            continue
                        }
                        var count = 0
                        search: for nc in neighbours[c] where reach(p, nc).near <= eps2 {
                            for u in start[nc]..<start[nc + 1] {
                                let d = pts[order[u]] - p
                                if (d * d).sum() <= eps2 {
                                    count += 1
                                    if count >= minSamples { break search }
                                }
                            }
                        }
                        C[i] = count >= minSamples
                    }
                }
            }
        }
        // Union-find over cells that hold core points: core points of one cell are within eps.
        var sets = UnionFind(m)
        var cores = [[Int]](repeating: [], count: m)
        for c in 0..<m {
            for t in start[c]..<start[c + 1] where isCore[order[t]] { cores[c].append(order[t]) }
        }
        for c in 0..<m where !cores[c].isEmpty {
            for nc in neighbours[c] where nc > c && !cores[nc].isEmpty {
                let ra = sets.find(c)
                let rb = sets.find(nc)
                if ra == rb { continue }
                // Any core pair within eps joins the two cells.
                var linked = false
                outer: for i in cores[c] {
                    let p = pts[i]
                    for j in cores[nc] {
                        let q = pts[j]
                        let dx = p.x - q.x
                        let dy = p.y - q.y
                        if dx * dx + dy * dy <= eps2 {
                            linked = true
                            break outer
                        }
                    }
                }
                if linked { sets.union(ra, rb) }
            }
        }
        // Number clusters by their lowest core row index.
        var labels = [Int32](repeating: -1, count: n)
        var clusterOfRoot = [Int: Int32]()
        var next: Int32 = 0
        for i in 0..<n where isCore[i] {
            let r = sets.find(cellKey[i])
            if let l = clusterOfRoot[r] {
                labels[i] = l
            } else {
                clusterOfRoot[r] = next
                labels[i] = next
                next += 1
            }
        }
        // Border points: the lowest cluster label among core neighbours within eps.
        for c in 0..<m {
            for t in start[c]..<start[c + 1] {
                let i = order[t]
                if isCore[i] { continue }
                let p = pts[i]
                var best = Int32.max
                // The core points of one cell are within eps of each other, so they share a cluster:
                // a cell only needs one core point within eps, and none when its cluster is no lower.
                for nc in neighbours[c] {
                    guard let first = cores[nc].first, labels[first] < best, reach(p, nc).near <= eps2 else {
                        continue
                    }
                    for j in cores[nc] {
                        let q = pts[j]
                        let dx = p.x - q.x
                        let dy = p.y - q.y
                        if dx * dx + dy * dy <= eps2 {
                            best = labels[first]
                            break
                        }
                    }
                }
                if best != Int32.max { labels[i] = best }
            }
        }
        return DBSCANResult(labels: labels, isCore: isCore, clusterCount: Int(next))
    }
}

/// Counts of points in squares of side eps / 4, for deciding whether a point has at least m neighbours
/// within eps: squares wholly inside the disc count whole, squares wholly outside not at all, and only
/// when those bounds leave the answer open are the points of the straddling squares measured.
private struct NeighbourCounter {
    let points: [SIMD2<Double>]
    let origin: SIMD2<Double>
    let side: Double
    let eps2: Double
    let cols: Int
    let rows: Int
    /// Points of square q are order[start[q]..<start[q + 1]].
    let start: [Int32]
    let order: [Int32]
    /// Squares either side of p's that the disc can reach.
    let reach: Int

    init(_ points: [SIMD2<Double>], origin: SIMD2<Double>, extent: SIMD2<Double>, eps: Double) {
        self.points = points
        self.origin = origin
        // eps / 4, or coarser over a vast extent so the table stays within 16 M squares.
        let size = extent - origin
        side = max(eps / 4, ((size.x + eps) * (size.y + eps) / 16e6).squareRoot())
        reach = Int((eps / side).rounded(.up)) + 1
        eps2 = eps * eps
        cols = Int(((extent.x - origin.x) / side).rounded(.down)) + 1
        rows = Int(((extent.y - origin.y) / side).rounded(.down)) + 1
        var start = [Int32](repeating: 0, count: cols * rows + 1)
        var square = [Int](repeating: 0, count: points.count)
        for (i, p) in points.enumerated() {
            let q = Int(((p.y - origin.y) / side).rounded(.down)) * cols + Int(((p.x - origin.x) / side).rounded(.down))
            square[i] = q
            start[q + 1] += 1
        }
        for q in 0..<(cols * rows) { start[q + 1] += start[q] }
        var fill = start
        var order = [Int32](repeating: 0, count: points.count)
        for i in points.indices {
            order[Int(fill[square[i]])] = Int32(i)
            fill[square[i]] += 1
        }
        self.start = start
        self.order = order
    }

    /// Whether at least `m` points (p itself included) lie within eps of p. `scratch` is reused.
    func hasAtLeast(_ m: Int, within p: SIMD2<Double>, scratch partial: inout [Int]) -> Bool {
        let fx = Int(((p.x - origin.x) / side).rounded(.down))
        let fy = Int(((p.y - origin.y) / side).rounded(.down))
        var lower = 0
        var upper = 0
        partial.removeAll(keepingCapacity: true)
        // A margin keeps squares whose border lies at eps to within rounding among the measured ones.
        let inside = eps2 * (1 - 1e-9)
        let outside = eps2 * (1 + 1e-9)
        for y in max(0, fy - reach)...min(rows - 1, fy + reach) {
            for x in max(0, fx - reach)...min(cols - 1, fx + reach) {
                let q = y * cols + x
                let count = Int(start[q + 1] - start[q])
                if count == 0 { continue }
                let (near, far) = squareReach(p, origin + SIMD2(Double(x), Double(y)) * side, side)
                if near > outside { continue }
                upper += count
                if far <= inside { lower += count } else { partial.append(q) }
            }
        }
        if lower >= m { return true }
        if upper < m { return false }
        var count = lower
        for q in partial {
            for u in Int(start[q])..<Int(start[q + 1]) {
                let d = points[Int(order[u])] - p
                if (d * d).sum() <= eps2 {
                    count += 1
                    if count >= m { return true }
                }
            }
        }
        return false
    }
}

/// Squared distances from p to the nearest and to the farthest point of the square at `lo` with `side`.
@inline(__always)
private func squareReach(_ p: SIMD2<Double>, _ lo: SIMD2<Double>, _ side: Double) -> (near: Double, far: Double) {
    let hi = lo + side
    let near = pointwiseMax(pointwiseMax(lo - p, p - hi), .zero)
    let far = pointwiseMax(p - lo, hi - p)
    return ((near * near).sum(), (far * far).sum())
}
