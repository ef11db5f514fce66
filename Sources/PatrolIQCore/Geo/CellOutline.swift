/// The outline of a set of grid squares as valid polygons: adjacent squares merge, holes stay holes.
///
/// The set is split into groups of squares sharing a side (squares meeting only at a corner are
/// separate polygons). In each group every square side that borders a square outside it becomes an
/// edge, directed with the group on its left; edges are chained into rings, turning right where two
/// rings meet at a corner, which keeps the outside and each hole apart: rings touch at most at a
/// point (valid in the OGC sense, as RFC 7946 readers and GEOS require). The counter-clockwise ring
/// is the exterior, clockwise rings are holes. Collinear vertices are dropped.
public enum CellOutline {
    /// Polygons in grid units: square (x, y) spans [x, x+1] × [y, y+1].
    public static func polygons(_ squares: Set<SIMD2<Int32>>) -> [Polygon] {
        components(squares).flatMap(outline)
    }

    /// Groups of squares sharing a side, lowest square first.
    public static func components(_ squares: Set<SIMD2<Int32>>) -> [Set<SIMD2<Int32>>] {
        var seen: Set<SIMD2<Int32>> = []
        var out: [Set<SIMD2<Int32>>] = []
        for s in squares.sorted(by: { ($0.y, $0.x) < ($1.y, $1.x) }) where !seen.contains(s) {
            var group: Set<SIMD2<Int32>> = [s]
            var stack = [s]
            seen.insert(s)
            while let q = stack.popLast() {
                for d in [SIMD2<Int32>(1, 0), SIMD2(-1, 0), SIMD2(0, 1), SIMD2(0, -1)] {
                    let n = q &+ d
                    if squares.contains(n), !seen.contains(n) {
                        seen.insert(n)
                        group.insert(n)
                        stack.append(n)
                    }
                }
            }
            out.append(group)
        }
        return out
    }

    private static func outline(_ squares: Set<SIMD2<Int32>>) -> [Polygon] {
        // Directed edges by start vertex.
        var outgoing: [SIMD2<Int32>: [SIMD2<Int32>]] = [:]
        let sides: [(SIMD2<Int32>, SIMD2<Int32>, SIMD2<Int32>)] = [
            (SIMD2(0, -1), SIMD2(0, 0), SIMD2(1, 0)), (SIMD2(1, 0), SIMD2(1, 0), SIMD2(1, 1)),
            (SIMD2(0, 1), SIMD2(1, 1), SIMD2(0, 1)), (SIMD2(-1, 0), SIMD2(0, 1), SIMD2(0, 0)),
        ]
        for s in squares {
            for (across, from, to) in sides where !squares.contains(s &+ across) {
                outgoing[s &+ from, default: []].append(s &+ to)
            }
        }
        var rings: [[SIMD2<Int32>]] = []
        // Start from the lowest vertices first, so the output does not depend on hashing order, and
        // at plain corners before meeting points, so a ring never closes half-way round.
        let starts = outgoing.keys.sorted { ($0.y, $0.x) < ($1.y, $1.x) }
        for plainOnly in [true, false] {
            for start in starts where !plainOnly || outgoing[start]?.count == 1 {
                while let first = outgoing[start]?.first {
                    rings.append(trace(&outgoing, from: start, first))
                }
            }
        }
        let real = rings.map {
            $0.map { SIMD2(Double($0.x), Double($0.y)) } + [SIMD2(Double($0[0].x), Double($0[0].y))]
        }
        var polygons = real.filter { PolygonMath.signedArea($0) > 0 }.map { Polygon(exterior: $0) }
        for hole in real where PolygonMath.signedArea(hole) < 0 {
            // A point just inside the hole: right of its first edge's middle.
            let a = hole[0]
            let b = hole[1]
            let d = b - a
            let probe = (a + b) / 2 + SIMD2(d.y, -d.x) / (2 * (d * d).sum().squareRoot()) * 0.5
            let around = polygons.indices.filter { PolygonMath.contains(polygons[$0].exterior, probe) }
            if polygons.count == 1 {
                polygons[0].holes.append(hole)
            } else if let k = around.min(by: { polygons[$0].area < polygons[$1].area }) {
                polygons[k].holes.append(hole)
            }
        }
        return polygons
    }

    private static func trace(
        _ outgoing: inout [SIMD2<Int32>: [SIMD2<Int32>]], from start: SIMD2<Int32>, _ first: SIMD2<Int32>
    ) -> [SIMD2<Int32>] {
        var ring = [start]
        var prev = start
        var cur = first
        remove(&outgoing, prev, cur)
        while cur != start {
            ring.append(cur)
            guard let nexts = outgoing[cur], !nexts.isEmpty else { break }
            let d = cur &- prev
            // Prefer the right turn (only possible where two rings meet), then straight on, then left.
            let right = SIMD2(d.y, -d.x)
            let next = nexts.first { $0 &- cur == right } ?? nexts.first { $0 &- cur == d } ?? nexts[0]
            remove(&outgoing, cur, next)
            prev = cur
            cur = next
        }
        return simplified(ring)
    }

    private static func remove(_ m: inout [SIMD2<Int32>: [SIMD2<Int32>]], _ from: SIMD2<Int32>, _ to: SIMD2<Int32>) {
        guard var list = m[from], let i = list.firstIndex(of: to) else { return }
        list.remove(at: i)
        m[from] = list.isEmpty ? nil : list
    }

    /// Drops vertices where the ring goes straight on.
    private static func simplified(_ ring: [SIMD2<Int32>]) -> [SIMD2<Int32>] {
        let n = ring.count
        guard n > 3 else { return ring }
        var out: [SIMD2<Int32>] = []
        for i in 0..<n {
            let a = ring[(i + n - 1) % n]
            let b = ring[i]
            let c = ring[(i + 1) % n]
            let u = b &- a
            let v = c &- b
            if u.x * v.y - u.y * v.x != 0 { out.append(b) }
        }
        // Start at the lowest-then-leftmost vertex, for stable output.
        guard let k = out.indices.min(by: { (out[$0].y, out[$0].x) < (out[$1].y, out[$1].x) }) else { return out }
        return Array(out[k...] + out[..<k])
    }
}
