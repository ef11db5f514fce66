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
        var lo = SIMD2(Double.infinity, .infinity)
        var hi = -lo
        for p in area {
            lo = pointwiseMin(lo, p)
            hi = pointwiseMax(hi, p)
        }
        if area.isEmpty { (lo, hi) = (.zero, .zero) }
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
