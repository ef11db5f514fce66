import Foundation

/// Barnes–Hut t-SNE (van der Maaten 2014) with openTSNE's defaults: perplexity 30 on the 3 × perplexity
/// exact nearest neighbours, PCA initialisation scaled to a standard deviation of 10⁻⁴, 250 iterations of
/// early exaggeration 12 then 500 without, momentum 0.8, learning rate n / exaggeration (at least 200),
/// delta-bar-delta gains, steps capped at 5, the embedding kept centred, θ = 0.5.
///
/// Every point's forces are computed on their own and the normalisation is summed in point order, so
/// the embedding does not depend on the core count.
public struct TSNE: Sendable {
    public var perplexity = 30.0
    public var theta = 0.5
    public var exaggeration = 12.0
    public var exaggerationIterations = 250
    public var iterations = 500
    public var momentum = 0.8

    public init() {}

    /// The 2-D embedding of the rows of `x` (features already on comparable scales).
    public func embed(_ x: Matrix) -> [SIMD2<Double>] {
        let n = x.rows
        guard n >= 2 else { return [SIMD2<Double>](repeating: .zero, count: n) }
        let p = Affinities(x, perplexity: perplexity)
        var y = Self.initialPositions(x)
        var update = [SIMD2<Double>](repeating: .zero, count: n)
        var gains = [SIMD2<Double>](repeating: SIMD2(1, 1), count: n)
        for it in 0..<(exaggerationIterations + iterations) {
            let phase = it < exaggerationIterations ? exaggeration : 1
            let rate = max(Double(n) / phase, 200)
            let gradient = Self.gradient(y, p, exaggeration: phase, theta: theta)
            var mean = SIMD2<Double>.zero
            for i in 0..<n {
                // Delta-bar-delta: a coordinate keeps a larger step while its direction holds.
                let flipped = Self.sign(gradient[i]) .!= Self.sign(update[i])
                gains[i] = (gains[i] * 0.8 + 0.01).replacing(with: gains[i] + 0.2, where: flipped)
                update[i] = momentum * update[i] - rate * gains[i] * gradient[i]
                let norm = (update[i] * update[i]).sum().squareRoot()
                if norm > 5 { update[i] *= 5 / norm }
                y[i] += update[i]
                mean += y[i]
            }
            mean /= Double(n)
            for i in 0..<n { y[i] -= mean }
        }
        return y
    }

    /// −1, 0 or 1 per coordinate, as `numpy.sign`.
    @inline(__always)
    static func sign(_ v: SIMD2<Double>) -> SIMD2<Double> {
        SIMD2<Double>.zero.replacing(with: 1, where: v .> 0).replacing(with: -1, where: v .< 0)
    }

    /// The first two principal components of the rows, scaled so the first has standard deviation 10⁻⁴.
    static func initialPositions(_ x: Matrix) -> [SIMD2<Double>] {
        let pca = PCA.fit(x, features: (0..<x.cols).map { "f\($0)" })
        var y = (0..<x.rows).map { i -> SIMD2<Double> in
            let c = pca.project(x, i)
            return SIMD2(c[0], c.count > 1 ? c[1] : 0)
        }
        let mean = y.reduce(SIMD2<Double>.zero, +) / Double(y.count)
        let sd = (y.reduce(0.0) { $0 + ($1.x - mean.x) * ($1.x - mean.x) } / Double(y.count)).squareRoot()
        let scale = sd > 0 ? 1e-4 / sd : 1
        for i in y.indices { y[i] = (y[i] - mean) * scale }
        return y
    }

