/// A closed ring of points (first point repeated at the end, as RFC 7946 requires).
public typealias Ring = [SIMD2<Double>]

/// A polygon: one exterior ring (counter-clockwise) and zero or more holes (clockwise).
public struct Polygon: Sendable, Equatable {
    public var exterior: Ring
    public var holes: [Ring]

    public init(exterior: Ring, holes: [Ring] = []) {
        self.exterior = exterior
        self.holes = holes
    }

    /// Area enclosed, holes subtracted (units of the coordinates squared).
    public var area: Double {
        abs(PolygonMath.signedArea(exterior)) - holes.reduce(0) { $0 + abs(PolygonMath.signedArea($1)) }
    }

    /// True when `p` is inside the exterior and outside every hole.
    public func contains(_ p: SIMD2<Double>) -> Bool {
        PolygonMath.contains(exterior, p) && !holes.contains { PolygonMath.contains($0, p) }
    }
}

public enum PolygonMath {
    /// Shoelace area: positive for counter-clockwise rings (x east, y north).
    public static func signedArea(_ r: Ring) -> Double {
        guard r.count >= 3 else { return 0 }
        var s = 0.0
        for i in 0..<(r.count - 1) { s += r[i].x * r[i + 1].y - r[i + 1].x * r[i].y }
        if r.first != r.last, let a = r.last, let b = r.first { s += a.x * b.y - b.x * a.y }
        return s / 2
    }

    /// Even–odd point-in-ring test.
    public static func contains(_ r: Ring, _ p: SIMD2<Double>) -> Bool {
        var inside = false
        var j = r.count - 1
        for i in 0..<r.count {
            let a = r[i]
            let b = r[j]
            if (a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x { inside.toggle() }
            j = i
        }
        return inside
    }

    /// Whether two closed segments cross or touch.
    static func segmentsIntersect(_ p1: SIMD2<Double>, _ p2: SIMD2<Double>, _ q1: SIMD2<Double>, _ q2: SIMD2<Double>)
        -> Bool
    {
        func orient(_ a: SIMD2<Double>, _ b: SIMD2<Double>, _ c: SIMD2<Double>) -> Double {
            (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x)
        }
        func onSegment(_ a: SIMD2<Double>, _ b: SIMD2<Double>, _ c: SIMD2<Double>) -> Bool {
            min(a.x, b.x) <= c.x && c.x <= max(a.x, b.x) && min(a.y, b.y) <= c.y && c.y <= max(a.y, b.y)
        }
        let d1 = orient(q1, q2, p1)
        let d2 = orient(q1, q2, p2)
        let d3 = orient(p1, p2, q1)
        let d4 = orient(p1, p2, q2)
        if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) { return true }
        if d1 == 0 && onSegment(q1, q2, p1) { return true }
        if d2 == 0 && onSegment(q1, q2, p2) { return true }
        if d3 == 0 && onSegment(p1, p2, q1) { return true }
        if d4 == 0 && onSegment(p1, p2, q2) { return true }
        return false
    }

    /// True when no two non-adjacent edges of the closed ring touch (O(n²): for checks and tests).
    public static func isSimple(_ r: Ring) -> Bool {
        let n = r.count - 1  // edges
        guard n >= 3, r.first == r.last else { return false }
        for i in 0..<n {
            for j in (i + 1)..<n {
                if j == i + 1 || (i == 0 && j == n - 1) { continue }  // adjacent edges share a vertex
                if segmentsIntersect(r[i], r[i + 1], r[j], r[j + 1]) { return false }
            }
        }
        return true
    }

    /// Removes repeated consecutive points and closes the ring; nil when fewer than 3 distinct points remain.
    public static func cleaned(_ r: Ring) -> Ring? {
        var out: Ring = []
        for p in r where out.last != p { out.append(p) }
        if out.count > 1 && out.first == out.last { out.removeLast() }
        guard out.count >= 3 else { return nil }
        out.append(out[0])
        return out
    }
}

/// A ring's edges bucketed by horizontal bands, for many point-in-ring questions: the even–odd test
/// only counts edges that span the point's y, and all of those are in its band, so the answer is
/// `PolygonMath.contains`'s exactly, from a handful of edges instead of all of them.
public struct IndexedRing: Sendable {
    let minY: Double
    let maxY: Double
    let bandHeight: Double
    /// Edges (a, b) of band k are `edges[start[k]..<start[k + 1]]`.
    let start: [Int32]
    let edges: [(SIMD2<Double>, SIMD2<Double>)]

    public init(_ r: Ring) {
        let n = r.count
        let ys = r.map(\.y)
        let lo = ys.min() ?? 0
        let hi = ys.max() ?? 0
        let bands = max(1, min(4096, n / 4))
        let h = max((hi - lo) / Double(bands), .leastNormalMagnitude)
        func band(_ y: Double) -> Int { min(bands - 1, max(0, Int(((y - lo) / h).rounded(.down)))) }
        // Edge (r[i], r[j]) with j the previous vertex, as the even–odd loop walks them.
        var lists = [[(SIMD2<Double>, SIMD2<Double>)]](repeating: [], count: bands)
        var j = n - 1
        for i in 0..<n {
            let (a, b) = (r[i], r[j])
            for k in band(min(a.y, b.y))...band(max(a.y, b.y)) { lists[k].append((a, b)) }
            j = i
        }
        var s: [Int32] = [0]
        var e: [(SIMD2<Double>, SIMD2<Double>)] = []
        for l in lists {
            e += l
            s.append(Int32(e.count))
        }
        minY = lo
        maxY = hi
        bandHeight = h
        start = s
        edges = e
    }

    public func contains(_ p: SIMD2<Double>) -> Bool {
        // Beyond the ring's y range no edge spans p.y: outside (NaN fails both tests too).
        guard !edges.isEmpty, p.y >= minY, p.y <= maxY else { return false }
        let bands = start.count - 1
        // The same (clamped, monotone) band as the edges were filed under.
        let band = min(bands - 1, max(0, Int(((p.y - minY) / bandHeight).rounded(.down))))
        var inside = false
        for e in Int(start[band])..<Int(start[band + 1]) {
            let (a, b) = edges[e]
            if (a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x { inside.toggle() }
        }
        return inside
    }
}

/// A polygon with indexed rings: `Polygon.contains` for many points.
public struct IndexedPolygon: Sendable {
    let exterior: IndexedRing
    let holes: [IndexedRing]

    public init(_ p: Polygon) {
        exterior = IndexedRing(p.exterior)
        holes = p.holes.map(IndexedRing.init)
    }

    public func contains(_ p: SIMD2<Double>) -> Bool {
        exterior.contains(p) && !holes.contains { $0.contains(p) }
    }
}
