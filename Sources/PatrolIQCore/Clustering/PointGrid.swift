/// Points of the plane bucketed in square cells (counting sort), for nearest-neighbour questions that
/// only need to look at a few cells around a point.
struct PointGrid: Sendable {
    let points: [SIMD2<Double>]
    let side: Double
    let origin: SIMD2<Double>
    let cols: Int
    let rows: Int
    /// Members of cell c are `order[start[c]..<start[c + 1]]`.
    let start: [Int32]
    let order: [Int32]

    /// A grid whose cells hold about `perCell` points on average over the occupied extent.
    init(_ points: [SIMD2<Double>], perCell: Double) {
        self.points = points
        let (lo, hi) = boundingBox(points)
        let span = hi - lo
        let area = max(span.x * span.y, 1)
        // At most ~4 cells per point, and never so many that the table dwarfs the points.
        let s = max((area * max(perCell, 1) / Double(max(points.count, 1))).squareRoot(), 1e-9)
        let cellsWanted = (span / s).rounded(.down) + 1
        let limit = Double(max(4 * points.count, 16))
        let grow = cellsWanted.x * cellsWanted.y > limit ? (cellsWanted.x * cellsWanted.y / limit).squareRoot() : 1
        side = s * grow
        origin = lo
        cols = Int((span.x / side).rounded(.down)) + 1
        rows = Int((span.y / side).rounded(.down)) + 1
        var count = [Int32](repeating: 0, count: cols * rows + 1)
        var cellOf = [Int32](repeating: 0, count: points.count)
        for (i, p) in points.enumerated() {
            let c = Int32(Self.cell(p, origin: lo, side: side, cols: cols, rows: rows))
            cellOf[i] = c
            count[Int(c) + 1] += 1
        }
        for c in 0..<(cols * rows) { count[c + 1] += count[c] }
        var fill = count
        var o = [Int32](repeating: 0, count: points.count)
        for i in 0..<points.count {
            let c = Int(cellOf[i])
            o[Int(fill[c])] = Int32(i)
            fill[c] += 1
        }
        start = count
        order = o
    }

    private static func cell(_ p: SIMD2<Double>, origin: SIMD2<Double>, side: Double, cols: Int, rows: Int) -> Int {
        let c = min(cols - 1, max(0, Int(((p.x - origin.x) / side).rounded(.down))))
        let r = min(rows - 1, max(0, Int(((p.y - origin.y) / side).rounded(.down))))
        return r * cols + c
    }

    /// Column and row of the cell holding (or nearest to) `p`.
    func cellIndex(_ p: SIMD2<Double>) -> (c: Int, r: Int) {
        let c = min(cols - 1, max(0, Int(((p.x - origin.x) / side).rounded(.down))))
        let r = min(rows - 1, max(0, Int(((p.y - origin.y) / side).rounded(.down))))
        return (c, r)
    }

    /// Squared distance from `p` to the nearest point of cell (c, r)'s square.
    func squaredGap(_ p: SIMD2<Double>, _ c: Int, _ r: Int) -> Double {
        let lo = origin + SIMD2(Double(c), Double(r)) * side
        let d = pointwiseMax(pointwiseMax(lo - p, p - (lo + side)), .zero)
        return (d * d).sum()
    }

    /// Visits the cells ring by ring around `p` (Chebyshev distance 0, 1, …) until `done(ring gap²)`
    /// says no nearer point can remain; `visit` gets each member index and its squared distance.
    func searchRings(
        around p: SIMD2<Double>, done: (_ ringGap2: Double) -> Bool, visit: (_ j: Int, _ d2: Double) -> Void
    ) {
        let (c0, r0) = cellIndex(p)
        var ring = 0
        let maxRing = max(cols, rows)
        while ring <= maxRing {
            // Nearest any cell of this ring can be: the gap from p to the square of cells within ring − 1.
            if ring > 0 {
                let inner = ring - 1
                let lo = origin + SIMD2(Double(c0 - inner), Double(r0 - inner)) * side
                let hi = origin + SIMD2(Double(c0 + inner + 1), Double(r0 + inner + 1)) * side
                let g = min(min(p.x - lo.x, hi.x - p.x), min(p.y - lo.y, hi.y - p.y))
                if done(max(g, 0) * max(g, 0)) { return }
            }
            for r in (r0 - ring)...(r0 + ring) where r >= 0 && r < rows {
                let edgeRow = r == r0 - ring || r == r0 + ring
                var c = c0 - ring
                while c <= c0 + ring {
                    if c >= 0 && c < cols {
                        let cell = r * cols + c
                        for k in Int(start[cell])..<Int(start[cell + 1]) {
                            let j = Int(order[k])
                            let d = points[j] - p
                            visit(j, (d * d).sum())
                        }
                    }
                    c += edgeRow || ring == 0 ? 1 : 2 * ring
                }
            }
            ring += 1
        }
    }

