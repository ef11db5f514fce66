import Foundation

/// Kernel density on a square grid in projected metres (rows from south to north), for contours and
/// cluster shapes. Each point adds a Gaussian of total mass 1, so values are incidents per cell.
public struct MetricDensityGrid: Sendable {
    public let origin: SIMD2<Double>
    public let cell: Double
    public let width: Int
    public let height: Int
    public var values: [Float]

    /// Density of `points` with Gaussian sigma `bandwidth` metres on cells of `cell` metres.
    /// The grid covers the points plus 3 sigma and is capped at `maxCells` cells (the cell grows to fit).
    public static func build(
        points: [SIMD2<Double>], cell requested: Double, bandwidth: Double, maxCells: Int = 4_000_000
    ) -> MetricDensityGrid {
        guard !points.isEmpty else {
            return MetricDensityGrid(origin: .zero, cell: requested, width: 0, height: 0, values: [])
        }
        var (lo, hi) = boundingBox(points)
        let margin = 3 * bandwidth + 2 * requested
        lo -= SIMD2(repeating: margin)
        hi += SIMD2(repeating: margin)
        var cell = requested
        while Double(Int((hi.x - lo.x) / cell) + 2) * Double(Int((hi.y - lo.y) / cell) + 2) > Double(maxCells) {
            cell *= 1.5
        }
        let w = Int((hi.x - lo.x) / cell) + 2
        let h = Int((hi.y - lo.y) / cell) + 2
        var grid = [Float](repeating: 0, count: w * h)
        for p in points { Bilinear.splat(&grid, width: w, at: (p - lo) / cell) }
        let sigma = max(bandwidth / cell, 0.5)
        let values = DensityRaster.gaussianBlur(
            grid, width: w, height: h, sigma: sigma, radius: Int((3 * sigma).rounded(.up)) + 1)
        return MetricDensityGrid(origin: lo, cell: cell, width: w, height: h, values: values)
    }

    /// Density at a position (bilinear between cell centres).
    public func value(at p: SIMD2<Double>) -> Float {
        Bilinear.sample(values, width: width, height: height, at: (p - origin) / cell)
    }

    /// Polygons where the density is at least `level`.
    public func contours(level: Float) -> [Polygon] {
        MarchingSquares.polygons(values: values, width: width, height: height, origin: origin, cell: cell, level: level)
    }

    /// The level whose region holds `share` of `points` (a highest-density region).
    public func levelHolding(_ share: Double, of points: [SIMD2<Double>]) -> Float {
        var d = points.map { value(at: $0) }
        guard !d.isEmpty else { return 0 }
        let k = min(d.count - 1, max(0, Int(((1 - share) * Double(d.count)).rounded(.down))))
        return DensityRaster.select(&d, k)
    }

    /// The density that the top `fraction` of occupied cells reach (e.g. 0.01: the densest 1 % of the area).
    public func levelOfTopCells(_ fraction: Double) -> Float {
        var nz = values.filter { $0 > 1e-6 }
        guard !nz.isEmpty else { return 0 }
        let k = min(nz.count - 1, Int((1 - fraction) * Double(nz.count)))
        return DensityRaster.select(&nz, k)
    }
}
