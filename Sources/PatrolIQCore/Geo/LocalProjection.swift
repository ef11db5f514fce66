import Foundation

/// A geographic box in degrees.
public struct GeoBounds: Sendable, Equatable, Codable {
    public var minLon: Double
    public var minLat: Double
    public var maxLon: Double
    public var maxLat: Double

    public init(minLon: Double, minLat: Double, maxLon: Double, maxLat: Double) {
        self.minLon = minLon
        self.minLat = minLat
        self.maxLon = maxLon
        self.maxLat = maxLat
    }

    /// Chicago's plausible extent: the city limits with a margin (lat 41.6–42.1, lon −87.95 – −87.5).
    public static let chicago = GeoBounds(minLon: -87.95, minLat: 41.6, maxLon: -87.5, maxLat: 42.1)

    @inline(__always)
    public func contains(lon: Double, lat: Double) -> Bool {
        lon >= minLon && lon <= maxLon && lat >= minLat && lat <= maxLat
    }

    public var center: (lon: Double, lat: Double) { ((minLon + maxLon) / 2, (minLat + maxLat) / 2) }

    /// Parses `minLon,minLat,maxLon,maxLat`.
    public init?(parsing s: String) {
        // Every part must be a finite number: `1,x,2,3` is an error, not the box 1,2,3.
        let parts = s.split(separator: ",", omittingEmptySubsequences: false)
        let p = parts.compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }.filter(\.isFinite)
        guard parts.count == 4, p.count == 4, p[0] < p[2], p[1] < p[3], p[1] >= -90, p[3] <= 90, p[0] >= -180,
            p[2] <= 180
        else { return nil }
        self.init(minLon: p[0], minLat: p[1], maxLon: p[2], maxLat: p[3])
    }
}

/// Local equirectangular projection about an origin: metres east (x) and north (y).
///
/// Over a city (±30 km) its distance error stays below 0.1 %, well inside what clustering needs,
/// and it is invertible in closed form. Distances in metres (DBSCAN eps, bandwidths) use it.
public struct LocalProjection: Sendable, Equatable, Codable {
    /// Mean Earth radius (IUGG), metres.
    public static let earthRadius = 6_371_008.8
    public let originLon: Double
    public let originLat: Double
    let kx: Double
    let ky: Double

    public init(originLon: Double, originLat: Double) {
        self.originLon = originLon
        self.originLat = originLat
        ky = Self.earthRadius * .pi / 180
        kx = ky * cos(originLat * .pi / 180)
    }

    @inline(__always)
    public func project(lon: Double, lat: Double) -> SIMD2<Double> {
        SIMD2((lon - originLon) * kx, (lat - originLat) * ky)
    }

    @inline(__always)
    public func unproject(_ p: SIMD2<Double>) -> (lon: Double, lat: Double) {
        (p.x / kx + originLon, p.y / ky + originLat)
    }
}

/// A square grid in projected metres, anchored at the extent's south-west corner.
/// Cell ids run row by row from the south-west: `row * columns + column`.
public struct SquareGrid: Sendable, Equatable, Codable {
    public let origin: SIMD2<Double>
    public let cellSize: Double
    public let columns: Int
    public let rows: Int

    public init(bounds: GeoBounds, projection: LocalProjection, cellSize: Double) {
        let sw = projection.project(lon: bounds.minLon, lat: bounds.minLat)
        let ne = projection.project(lon: bounds.maxLon, lat: bounds.maxLat)
        origin = sw
        self.cellSize = cellSize
        columns = max(1, Int(((ne.x - sw.x) / cellSize).rounded(.up)))
        rows = max(1, Int(((ne.y - sw.y) / cellSize).rounded(.up)))
    }

    @inline(__always)
    public func cell(_ p: SIMD2<Double>) -> Int32 {
        let c = min(max(Int((p.x - origin.x) / cellSize), 0), columns - 1)
        let r = min(max(Int((p.y - origin.y) / cellSize), 0), rows - 1)
        return Int32(r * columns + c)
    }

    /// Centre of a cell in projected metres.
    public func center(of cell: Int32) -> SIMD2<Double> {
        let c = Int(cell) % columns
        let r = Int(cell) / columns
        return origin + SIMD2(Double(c) + 0.5, Double(r) + 0.5) * cellSize
    }
}