    /// The KL gradient as openTSNE scales it (without the constant 4, which its learning rate absorbs):
    /// exaggeration · Σⱼ pᵢⱼ qᵢⱼ Z (yᵢ − yⱼ) − Σⱼ qᵢⱼ² Z² (yᵢ − yⱼ) / Z, the repulsion by Barnes–Hut.
    static func gradient(_ y: [SIMD2<Double>], _ p: Affinities, exaggeration: Double, theta: Double)
        -> [SIMD2<Double>]
    {
        let n = y.count
        let tree = QuadTree(y)
        var repulsion = [SIMD2<Double>](repeating: .zero, count: n)
        var normalisation = [Double](repeating: 0, count: n)
        var attraction = [SIMD2<Double>](repeating: .zero, count: n)
        repulsion.withUnsafeMutableBufferPointer { rep in
            normalisation.withUnsafeMutableBufferPointer { z in
                attraction.withUnsafeMutableBufferPointer { att in
                    let out = UncheckedSendable((rep, z, att))
                    parallelRanges(n, parts: workerCount * 4, minimum: 256) { range, _ in
                        let (rep, z, att) = out.value
                        var stack: [Int32] = []
                        stack.reserveCapacity(256)
                        for i in range {
                            (rep[i], z[i]) = tree.repulsion(on: i, theta: theta, stack: &stack)
                            var a = SIMD2<Double>.zero
                            for e in p.rowStart[i]..<p.rowStart[i + 1] {
                                let d = y[i] - y[Int(p.column[e])]
                                a += p.value[e] * d / (1 + (d * d).sum())
                            }
                            att[i] = a
                        }
                    }
                }
            }
        }
        let z = max(normalisation.reduce(0, +), .leastNormalMagnitude)
        return (0..<n).map { exaggeration * attraction[$0] - repulsion[$0] / z }
    }
}

/// Symmetric input affinities pᵢⱼ = (pⱼ|ᵢ + pᵢ|ⱼ) / 2n over each row's 3 × perplexity nearest
/// neighbours, sparse by rows.
struct Affinities: Sendable {
    var rowStart: [Int]
    var column: [Int32]
    var value: [Double]

    init(_ x: Matrix, perplexity: Double) {
        let n = x.rows
        let k = min(n - 1, Int((3 * perplexity).rounded(.up)))
        let neighbours = NearestNeighbours(x).query(k: k)
        // Conditional pⱼ|ᵢ: Gaussian kernels whose entropy is log(perplexity), by bisection on the precision.
        var conditional = [Double](repeating: 0, count: n * k)
        let target = log(min(perplexity, Double(k)))
        conditional.withUnsafeMutableBufferPointer { c in
            let out = UncheckedSendable(c)
            parallelRanges(n, parts: workerCount, minimum: 64) { range, _ in
                for i in range {
                    let d = neighbours.distances[(i * k)..<(i * k + k)].map { $0 }
                    var beta = 1.0
                    var (lo, hi) = (0.0, Double.infinity)
                    var w = [Double](repeating: 0, count: k)
                    // Distances relative to the nearest keep exp() in range; the kernel normalises it away.
                    let dmin = d.min() ?? 0
                    for _ in 0..<100 {
                        var sum = 0.0
                        var weighted = 0.0
                        for j in 0..<k {
                            w[j] = exp(-beta * (d[j] - dmin))
                            sum += w[j]
                            weighted += w[j] * (d[j] - dmin)
                        }
                        let entropy = log(sum) + beta * weighted / sum
                        if abs(entropy - target) < 1e-8 { break }
                        if entropy > target {
                            lo = beta
                            beta = hi.isFinite ? (beta + hi) / 2 : beta * 2
                        } else {
                            hi = beta
                            beta = (beta + lo) / 2
                        }
                    }
                    let sum = w.reduce(0, +)
                    for j in 0..<k { out.value[i * k + j] = w[j] / sum }
                }
            }
        }
        // Both directions of every neighbour pair, merged by (row, column).
        var entries: [(Int32, Int32, Double)] = []
        entries.reserveCapacity(2 * n * k)
        for i in 0..<n {
            for j in 0..<k {
                let nb = neighbours.index[i * k + j]
                let v = conditional[i * k + j] / Double(2 * n)
                entries.append((Int32(i), nb, v))
                entries.append((nb, Int32(i), v))
            }
        }
        entries.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        var counts = [Int](repeating: 0, count: n)
        column = []
        value = []
        var previous: (Int32, Int32) = (-1, -1)
        for (r, c, v) in entries {
            if (r, c) == previous {
                value[value.count - 1] += v
            } else {
                column.append(c)
                value.append(v)
                counts[Int(r)] += 1
                previous = (r, c)
            }
        }
        rowStart = [0]
        for c in counts { rowStart.append(rowStart[rowStart.count - 1] + c) }
    }
}

