/// The density rasters of a pyramid, zoom after zoom, each built only when its lattice differs from the
/// zoom before.
///
/// The raster cell doubles with the zoom once sigma reaches 8 cells (`DensityRaster.kernel`), so the
/// street zooms (z12–16 at the default 150 m) share one lattice and one sigma: every scaling in
/// `DensityRaster.build` is then by a power of two, and the values come out bit for bit the same.
/// Building that raster once instead of five times leaves five builds of a z8–16 pyramid's nine.
public struct ZoomRasters: Sendable {
    public let units: [SIMD2<Double>]
    public let bandwidth: Double
    public let centerLat: Double
    public let tileSize: Int
    public let capQuantile: Double
    /// The units' bounding box, found once for every zoom's build.
    private let extent: (lo: SIMD2<Double>, hi: SIMD2<Double>)
    private var last: (raster: DensityRaster, cap: Float)?

    /// `units` as `DensityRaster.build` takes them (grouped by area for a tile pyramid).
    public init(units: [SIMD2<Double>], bandwidth: Double, centerLat: Double, tileSize: Int, capQuantile: Double) {
        self.units = units
        self.bandwidth = bandwidth
        self.centerLat = centerLat
        self.tileSize = tileSize
        self.capQuantile = capQuantile
        extent = boundingBox(units)
    }

    /// Zoom `z`'s raster and colour cap (`colourCap(capQuantile)`), as a fresh build would give them.
    public mutating func raster(zoom z: Int) -> (raster: DensityRaster, cap: Float) {
        if let last, let same = last.raster.relabelled(zoom: z, bandwidth: bandwidth, centerLat: centerLat) {
            self.last = (same, last.cap)
            return (same, last.cap)
        }
        let raster = DensityRaster.build(
            units: units, zoom: z, bandwidth: bandwidth, centerLat: centerLat, tileSize: tileSize, extent: extent)
        let next = (raster, raster.colourCap(capQuantile))
        last = next
        return next
    }
}

extension DensityRaster {
    /// This raster as zoom `z`'s, when `z`'s kernel (`kernel(zoom:…)`) has cells of the same ground size
    /// and the same sigma; nil otherwise. Only the zoom, the cell side in that zoom's pixels and the
    /// origin's pixel units change.
    public func relabelled(zoom z: Int, bandwidth: Double, centerLat: Double) -> DensityRaster? {
        if z == zoom { return self }
        let k = Self.kernel(zoom: z, bandwidth: bandwidth, centerLat: centerLat, tileSize: tileSize)
        // Cell sides in unit-square terms: factor / 2^zoom, compared without division.
        guard k.sigma == sigma, z < 62, zoom < 62, k.factor << zoom == factor << z else { return nil }
        return DensityRaster(
            zoom: z, tileSize: tileSize, factor: k.factor, origin: origin / Double(factor) * Double(k.factor),
            width: width, height: height, values: values, sigma: sigma)
    }
}
