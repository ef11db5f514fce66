/// The smallest axis-aligned box holding `points`: lowest and highest x and y, (0, 0) twice when there
/// are none. Grids, quadtrees and polygon tests all start from it.
func boundingBox<C: Collection>(_ points: C) -> (lo: SIMD2<Double>, hi: SIMD2<Double>)
where C.Element == SIMD2<Double> {
    guard var lo = points.first else { return (.zero, .zero) }
    var hi = lo
    for p in points {
        lo = pointwiseMin(lo, p)
        hi = pointwiseMax(hi, p)
    }
    return (lo, hi)
}