/// Exact k nearest neighbours by brute force over feature columns, eight rows at a time.
struct NearestNeighbours: Sendable {
    /// Features column by column, padded with 8 far rows.
    let columns: [Double]
    let rows: Int
    let features: Int

    init(_ x: Matrix) {
        rows = x.rows
        features = x.cols
        let stride = x.rows + 8
        var c = [Double](repeating: 1e150, count: stride * x.cols)
        for i in 0..<x.rows { for t in 0..<x.cols { c[t * stride + i] = x.data[i * x.cols + t] } }
        columns = c
    }

    /// Every row's squared distances to all rows (its own set to ∞), by `body` per row.
    func forEachRow(_ body: @Sendable (_ row: Int, _ distances: UnsafeMutableBufferPointer<Double>) -> Void) {
        let stride = rows + 8
        columns.withUnsafeBufferPointer { cb in
            let base = UncheckedSendable(cb.baseAddress!)
            parallelRanges(rows, parts: workerCount * 4, minimum: 16) { range, _ in
                var distance = [Double](repeating: 0, count: stride)
                distance.withUnsafeMutableBufferPointer { d in
                    for i in range {
                        var j = 0
                        while j < rows {
                            var q = SIMD8<Double>.zero
                            for t in 0..<features {
                                let col = base.value + t * stride
                                let v = UnsafeRawPointer(col + j).loadUnaligned(as: SIMD8<Double>.self) - col[i]
                                q += v * v
                            }
                            UnsafeMutableRawPointer(d.baseAddress! + j).storeBytes(of: q, as: SIMD8<Double>.self)
                            j += 8
                        }
                        d[i] = .infinity
                        body(i, UnsafeMutableBufferPointer(rebasing: d[0..<rows]))
                    }
                }
            }
        }
    }

    /// The k nearest other rows of every row (ascending distance, then index) and their squared distances.
    func query(k: Int) -> (index: [Int32], distances: [Double]) {
        var index = [Int32](repeating: 0, count: rows * k)
        var distances = [Double](repeating: 0, count: rows * k)
        index.withUnsafeMutableBufferPointer { ib in
            distances.withUnsafeMutableBufferPointer { db in
                let out = UncheckedSendable((ib, db))
                forEachRow { i, d in
                    let (ib, db) = out.value
                    // A bounded max-heap of (distance, index) keeps the k smallest.
                    var heap: [(Double, Int32)] = []
                    heap.reserveCapacity(k + 1)
                    for j in 0..<d.count {
                        let v = d[j]
                        if heap.count == k, !Heap.less((v, Int32(j)), heap[0]) { continue }
                        Heap.push(&heap, (v, Int32(j)), limit: k)
                    }
                    heap.sort { Heap.less($0, $1) }
                    for (m, e) in heap.enumerated() {
                        ib[i * k + m] = e.1
                        db[i * k + m] = e.0
                    }
                }
            }
        }
        return (index, distances)
    }
}

enum Heap {
    /// Adds to a max-heap on (distance, index), dropping the largest when over `limit`.
    static func push(_ h: inout [(Double, Int32)], _ e: (Double, Int32), limit: Int) {
        if h.count == limit {
            h[0] = e
            siftDown(&h, 0)
            return
        }
        h.append(e)
        var c = h.count - 1
        while c > 0 {
            let p = (c - 1) / 2
            guard less(h[p], h[c]) else { break }
            h.swapAt(p, c)
            c = p
        }
    }

