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
    /// Column and row of each active cell.
    public let cells: [SIMD2<Int32>]
    public var counts: [Double]
    private let index: [Int64: Int]

    /// `area` are all incidents (x, y in metres); `selected` says which of them are counted.
    public init(area: [SIMD2<Double>], selected: (Int) -> Bool, cellSize: Double) {
        self.cellSize = cellSize
        var lo = SIMD2(Double.infinity, .infinity)
        for p in area { lo = pointwiseMin(lo, p) }
        origin = area.isEmpty ? .zero : lo
        var index: [Int64: Int] = [:]
        var cells: [SIMD2<Int32>] = []
        var counts: [Double] = []
        for (i, p) in area.enumerated() {
            let c = SIMD2<Int32>(Int32(((p.x - origin.x) / cellSize).rounded(.down)), Int32(((p.y - origin.y) / cellSize).rounded(.down)))
            let key = Self.key(c)
            let k: Int
            if let known = index[key] {
                k = known
            } else {
                k = cells.count
                index[key] = k
                cells.append(c)
                counts.append(0)
            }
            if selected(i) { counts[k] += 1 }
        }
        // A fixed cell order (row, then column) so that outputs do not depend on the input order.
        let order = cells.indices.sorted { (cells[$0].y, cells[$0].x) < (cells[$1].y, cells[$1].x) }
        self.cells = order.map { cells[$0] }
        self.counts = order.map { counts[$0] }
        var sortedIndex: [Int64: Int] = [:]
        for (k, c) in self.cells.enumerated() { sortedIndex[Self.key(c)] = k }
        self.index = sortedIndex
    }

    static func key(_ c: SIMD2<Int32>) -> Int64 { Int64(c.x) << 32 | Int64(UInt32(bitPattern: c.y)) }

    /// Centre of cell k in metres.
    public func center(_ k: Int) -> SIMD2<Double> {
        origin + (SIMD2(Double(cells[k].x), Double(cells[k].y)) + 0.5) * cellSize
    }

    /// The active cells within `band` metres (centre to centre) of cell k, itself included.
    public func neighbours(of k: Int, band: Double) -> [Int] {
        let r = Int32((band / cellSize).rounded(.down))
        var out: [Int] = []
        let c = cells[k]
        for dy in -r...r {
            for dx in -r...r {
                let d = Double(dx * dx + dy * dy).squareRoot() * cellSize
                guard d <= band + 1e-9 else { continue }
                if let j = index[Self.key(SIMD2(c.x + dx, c.y + dy))] { out.append(j) }
            }
        }
        return out
    }
}
