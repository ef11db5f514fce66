/// Incident counts on a regular grid of square cells in the workspace's metres, over the active
/// study area, with the distance-band neighbourhoods Gi* needs.
///
/// The study area is the set of cells that hold at least one incident of the whole workspace
/// (filters then count inside it, so a filtered cell can hold 0): the lake, rail yards and parks,
/// where nothing is ever reported, do not dilute the mean. Neighbours are the active cells whose
/// centres lie within `band` metres of the cell's centre, the cell itself included (binary weights,
/// PySAL's `DistanceBand(binary=True)` on the centres).
public struct HotspotGrid: Sendable {
    public let cellSize: Double
    public let origin: SIMD2<Double>
    /// Column and row of each active cell, in row-major order.
    public let cells: [SIMD2<Int32>]
    public var counts: [Double]
    /// Columns and rows of the box around the data, and each box cell's active index (−1: none):
    /// a city's box holds tens of thousands of cells, so a dense table beats hashing every incident.
    private let width: Int
    private let height: Int
    private let index: [Int32]

    /// `area` are all incidents (x, y in metres); `selected` says which of them are counted.
    public init(area: [SIMD2<Double>], selected: (Int) -> Bool, cellSize: Double) {
        self.cellSize = cellSize
        let (lo, hi) = boundingBox(area)
        origin = lo
        let w = Int(((hi.x - lo.x) / cellSize).rounded(.down)) + 1
        let h = Int(((hi.y - lo.y) / cellSize).rounded(.down)) + 1
        width = w
        height = h
        var perBox = [Int32](repeating: 0, count: w * h)
        var counted = [Double](repeating: 0, count: w * h)
        for (i, p) in area.enumerated() {
            let cx = min(w - 1, Int((p.x - lo.x) / cellSize))
            let cy = min(h - 1, Int((p.y - lo.y) / cellSize))
            perBox[cy * w + cx] += 1
            if selected(i) { counted[cy * w + cx] += 1 }
        }
        var index = [Int32](repeating: -1, count: w * h)
        var cells: [SIMD2<Int32>] = []
        var counts: [Double] = []
        for b in 0..<(w * h) where perBox[b] > 0 {
            index[b] = Int32(cells.count)
            cells.append(SIMD2(Int32(b % w), Int32(b / w)))
            counts.append(counted[b])
        }
        self.cells = cells
        self.counts = counts
        self.index = index
    }

    /// The active cell holding point `p` (metres), or nil outside the study area.
    public func cell(containing p: SIMD2<Double>) -> Int? {
        let fx = ((p.x - origin.x) / cellSize).rounded(.down)
        let fy = ((p.y - origin.y) / cellSize).rounded(.down)
        // The box's far edge belongs to its last cell, as in `init`.
        guard fx >= 0, fy >= 0, fx <= Double(width), fy <= Double(height) else { return nil }
        let cx = min(width - 1, Int(fx))
        let cy = min(height - 1, Int(fy))
        let j = index[cy * width + cx]
        return j >= 0 ? Int(j) : nil
    }

    /// The active cell at column `x`, row `y`, or nil.
    public func cell(column x: Int, row y: Int) -> Int? {
        guard x >= 0, y >= 0, x < width, y < height else { return nil }
        let j = index[y * width + x]
        return j >= 0 ? Int(j) : nil
    }

    /// Cell k itself and its `k` nearest other active cells, centre to centre; equal distances are
    /// broken by row, then column, so the set does not depend on the order cells were stored in.
    public func nearest(of cell: Int, k: Int) -> [Int] {
        let cx = Int(cells[cell].x)
        let cy = Int(cells[cell].y)
        var found: [(d: Int, y: Int, x: Int, j: Int)] = []
        var r = 1
        // Grow the square ring by ring until k cells are found and no farther ring can be nearer.
        while true {
            found.removeAll(keepingCapacity: true)
            for y in max(0, cy - r)...min(height - 1, cy + r) {
                for x in max(0, cx - r)...min(width - 1, cx + r) where !(x == cx && y == cy) {
                    let j = index[y * width + x]
                    if j >= 0 { found.append(((x - cx) * (x - cx) + (y - cy) * (y - cy), y, x, Int(j))) }
                }
            }
            found.sort { ($0.d, $0.y, $0.x) < ($1.d, $1.y, $1.x) }
            let covered = r >= max(width, height)
            if covered || (found.count >= k && found[k - 1].d <= r * r) { break }
            r += 1
        }
        return [cell] + found.prefix(k).map(\.j)
    }