    static func siftDown(_ h: inout [(Double, Int32)], _ start: Int) {
        var p = start
        while true {
            let l = 2 * p + 1
            let r = l + 1
            var m = p
            if l < h.count, less(h[m], h[l]) { m = l }
            if r < h.count, less(h[m], h[r]) { m = r }
            if m == p { return }
            h.swapAt(p, m)
            p = m
        }
    }

    @inline(__always)
    static func less(_ a: (Double, Int32), _ b: (Double, Int32)) -> Bool { a.0 < b.0 || (a.0 == b.0 && a.1 < b.1) }
}

/// A quadtree over the embedding with each cell's point count and centre of mass, for Barnes–Hut:
/// a cell far enough away (side / distance < θ) acts as one point at its centre of mass.
struct QuadTree: Sendable {
    struct Node: Sendable {
        var centre: SIMD2<Double>
        var count: Double
        /// Side length of the cell squared.
        var side2: Double
        /// First of four children (−1: a leaf), or for a leaf the range of its points in `order`.
        var firstChild: Int32
        var start: Int32
        var end: Int32
    }
    var nodes: [Node] = []
    /// Point indices in tree order.
    var order: [Int32]
    let points: [SIMD2<Double>]

    init(_ y: [SIMD2<Double>]) {
        points = y
        order = Array(0..<Int32(y.count))
        let (lo, hi) = boundingBox(y)
        let side = max(hi.x - lo.x, hi.y - lo.y) * (1 + 1e-9) + 1e-12
        nodes.reserveCapacity(2 * y.count)
        build(0, y.count, lo: lo, side: side, depth: 0)
    }

    /// Builds the node for order[start..<end] in the square at `lo` with `side`; returns its index.
    @discardableResult
    private mutating func build(_ start: Int, _ end: Int, lo: SIMD2<Double>, side: Double, depth: Int) -> Int {
        let me = nodes.count
        var centre = SIMD2<Double>.zero
        for k in start..<end { centre += points[Int(order[k])] }
        nodes.append(
            Node(
                centre: centre / Double(max(end - start, 1)), count: Double(end - start), side2: side * side,
                firstChild: -1, start: Int32(start), end: Int32(end)))
        // A leaf: one point, or points too close to split further (duplicates).
        guard end - start > 1, depth < 48 else { return me }
        let mid = lo + side / 2
        // Partition by y then by x within each half: quadrants 0 (low y, low x), 1, 2, 3.
        let splitY = partition(start, end) { $0.y < mid.y }
        let splitLow = partition(start, splitY) { $0.x < mid.x }
        let splitHigh = partition(splitY, end) { $0.x < mid.x }
        let ranges = [(start, splitLow), (splitLow, splitY), (splitY, splitHigh), (splitHigh, end)]
        let corners = [lo, SIMD2(mid.x, lo.y), SIMD2(lo.x, mid.y), mid]
        // Children are appended consecutively: reserve four slots first, then fill them.
        let first = nodes.count
        nodes.append(contentsOf: repeatElement(nodes[me], count: 4))
        nodes[me].firstChild = Int32(first)
        for q in 0..<4 {
            let child = buildChild(ranges[q].0, ranges[q].1, lo: corners[q], side: side / 2, depth: depth + 1)
            nodes[first + q] = child
        }
        return me
    }

    /// A child node: empty, or built at the end of `nodes` and moved into its slot.
    private mutating func buildChild(_ start: Int, _ end: Int, lo: SIMD2<Double>, side: Double, depth: Int) -> Node {
        if start == end {
            return Node(centre: .zero, count: 0, side2: 0, firstChild: -1, start: Int32(start), end: Int32(end))
        }
        let index = build(start, end, lo: lo, side: side, depth: depth)
        // `build` appended this node at `index`; its own children (if any) follow it.
        return nodes[index]
    }

