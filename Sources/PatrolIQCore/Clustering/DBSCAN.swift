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
        let cell = { (p: SIMD2<Double>) in SIMD2(Int64((p.x / eps).rounded(.down)), Int64((p.y / eps).rounded(.down))) }
        var lo = cell(pts[0])
        var hi = lo
        for p in pts {
            let c = cell(p)
            lo = pointwiseMin(lo, c)
            hi = pointwiseMax(hi, c)
        }
        let span = hi &- lo &+ 1
        var occupied = 0
        if span.x <= 1 << 16, span.y <= 1 << 16, span.x * span.y <= 1 << 28 {
            // A city's extent: one bit per cell (8 M incidents counted in a pass, no hashing).
            let cols = Int(span.x)
            var bits = [UInt64](repeating: 0, count: (cols * Int(span.y) + 63) / 64)
            for p in pts {
                let c = cell(p) &- lo
                let k = Int(c.y) * cols + Int(c.x)
                let mask = UInt64(1) << UInt64(k & 63)
                if bits[k >> 6] & mask == 0 {
                    bits[k >> 6] |= mask
                    occupied += 1
                }
            }
        } else {
            var cells = Set<SIMD2<Int64>>()
            for p in pts { cells.insert(cell(p)) }
            occupied = cells.count
        }
        let area = Double(occupied) * eps * eps
        let disc = Double.pi * eps * eps
        return max(5, Int((densityFactor * Double(pts.count) * disc / area).rounded()))
    }

    public func fit(_ pts: [SIMD2<Double>]) -> DBSCANResult {
        let n = pts.count
        guard n > 0 else { return DBSCANResult(labels: [], isCore: [], clusterCount: 0) }
        let side = eps / 2.0.squareRoot()
        let eps2 = eps * eps
        let (lo, hi) = boundingBox(pts)
        let (minX, minY, maxX, maxY) = (lo.x, lo.y, hi.x, hi.y)
        let cols = Int(((maxX - minX) / side).rounded(.down)) + 1
        let rows = Int(((maxY - minY) / side).rounded(.down)) + 1
        // Cells as a sorted list (counting sort by cell id): members of cell c are order[start[c]..<start[c+1]].
        func cellOf(_ p: SIMD2<Double>) -> (Int, Int) {
            (min(Int((p.x - minX) / side), cols - 1), min(Int((p.y - minY) / side), rows - 1))
        }
        // Point and cell numbers in 32 bits: half the memory of these per-point tables (8 M points: 95 MB
        // less at the run's peak).
        precondition(n < Int(Int32.max), "DBSCAN numbers points in 32 bits")
        var cellKey = [Int32](repeating: 0, count: n)
        var keys = [Int]()
        var slot = CellIndex(cells: cols.multipliedReportingOverflow(by: rows))  // cell id (row * cols + col) → dense index
        for i in 0..<n {
            let (cx, cy) = cellOf(pts[i])
            let id = cy * cols + cx
            if let s = slot[id] {
                cellKey[i] = Int32(s)
            } else {
                slot[id] = keys.count
                cellKey[i] = Int32(keys.count)
                keys.append(id)
            }
        }
        let m = keys.count
        var start = [Int](repeating: 0, count: m + 1)
        for i in 0..<n { start[Int(cellKey[i]) + 1] += 1 }
        for c in 0..<m { start[c + 1] += start[c] }
        var fill = start
        var order = [Int32](repeating: 0, count: n)
        for i in 0..<n {
            let c = Int(cellKey[i])
            order[fill[c]] = Int32(i)
            fill[c] += 1
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
        // grid counts whole runs of squares at once.
        let fine: NeighbourCounter? =
            minSamples > 64
            ? NeighbourCounter(
                pts, origin: SIMD2(minX, minY), extent: SIMD2(maxX, maxY), eps: eps) : nil
        isCore.withUnsafeMutableBufferPointer { cp in
            let C = cp.baseAddress!
            // Many parts: dense cells sit together in the cell order, so a few parts would not balance.
            parallelRanges(m, parts: 64 * workerCount, minimum: 64) { range, _ in
                var partial: [Int] = []
                for c in range {
                    let size = start[c + 1] - start[c]
                    if size >= minSamples {
                        for t in start[c]..<start[c + 1] { C[Int(order[t])] = true }
                        continue
                    }
                    if neighbours[c].reduce(0, { $0 + start[$1 + 1] - start[$1] }) < minSamples { continue }
                    for t in start[c]..<start[c + 1] {
                        let i = Int(order[t])
                        let p = pts[i]
                        if let fine {
                            C[i] = fine.hasAtLeast(minSamples, within: p, scratch: &partial)
                            continue
                        }
                        var count = 0
                        search: for nc in neighbours[c] where reach(p, nc).near <= eps2 * (1 + 1e-9) {
                            for u in start[nc]..<start[nc + 1] {
                                let d = pts[Int(order[u])] - p
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
        var cores = [[Int32]](repeating: [], count: m)
        for c in 0..<m {
            for t in start[c]..<start[c + 1] where isCore[Int(order[t])] { cores[c].append(order[t]) }
        }
        // Adjacent cells first: their cores are nearly always linked, so by the time the cells two apart
        // come, most pairs already share a set and are not measured at all.
        for adjacentPass in [true, false] {
            for c in 0..<m where !cores[c].isEmpty {
                let (cx, cy) = (keys[c] % cols, keys[c] / cols)
                for nc in neighbours[c] where nc > c && !cores[nc].isEmpty {
                    let adjacent = abs(keys[nc] % cols - cx) <= 1 && abs(keys[nc] / cols - cy) <= 1
                    guard adjacent == adjacentPass else { continue }
                    let ra = sets.find(c)
                    let rb = sets.find(nc)
                    if ra == rb { continue }
                    // Any core pair within eps joins the two cells; a core whose whole neighbour cell is within
                    // eps links at once, one with none of it within eps is skipped.
                    var linked = false
                    outer: for i in cores[c] {
                        let p = pts[Int(i)]
                        let r = reach(p, nc)
                        if r.near > eps2 * (1 + 1e-9) { continue }
                        if r.far <= eps2 * (1 - 1e-9) {
                            linked = true
                            break
                        }
                        for j in cores[nc] {
                            let d = pts[Int(j)] - p
                            if (d * d).sum() <= eps2 {
                                linked = true
                                break outer
                            }
                        }
                    }
                    if linked { sets.union(ra, rb) }
                }
            }
        }
        // Number clusters by their lowest core row index.
        var labels = [Int32](repeating: -1, count: n)
        var clusterOfRoot = [Int: Int32]()
        var next: Int32 = 0
        for i in 0..<n where isCore[i] {
            let r = sets.find(Int(cellKey[i]))
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
                let i = Int(order[t])
                if isCore[i] { continue }
                let p = pts[i]
                var best = Int32.max
                // The core points of one cell are within eps of each other, so they share a cluster:
                // a cell only needs one core point within eps, and none when its cluster is no lower.
                for nc in neighbours[c] {
                    guard let first = cores[nc].first.map(Int.init), labels[first] < best,
                        reach(p, nc).near <= eps2 * (1 + 1e-9)
                    else {
                        continue
                    }
                    for j in cores[nc] {
                        let q = pts[Int(j)]
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

/// The dense index of each occupied cell id: a table over the grid when it is a city's size (8 M lookups
/// without hashing), else a hash.
private struct CellIndex {
    private var table: [Int32] = []
    private var hash: [Int: Int] = [:]
    private let dense: Bool

    init(cells: (partialValue: Int, overflow: Bool)) {
        dense = !cells.overflow && cells.partialValue <= 1 << 26
        if dense { table = [Int32](repeating: -1, count: cells.partialValue) }
    }

    subscript(id: Int) -> Int? {
        get { dense ? (table[id] >= 0 ? Int(table[id]) : nil) : hash[id] }
        set {
            if dense { table[id] = Int32(newValue ?? -1) } else { hash[id] = newValue }
        }
    }
}

/// Points binned in squares of side eps / 16 with running counts along each row of squares, for deciding
/// whether a point has at least m neighbours within eps. Each row of squares the disc crosses is a run of
/// squares wholly inside it (counted whole by two lookups) between a few straddling squares at each end
/// (counted point by point only when the bounds leave the answer open): about 35 rows per point instead
/// of every point in reach.
private struct NeighbourCounter {
    let origin: SIMD2<Double>
    let side: Double
    let eps: Double
    let cols: Int
    let rows: Int
    /// The points of square q (row-major) are binned[start[q]..<start[q + 1]], copied so that measuring
    /// a square reads memory in order; start is also each row's running count.
    let start: [Int32]
    let binned: [SIMD2<Double>]
    /// Per row offset −reach…reach: how far either side of a point's own square the squares wholly within
    /// eps of its whole square reach (−1: none), and the squares with any point within eps of it.
    let innerHalf: [Int]
    let outerHalf: [Int]
    let reach: Int

    init(_ points: [SIMD2<Double>], origin: SIMD2<Double>, extent: SIMD2<Double>, eps: Double) {
        self.origin = origin
        self.eps = eps
        // eps / 16, or coarser over a vast extent so the table stays within 24 M squares.
        let size = extent - origin
        side = max(eps / 16, ((size.x + eps) * (size.y + eps) / 24e6).squareRoot())
        cols = Int((size.x / side).rounded(.down)) + 1
        rows = Int((size.y / side).rounded(.down)) + 1
        var start = [Int32](repeating: 0, count: cols * rows + 1)
        var square = [Int32](repeating: 0, count: points.count)
        for (i, p) in points.enumerated() {
            let q =
                min(Int(((p.y - origin.y) / side).rounded(.down)), rows - 1) * cols
                + min(Int(((p.x - origin.x) / side).rounded(.down)), cols - 1)
            square[i] = Int32(q)
            start[q + 1] += 1
        }
        for q in 0..<(cols * rows) { start[q + 1] += start[q] }
        var fill = start
        var binned = [SIMD2<Double>](repeating: .zero, count: points.count)
        for i in points.indices {
            binned[Int(fill[Int(square[i])])] = points[i]
            fill[Int(square[i])] += 1
        }
        self.start = start
        self.binned = binned
        reach = Int((eps / side).rounded(.up)) + 1
        let inside = eps * eps * (1 - 1e-9)
        let outside = eps * eps * (1 + 1e-9)
        var innerHalf: [Int] = []
        var outerHalf: [Int] = []
        for dy in -reach...reach {
            let far = Double(abs(dy) + 1) * side
            let near = Double(max(abs(dy) - 1, 0)) * side
            var i = -1
            while i + 1 <= reach, pow2(Double(i + 2) * side) + far * far <= inside { i += 1 }
            var o = -1
            while o + 1 <= reach, pow2(Double(max(o, 0)) * side) + near * near <= outside { o += 1 }
            innerHalf.append(i)
            outerHalf.append(o)
        }
        self.innerHalf = innerHalf
        self.outerHalf = outerHalf
    }

    /// Whether at least `m` points (p itself included) lie within eps of p. `scratch` is reused.
    func hasAtLeast(_ m: Int, within p: SIMD2<Double>, scratch partial: inout [Int]) -> Bool {
        let local = (p - origin) / side
        let fy = min(Int(local.y.rounded(.down)), rows - 1)
        // First what p's square settles for all its points: whole runs, two lookups a row.
        let fx = min(Int(local.x.rounded(.down)), cols - 1)
        var lower = 0
        var upper = 0
        for k in 0..<(2 * reach + 1) {
            let y = fy + k - reach
            guard y >= 0, y < rows, outerHalf[k] >= 0 else { continue }
            let row = y * cols
            upper += Int(start[row + min(cols - 1, fx + outerHalf[k]) + 1] - start[row + max(0, fx - outerHalf[k])])
            if innerHalf[k] >= 0 {
                lower += Int(start[row + min(cols - 1, fx + innerHalf[k]) + 1] - start[row + max(0, fx - innerHalf[k])])
            }
        }
        if lower >= m { return true }
        if upper < m { return false }
        // Then p's own bounds, row by row.
        lower = 0
        upper = 0
        partial.removeAll(keepingCapacity: true)
        // Margins keep squares whose border lies at eps to within rounding among the measured ones.
        let inside = eps * eps * (1 - 1e-9)
        let outside = eps * eps * (1 + 1e-9)
        for y in max(0, fy - reach)...min(rows - 1, fy + reach) {
            // The row's vertical gap to p: nearest and farthest.
            let y0 = Double(y)
            let near = max(y0 - local.y, local.y - y0 - 1, 0) * side
            let far = max(local.y - y0, y0 + 1 - local.y) * side
            let roomOut = outside - near * near
            if roomOut < 0 { continue }
            let half = roomOut.squareRoot() / side
            // Squares meeting [p.x − half, p.x + half] at all.
            let oLo = max(0, Int((local.x - half).rounded(.down)))
            let oHi = min(cols - 1, Int((local.x + half).rounded(.down)))
            if oLo > oHi { continue }
            let row = y * cols
            upper += Int(start[row + oHi + 1] - start[row + oLo])
            // Squares wholly within: [x, x + 1] inside [p.x − w, p.x + w] for every height in the row.
            let roomIn = inside - far * far
            var iLo = oHi + 1
            var iHi = oHi
            if roomIn >= 0 {
                let w = roomIn.squareRoot() / side
                iLo = max(oLo, Int((local.x - w).rounded(.up)))
                iHi = min(oHi, Int((local.x + w).rounded(.down)) - 1)
            }
            if iLo <= iHi {
                lower += Int(start[row + iHi + 1] - start[row + iLo])
                for x in oLo..<iLo { partial.append(row + x) }
                for x in (iHi + 1)..<(oHi + 1) { partial.append(row + x) }
            } else {
                for x in oLo...oHi { partial.append(row + x) }
            }
        }
        if lower >= m { return true }
        if upper < m { return false }
        let eps2 = eps * eps
        var count = lower
        for q in partial {
            for u in Int(start[q])..<Int(start[q + 1]) {
                let d = binned[u] - p
                if (d * d).sum() <= eps2 {
                    count += 1
                    if count >= m { return true }
                }
            }
        }
        return false
    }
}

@inline(__always) private func pow2(_ x: Double) -> Double { x * x }

/// Squared distances from p to the nearest and to the farthest point of the square at `lo` with `side`.
@inline(__always)
private func squareReach(_ p: SIMD2<Double>, _ lo: SIMD2<Double>, _ side: Double) -> (near: Double, far: Double) {
    let hi = lo + side
    let near = pointwiseMax(pointwiseMax(lo - p, p - hi), .zero)
    let far = pointwiseMax(p - lo, hi - p)
    return ((near * near).sum(), (far * far).sum())
}
