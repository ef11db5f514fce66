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
        // Core points: a cell holding ≥ minSamples points makes all of them core at once.
        var isCore = [Bool](repeating: false, count: n)
        isCore.withUnsafeMutableBufferPointer { cp in
            let C = cp.baseAddress!
            parallelRanges(m, parts: workerCount, minimum: 64) { range, _ in
                for c in range {
                    let size = start[c + 1] - start[c]
                    if size >= minSamples {
                        for t in start[c]..<start[c + 1] { C[order[t]] = true }
                        continue
                    }
                    for t in start[c]..<start[c + 1] {
                        let i = order[t]
                        let p = pts[i]
                        var count = 0
                        search: for nc in neighbours[c] {
                            for u in start[nc]..<start[nc + 1] {
                                let q = pts[order[u]]
                                let dx = p.x - q.x
                                let dy = p.y - q.y
                                if dx * dx + dy * dy <= eps2 {
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
                for nc in neighbours[c] {
                    for j in cores[nc] {
                        let q = pts[j]
                        let dx = p.x - q.x
                        let dy = p.y - q.y
                        if dx * dx + dy * dy <= eps2 && labels[j] < best { best = labels[j] }
                    }
                }
                if best != Int32.max { labels[i] = best }
            }
        }
        return DBSCANResult(labels: labels, isCore: isCore, clusterCount: Int(next))
    }
}