    /// Squared distance from each point to its `k`-th nearest point, itself counted first (k = 1 gives 0),
    /// and up to `keep` nearest other points of each (row-major, `keep` per point, −1 where fewer).
    func kthNearestSquared(_ k: Int, keep: Int = 0) -> (distances: [Double], neighbours: [Int32]) {
        let n = points.count
        var out = [Double](repeating: 0, count: n)
        var near = [Int32](repeating: -1, count: n * keep)
        guard n > 0 else { return (out, near) }
        let kk = min(max(k, keep + 1), n)
        out.withUnsafeMutableBufferPointer { ob in
            near.withUnsafeMutableBufferPointer { nb in
                let o = UncheckedSendable(ob)
                let nearOut = UncheckedSendable(nb)
                parallelRanges(n, parts: workerCount * 4, minimum: 256) { range, _ in
                    // Max-heap of the kk smallest (squared distance, index).
                    var heap = [(Double, Int32)]()
                    heap.reserveCapacity(kk)
                    for i in range {
                        heap.removeAll(keepingCapacity: true)
                        searchRings(
                            around: points[i],
                            done: { g in heap.count == kk && g >= heap[0].0 },
                            visit: { j, d2 in
                                if heap.count < kk {
                                    heap.append((d2, Int32(j)))
                                    Self.siftUp(&heap, heap.count - 1)
                                } else if d2 < heap[0].0 {
                                    heap[0] = (d2, Int32(j))
                                    Self.siftDown(&heap, 0)
                                }
                            })
                        if keep > 0 {
                            // The nearest `keep` others: ascending, itself (distance 0, first) left out.
                            let sorted = heap.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
                            var w = 0
                            for (_, j) in sorted where Int(j) != i && w < keep {
                                nearOut.value[i * keep + w] = j
                                w += 1
                            }
                        }
                        if k > 1 {
                            // The k-th smallest: the heap holds kk ≥ k entries when keep asked for more.
                            o.value[i] = kk == min(k, n) ? heap[0].0 : heap.map(\.0).sorted()[min(k, n) - 1]
                        }
                    }
                }
            }
        }
        return (out, near)
    }

    /// The point nearest to `p` (lowest index on ties), or nil when the grid is empty.
    func nearest(to p: SIMD2<Double>) -> Int? {
        var best = (d2: Double.infinity, j: Int.max)
        searchRings(
            around: p, done: { g in best.j != .max && g > best.d2 },
            visit: { j, d2 in if d2 < best.d2 || (d2 == best.d2 && j < best.j) { best = (d2, j) } })
        return best.j == .max ? nil : best.j
    }

    private static func siftUp(_ h: inout [(Double, Int32)], _ i: Int) {
        var i = i
        while i > 0 {
            let p = (i - 1) / 2
            if h[p].0 >= h[i].0 { return }
            h.swapAt(p, i)
            i = p
        }
    }

    private static func siftDown(_ h: inout [(Double, Int32)], _ i: Int) {
        var i = i
        while true {
            let l = 2 * i + 1
            let r = l + 1
            var m = i
            if l < h.count && h[l].0 > h[m].0 { m = l }
            if r < h.count && h[r].0 > h[m].0 { m = r }
            if m == i { return }
            h.swapAt(m, i)
            i = m
        }
    }
}
