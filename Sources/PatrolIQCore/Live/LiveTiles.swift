import Foundation

/// Heatmap tiles of any filter, on demand: the renderer and colour ramp of the MBTiles layers, the
/// density computed only around the tile asked for.
///
/// The colour scale is fixed per filter: the cap is the `capQuantile` of non-zero density of the
/// filter's incidents at zoom `referenceZoom`, in incidents per km², so every zoom of one filter
/// shares one true legend and adjacent tiles join without seams. (The MBTiles layers take the
/// quantile at each zoom; at the reference zoom the two caps are the same.)
public struct LiveTiles: Sendable {
    public static let referenceZoom = 11
    public let index: LiveIndex
    public var options: TileOptions

    public init(index: LiveIndex, options: TileOptions = TileOptions()) {
        self.index = index
        self.options = options
    }

    /// A filter made ready to draw: its mask, its cap and its extent.
    public struct Prepared: Sendable {
        public let mask: [Bool]
        public let count: Int
        /// Top colour, incidents per km².
        public let capPerKm2: Double
        public let bounds: GeoBounds?
    }

    public func prepare(_ filter: IncidentFilter) throws -> Prepared {
        let mask = try index.mask(filter)
        let t = index.table
        var lon: [Double] = []
        var lat: [Double] = []
        for i in mask.indices where mask[i] {
            lon.append(t.longitude[i])
            lat.append(t.latitude[i])
        }
        guard !lon.isEmpty, let minLon = lon.min(), let maxLon = lon.max(), let minLat = lat.min(),
            let maxLat = lat.max()
        else {
            return Prepared(mask: mask, count: 0, capPerKm2: 1, bounds: nil)
        }
        let raster = DensityRaster.build(
            lon: lon, lat: lat, zoom: Self.referenceZoom, bandwidth: options.bandwidth, centerLat: index.centerLat,
            tileSize: 256 * options.scale)
        let cap = raster.perSquareKilometre(raster.colourCap(options.capQuantile), lat: index.centerLat)
        return Prepared(
            mask: mask, count: lon.count, capPerKm2: cap,
            bounds: GeoBounds(minLon: minLon, minLat: minLat, maxLon: maxLon, maxLat: maxLat))
    }

    /// The PNG of tile z/x/y, or nil when it holds no colour.
    public func png(z: Int, x: Int, y: Int, prepared p: Prepared) throws -> [UInt8]? {
        guard p.count > 0, let ramp = ColorRamp(name: options.colormap) else { return nil }
        let tileSize = 256 * options.scale
        let t = index.table
        let raster = DensityRaster.window(
            tileX: x, tileY: y, zoom: z, bandwidth: options.bandwidth, centerLat: index.centerLat, tileSize: tileSize
        ) { lo, hi, add in
            // A cheap test on the stored position first (16 pixels of slack for its Float rounding).
            let world = Float(tileSize << z)
            let a = SIMD2<Float>(lo) / world - 16 / world
            let b = SIMD2<Float>(hi) / world + 16 / world
            p.mask.withUnsafeBufferPointer { mask in
                index.mercator.withUnsafeBufferPointer { m in
                    index.runs(zoom: z, from: lo, to: hi) { r in
                        for i in r where mask[i] {
                            let q = m[i]
                            if q.x >= a.x, q.y >= a.y, q.x <= b.x, q.y <= b.y { add(t.longitude[i], t.latitude[i]) }
                        }
                    }
                }
            }
        }
        // The cap in this zoom's raster units (a raster cell's share of a km²).
        let side = WebMercator.metresPerPixel(lat: index.centerLat, zoom: z, tileSize: tileSize) * Double(raster.factor)
        // As the MBTiles renderer: the reciprocal of the Float cap (the same Float at the reference zoom).
        let inv = 1 / Float(p.capPerKm2 * side * side / 1e6)
        guard let idx = raster.tileIndices(x: x, y: y, scale: inv) else { return nil }
        // Level 2: a live tile is answered now and cached in memory, not archived. With libdeflate it
        // compresses about a fifth faster than the stored layers' level 6, half again as large.
        return try PNGCodec.encodePalette(
            width: tileSize, height: tileSize, indices: idx, palette: ramp.rgba, compression: 2)
    }

    /// The legend of a prepared filter: one cap for every zoom.
    public func legend(_ p: Prepared, layer: String, minZoom: Int, maxZoom: Int) -> TileLegend {
        let ramp = ColorRamp(name: options.colormap) ?? ColorRamp(name: "heat")
        return TileLegend(
            colormap: options.colormap, colors: ramp?.legend() ?? [], quantile: options.capQuantile,
            caps: Dictionary(uniqueKeysWithValues: (minZoom...maxZoom).map { (String($0), p.capPerKm2) }),
            bandwidthMetres: options.bandwidth, layer: layer, incidents: p.count, tileSize: 256 * options.scale)
    }
}