    private mutating func partition(_ start: Int, _ end: Int, _ below: (SIMD2<Double>) -> Bool) -> Int {
        var i = start
        var j = end - 1
        while i <= j {
            if below(points[Int(order[i])]) {
                i += 1
            } else {
                order.swapAt(i, j)
                j -= 1
            }
        }
        return i
    }

    /// Σⱼ qᵢⱼ² Z² (yᵢ − yⱼ) and Σⱼ qᵢⱼ Z over j ≠ i (unnormalised q = 1 / (1 + d²)).
    /// `stack` is scratch space, reused between calls.
    func repulsion(on i: Int, theta: Double, stack: inout [Int32]) -> (SIMD2<Double>, Double) {
        let y = points[i]
        var force = SIMD2<Double>.zero
        var z = 0.0
        let theta2 = theta * theta
        stack.removeAll(keepingCapacity: true)
        stack.append(0)
        return nodes.withUnsafeBufferPointer { nodes in
            while let top = stack.popLast() {
                let node = nodes[Int(top)]
                guard node.count > 0 else { continue }
                let d = y - node.centre
                let d2 = (d * d).sum()
                if node.firstChild < 0 {
                    // A leaf: its points one by one, leaving out i itself.
                    if node.count == 1 {
                        if Int(order[Int(node.start)]) == i { continue }
                        let q = 1 / (1 + d2)
                        z += q
                        force += q * q * d
                    } else {
                        for k in Int(node.start)..<Int(node.end) where Int(order[k]) != i {
                            let dk = y - points[Int(order[k])]
                            let q = 1 / (1 + (dk * dk).sum())
                            z += q
                            force += q * q * dk
                        }
                    }
                } else if node.side2 < theta2 * d2 {
                    let q = 1 / (1 + d2)
                    z += node.count * q
                    force += node.count * q * q * d
                } else {
                    for c in 0..<4 { stack.append(node.firstChild + Int32(c)) }
                }
            }
            return (force, z)
        }
    }
}

extension ClusterMetrics {
    /// How well an embedding keeps neighbourhoods, as `sklearn.manifold.trustworthiness`: 1 − 2 / (n k
    /// (2n − 3k − 1)) Σᵢ Σ_{j among i's k nearest in the embedding} max(0, rank of j among i's input
    /// neighbours − k). Exact: every row's input distances to all rows, one row at a time.
    public static func trustworthiness(_ x: Matrix, embedding y: [SIMD2<Double>], k: Int = 10) -> Double? {
        let n = x.rows
        guard n == y.count, k >= 1, 2 * n - 3 * k - 1 > 0 else { return nil }
        var penalty = [Double](repeating: 0, count: n)
        penalty.withUnsafeMutableBufferPointer { pb in
            let out = UncheckedSendable(pb)
            NearestNeighbours(x).forEachRow { i, input in
                // i's k nearest in the embedding.
                var heap: [(Double, Int32)] = []
                heap.reserveCapacity(k + 1)
                for j in 0..<n where j != i {
                    let d = y[i] - y[j]
                    let e = ((d * d).sum(), Int32(j))
                    if heap.count == k, !Heap.less(e, heap[0]) { continue }
                    Heap.push(&heap, e, limit: k)
                }
                // The rank of each in input space: 1 + how many rows are strictly nearer.
                var sum = 0.0
                for (_, j) in heap {
                    let t = input[Int(j)]
                    var nearer = 0
                    for m in 0..<n where input[m] < t { nearer += 1 }
                    sum += Double(max(0, nearer + 1 - k))
                }
                out.value[i] = sum
            }
        }
        let t = penalty.reduce(0, +)
        return 1 - t * 2 / (Double(n) * Double(k) * Double(2 * n - 3 * k - 1))
    }
}
