/// Every incident on the Web Mercator unit square, put in area order once, so that each layer of a
/// pyramid is a filter of it rather than a projection and a sort of its own (13 standard layers on 8 M
/// incidents: one projection and sort instead of 13, and a fifth less peak memory in `tiles --update`).
public struct LayerUnits: Sendable {
    /// Row order.
    public let units: [SIMD2<Double>]
    public let longitude: [Double]
    public let latitude: [Double]
    /// Rows in `DensityRaster.areaOrder`; nil when that keeps the order.
    private let order: [Int32]?

    public init(longitude: [Double], latitude: [Double]) {
        self.longitude = longitude
        self.latitude = latitude
        units = DensityRaster.units(lon: longitude, lat: latitude)
        order = DensityRaster.areaOrder(units)
    }

    /// The rows where `mask` holds (one entry per row): their units grouped by area
    /// (`DensityRaster.groupedByArea` of them, bit for bit) and their bounds (nil when there are none).
    public func units(in mask: [Bool]) -> (units: [SIMD2<Double>], bounds: GeoBounds?) {
        precondition(mask.count == units.count)
        var count = 0
        var (minLon, minLat) = (Double.infinity, Double.infinity)
        var (maxLon, maxLat) = (-Double.infinity, -Double.infinity)
        for i in units.indices where mask[i] {
            count += 1
            minLon = min(minLon, longitude[i])
            maxLon = max(maxLon, longitude[i])
            minLat = min(minLat, latitude[i])
            maxLat = max(maxLat, latitude[i])
        }
        guard count > 0 else { return ([], nil) }
        let bounds = GeoBounds(minLon: minLon, minLat: minLat, maxLon: maxLon, maxLat: maxLat)
        var out: [SIMD2<Double>] = []
        out.reserveCapacity(count)
        if let order {
            for r in order where mask[Int(r)] { out.append(units[Int(r)]) }
            return (out, bounds)
        }
        // Grouped already, or spread too vastly for one table: the subset decides for itself.
        for i in units.indices where mask[i] { out.append(units[i]) }
        return (DensityRaster.groupedByArea(out), bounds)
    }
}