    /// Centre of cell k in metres.
    public func center(_ k: Int) -> SIMD2<Double> {
        origin + (SIMD2(Double(cells[k].x), Double(cells[k].y)) + 0.5) * cellSize
    }

    /// The active cells within `band` metres (centre to centre) of cell k, itself included.
    public func neighbours(of k: Int, band: Double) -> [Int] {
        let r = Int((band / cellSize).rounded(.down))
        var out: [Int] = []
        out.reserveCapacity((2 * r + 1) * (2 * r + 1))
        let cx = Int(cells[k].x)
        let cy = Int(cells[k].y)
        for y in max(0, cy - r)...min(height - 1, cy + r) {
            for x in max(0, cx - r)...min(width - 1, cx + r) {
                let d = Double((x - cx) * (x - cx) + (y - cy) * (y - cy)).squareRoot() * cellSize
                guard d <= band + 1e-9 else { continue }
                let j = index[y * width + x]
                if j >= 0 { out.append(Int(j)) }
            }
        }
        return out
    }
}

/// Which cells count as a cell's neighbourhood in Gi*; binary weights, the cell itself included.
public enum SpatialWeights: Sendable, Equatable, CustomStringConvertible {
    /// Cells whose centres lie within `cells` × the cell side (PySAL `DistanceBand(binary=True)`).
    case band(cells: Double)
    /// The k nearest other active cells (PySAL `KNN`, ties broken by row then column).
    case nearest(k: Int)

    public var description: String {
        switch self {
        case .band(let c): "distance band \(c) cells"
        case .nearest(let k): "\(k) nearest cells"
        }
    }

    /// Each active cell's neighbourhood.
    public func neighbourhoods(_ grid: HotspotGrid) -> [[Int]] {
        switch self {
        case .band(let c): grid.cells.indices.map { grid.neighbours(of: $0, band: c * grid.cellSize) }
        case .nearest(let k): grid.cells.indices.map { grid.nearest(of: $0, k: min(k, grid.cells.count - 1)) }
        }
    }
}

/// Gi* on a grid with an FDR correction: what `patroliq hotspots` stores and draws.
public struct HotspotAnalysis: Sendable {
    public var gi: GetisOrd.Result
    public var q: [Double]
    public var classes: [Int]

    public init(grid: HotspotGrid, weights: SpatialWeights) {
        let hoods = weights.neighbourhoods(grid)
        gi = GetisOrd.zScores(counts: grid.counts) { hoods[$0] }
        q = FalseDiscoveryRate.qValues(gi.p)
        classes = HotspotClass.classify(z: gi.z, q: q)
    }

    /// Cells per class (+3 … −3).
    public var tally: [Int: Int] { Dictionary(grouping: classes, by: { $0 }).mapValues(\.count) }
}

/// A `hotspots` run's cells as stored with the run (artifact `hotspots_gi`).
public struct StoredHotspots: Codable, Sendable, Equatable {
    public var cellSize: Double
    /// South-west corner of cell (0, 0) in the workspace's metres.
    public var origin: [Double]
    public var cells: [Cell]

    public struct Cell: Codable, Sendable, Equatable {
        public var column: Int
        public var row: Int
        public var count: Int
        public var z: Double
        public var p: Double
        public var q: Double
        public var cls: Int

        public init(column: Int, row: Int, count: Int, z: Double, p: Double, q: Double, cls: Int) {
            (self.column, self.row, self.count, self.z, self.p, self.q, self.cls) = (column, row, count, z, p, q, cls)
        }

        enum CodingKeys: String, CodingKey {
            case column, row, count, z, p, q
            case cls = "class"
        }
    }

    public init(cellSize: Double, origin: [Double], cells: [Cell]) {
        (self.cellSize, self.origin, self.cells) = (cellSize, origin, cells)
    }

    enum CodingKeys: String, CodingKey {
        case origin, cells
        case cellSize = "cell_m"
    }
}
