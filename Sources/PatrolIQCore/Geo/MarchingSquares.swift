/// Iso-lines of a gridded field, assembled into polygons (marching squares).
///
/// Nodes are the grid's cell centres. Each square's crossing points lie on its edges, linearly
/// interpolated; saddles are resolved by the square's mean value. Segments run with the region
/// above the level on their left, so outer boundaries come out counter-clockwise and holes clockwise
/// (RFC 7946's rule) without a separate orientation pass. The grid is padded below the level, so every
/// ring closes.
public enum MarchingSquares {
    /// Polygons where `values` ≥ `level`. `values` is row-major with row 0 at the south (y up);
    /// node (i, j) sits at `origin + (i + 0.5, j + 0.5) · cell`.
    public static func polygons(
        values: [Float], width w: Int, height h: Int, origin: SIMD2<Double>, cell: Double, level: Float
    ) -> [Polygon] {
        // Padded grid: one row / column of "below" on every side.
        let pw = w + 2
        let ph = h + 2
        func v(_ i: Int, _ j: Int) -> Float {
            let x = i - 1
            let y = j - 1
            guard x >= 0, y >= 0, x < w, y < h else { return -Float.infinity }
            return values[y * w + x]
        }
        func node(_ i: Int, _ j: Int) -> SIMD2<Double> {
            origin + SIMD2(Double(i - 1) + 0.5, Double(j - 1) + 0.5) * cell
        }
        // Edge ids: horizontal edge (i,j)-(i+1,j) → 2·(j·pw + i); vertical (i,j)-(i,j+1) → 2·(j·pw + i) + 1.
        func hEdge(_ i: Int, _ j: Int) -> Int { 2 * (j * pw + i) }
        func vEdge(_ i: Int, _ j: Int) -> Int { 2 * (j * pw + i) + 1 }
        func point(_ e: Int) -> SIMD2<Double> {
            let k = e / 2
            let i = k % pw
            let j = k / pw
            let a = node(i, j)
            let (va, b, vb) =
                e % 2 == 0 ? (v(i, j), node(i + 1, j), v(i + 1, j)) : (v(i, j), node(i, j + 1), v(i, j + 1))
            // Padding values are −∞: the crossing sits on the data node side, at half a cell.
            if !va.isFinite { return b + (a - b) * 0.5 }
            if !vb.isFinite { return a + (b - a) * 0.5 }
            let t = Double((level - va) / (vb - va))
            return a + (b - a) * min(max(t, 0), 1)
        }
        var next: [Int: Int] = [:]  // directed segments: from edge → to edge
        for j in 0..<(ph - 1) {
            for i in 0..<(pw - 1) {
                // Corners: a = (i, j) SW, b = (i+1, j) SE, c = (i+1, j+1) NE, d = (i, j+1) NW.
                let a = v(i, j) >= level
                let b = v(i + 1, j) >= level
                let c = v(i + 1, j + 1) >= level
                let d = v(i, j + 1) >= level
                let idx = (a ? 1 : 0) | (b ? 2 : 0) | (c ? 4 : 0) | (d ? 8 : 0)
                if idx == 0 || idx == 15 { continue }
                let s = hEdge(i, j)
                let e = vEdge(i + 1, j)
                let n = hEdge(i, j + 1)
                let wE = vEdge(i, j)
                // Each segment keeps the high corners on its left when walking from → to.
                switch idx {
                case 1: next[s] = wE
                case 2: next[e] = s
                case 3: next[e] = wE
                case 4: next[n] = e
                case 6: next[n] = s
                case 7: next[n] = wE
                case 8: next[wE] = n
                case 9: next[s] = n
                case 11: next[e] = n
                case 12: next[wE] = e
                case 13: next[s] = e
                case 14: next[wE] = s
                case 5, 10:
                    let centre =
                        (finite(v(i, j)) + finite(v(i + 1, j)) + finite(v(i + 1, j + 1)) + finite(v(i, j + 1))) / 4
                    let joined = centre >= level
                    if idx == 5 {  // SW and NE high
                        if joined {
                            next[s] = e
                            next[n] = wE
                        } else {
                            next[s] = wE
                            next[n] = e
                        }
                    } else {  // SE and NW high
                        if joined {
                            next[wE] = s
                            next[e] = n
                        } else {
                            next[e] = s
                            next[wE] = n
                        }
                    }
                default: break
                }
            }
        }
        // Follow the links into closed rings.
        var rings: [Ring] = []
        var visited = Set<Int>()
        for startEdge in next.keys.sorted() where !visited.contains(startEdge) {
            var ring: Ring = []
            var e = startEdge
            while !visited.contains(e), let to = next[e] {
                visited.insert(e)
                ring.append(point(e))
                e = to
            }
            ring.append(ring.first!)
            if let r = PolygonMath.cleaned(ring) { rings.append(r) }
        }
        // Counter-clockwise rings are exteriors; each clockwise ring is a hole of the smallest exterior holding it.
        var exteriors = rings.filter { PolygonMath.signedArea($0) > 0 }.map { Polygon(exterior: $0) }
        let holes = rings.filter { PolygonMath.signedArea($0) < 0 }
        let areas = exteriors.map { PolygonMath.signedArea($0.exterior) }
        for hole in holes {
            let probe = hole[0]
            var best = -1
            for (k, p) in exteriors.enumerated() where PolygonMath.contains(p.exterior, probe) {
                if best < 0 || areas[k] < areas[best] { best = k }
            }
            if best >= 0 { exteriors[best].holes.append(hole) }
        }
        return exteriors
    }

    private static func finite(_ x: Float) -> Float { x.isFinite ? x : 0 }
}
