import Foundation

/// Parameters of a tile pyramid.
public struct TileOptions: Sendable {
    public var minZoom = 8
    public var maxZoom = 16
    /// Gaussian kernel sigma, metres on the ground.
    public var bandwidth = 150.0
    public var colormap = "heat"
    /// 1: 256-pixel tiles; 2: 512-pixel @2x tiles.
    public var scale = 1
    /// Colour scale cap: this quantile of the non-zero density of each zoom maps to the top colour.
    public var capQuantile = 0.995
    public var attribution =
        "Incident data: City of Chicago data portal (or the ingested source). Rendered by PatrolIQ."
    public init() {}
}

/// Result of rendering one layer.
public struct TileSummary: Sendable, Codable {
    public var layer: String
    public var path: String
    public var incidents: Int
    public var tiles: Int
    public var uniqueImages: Int
    public var bytes: Int
    public var seconds: Double
    /// Density (incidents per km²) at the top of the colour scale, per zoom.
    public var caps: [String: Double]
}

/// Renders density rasters to PNG tiles in an MBTiles store.
public enum TileRenderer {
    /// Raised whenever the same data would render to other bytes (pixels or PNG encoding); stored in
    /// each store's legend. 2: zlib's deflate tuned for heatmaps; 3: points splatted grouped by area
    /// (`DensityRaster.groupedByArea`); 4: image data deflated by libdeflate (`ImageDeflate`).
    public static let version = 4

    /// Whether a store with `legend` was rendered by this renderer, so that its tiles are the bytes a
    /// render would write now.
    public static func made(_ legend: TileLegend) -> Bool {
        legend.renderer == version && legend.deflate == ImageDeflate.library
    }

    public typealias Progress = @Sendable (_ zoom: Int, _ tiles: Int) -> Void

    public static func render(
        layer: TileLayer, lon: [Double], lat: [Double], centerLat: Double, bounds: GeoBounds, to path: String,
        options o: TileOptions, description: String, gridOut: String? = nil, sourceFingerprint: String? = nil,
        progress: Progress? = nil
    ) throws -> TileSummary {
        try render(
            layer: layer, units: DensityRaster.units(lon: lon, lat: lat), centerLat: centerLat, bounds: bounds,
            to: path, options: o, description: description, gridOut: gridOut, sourceFingerprint: sourceFingerprint,
            progress: progress)
    }

    /// The same from the incidents on the Web Mercator unit square (`DensityRaster.units`).
    public static func render(
        layer: TileLayer, units: [SIMD2<Double>], centerLat: Double, bounds: GeoBounds, to path: String,
        options o: TileOptions, description: String, gridOut: String? = nil, sourceFingerprint: String? = nil,
        progress: Progress? = nil
    ) throws -> TileSummary {
        let start = Date()
        let ramp = try Self.ramp(o, path: path)
        let writer = try MBTilesWriter(path: path)
        let units = DensityRaster.groupedByArea(units)
        let tileSize = 256 * o.scale
        var caps: [String: Float] = [:]
        var rasters = ZoomRasters(
            units: units, bandwidth: o.bandwidth, centerLat: centerLat, tileSize: tileSize, capQuantile: o.capQuantile)
        for z in o.minZoom...o.maxZoom {
            let (raster, cap) = rasters.raster(zoom: z)
            caps[String(z)] = cap
            if let gridOut {
                try GridExport.writeASCII(raster, to: gridOut + "/\(layer.name)_z\(z).asc", lat: centerLat)
            }
            let tiles = raster.coveredTiles()
            var written = 0
            for (k, png) in encode(raster, tiles: tiles, cap: cap, ramp: ramp).enumerated() {
                guard let png else { continue }
                try writer.add(z: z, x: tiles[k].x, y: tiles[k].y, png: png)
                written += 1
            }
            progress?(z, written)
        }
        try writer.commit(
            metadata: metadata(
                layer: layer, incidents: units.count, caps: caps, centerLat: centerLat, bounds: bounds, options: o,
                ramp: ramp, description: description, sourceFingerprint: sourceFingerprint))
        return TileSummary(
            layer: layer.name, path: path, incidents: units.count, tiles: writer.tileCount,
            uniqueImages: writer.uniqueImages, bytes: writer.bytes, seconds: Date().timeIntervalSince(start),
            caps: perSquareKilometre(caps, options: o, centerLat: centerLat))
    }

    static func ramp(_ o: TileOptions, path: String) throws -> ColorRamp {
        guard let ramp = ColorRamp(name: o.colormap) else {
            throw InputError(
                file: path, "unknown colormap '\(o.colormap)' (known: \(ColorRamp.names.joined(separator: ", ")))")
        }
        return ramp
    }

    /// `tiles` cut from `raster` and encoded as palette PNGs on all cores; nil where a tile holds no colour.
    /// A tile whose `previous` PNG (same ramp) holds the same indices is given those bytes back unencoded.
    /// With a previous PNG and a `regions` entry (pixel rows and columns of the tile), only that part is
    /// cut again: the caller vouches that no other pixel can have changed since the previous PNG.
    static func encode(
        _ raster: DensityRaster, tiles: [(x: Int, y: Int)], cap: Float, ramp: ColorRamp, previous: [[UInt8]?]? = nil,
        regions: [TileRegion?]? = nil
    ) -> [[UInt8]?] {
        var encoded = [[UInt8]?](repeating: nil, count: tiles.count)
        let tileSize = raster.tileSize
        encoded.withUnsafeMutableBufferPointer { ep in
            let E = UncheckedSendable(ep)
            parallelRanges(tiles.count, parts: workerCount, minimum: 2) { range, _ in
                for k in range {
                    let old = previous?[k]
                    let stored = old.flatMap { PNGCodec.paletteIndices($0, width: tileSize, height: tileSize) }
                    // The new indices (nil: no colour), and whether they are the stored ones.
                    var idx: [UInt8]?
                    var same = false
                    if let stored, let region = regions?[k] {
                        var spliced = stored
                        raster.tileIndices(
                            x: tiles[k].x, y: tiles[k].y, scale: 1 / cap, rows: region.rows, columns: region.columns,
                            into: &spliced)
                        same = region.pixels(of: spliced, width: tileSize) == region.pixels(of: stored, width: tileSize)
                        idx = spliced.contains { $0 != 0 } ? spliced : nil
                    } else {
                        idx = raster.tileIndices(x: tiles[k].x, y: tiles[k].y, scale: 1 / cap)
                        same = idx != nil && idx == stored
                    }
                    if same {
                        E.value[k] = old
                    } else if let idx {
                        E.value[k] = try? PNGCodec.encodePalette(
                            width: tileSize, height: tileSize, indices: idx, palette: ramp.rgba)
                    }
                }
            }
        }
        return encoded
    }

    static func perSquareKilometre(_ caps: [String: Float], options o: TileOptions, centerLat: Double) -> [String:
        Double]
    {
        var out: [String: Double] = [:]
        for (z, c) in caps {
            let zoom = Int(z) ?? 0
            let factor = DensityRaster.kernel(
                zoom: zoom, bandwidth: o.bandwidth, centerLat: centerLat, tileSize: 256 * o.scale
            ).factor
            let side = WebMercator.metresPerPixel(lat: centerLat, zoom: zoom, tileSize: 256 * o.scale) * Double(factor)
            out[z] = Double(c) / (side * side / 1e6)
        }
        return out
    }

    /// The store's metadata: MBTiles 1.3 names plus the legend (`json`), the same from a render and an update.
    static func metadata(
        layer: TileLayer, incidents: Int, caps: [String: Float], centerLat: Double, bounds: GeoBounds,
        options o: TileOptions, ramp: ColorRamp, description: String, sourceFingerprint: String?
    ) throws -> [String: String] {
        let tileSize = 256 * o.scale
        let c = (lon: (bounds.minLon + bounds.maxLon) / 2, lat: (bounds.minLat + bounds.maxLat) / 2)
        var legend = TileLegend(
            colormap: o.colormap, colors: ramp.legend(), quantile: o.capQuantile,
            caps: perSquareKilometre(caps, options: o, centerLat: centerLat), bandwidthMetres: o.bandwidth,
            layer: layer.name, incidents: incidents, tileSize: tileSize)
        legend.capValues = caps
        legend.sourceFingerprint = sourceFingerprint
        legend.renderer = version
        legend.deflate = ImageDeflate.library
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(TileLegend.Metadata(patroliq: legend)), as: UTF8.self)
        let f = { (v: Double) in String(format: "%.6f", v) }
        return [
            "name": "PatrolIQ \(layer.name)" + (o.scale == 2 ? " @2x" : ""), "format": "png", "type": "overlay",
            "version": "1.3", "description": description, "attribution": o.attribution,
            "bounds": "\(f(bounds.minLon)),\(f(bounds.minLat)),\(f(bounds.maxLon)),\(f(bounds.maxLat))",
            "center": "\(f(c.lon)),\(f(c.lat)),\(min(max(12, o.minZoom), o.maxZoom))",
            "minzoom": String(o.minZoom), "maxzoom": String(o.maxZoom), "json": json,
            "scale": String(o.scale), "tilesize": String(tileSize),
        ]
    }
}

/// The pixels of a tile that a change can reach: rows × columns, each within 0..<tile size.
struct TileRegion: Sendable, Equatable {
    var rows: Range<Int>
    var columns: Range<Int>

    /// The smallest region holding both.
    func union(_ other: TileRegion) -> TileRegion {
        TileRegion(
            rows: min(rows.lowerBound, other.rows.lowerBound)..<max(rows.upperBound, other.rows.upperBound),
            columns: min(
                columns.lowerBound, other.columns.lowerBound)..<max(columns.upperBound, other.columns.upperBound))
    }

    /// Those pixels of a row-major tile, row by row.
    func pixels(of indices: [UInt8], width: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(rows.count * columns.count)
        for r in rows { out += indices[(r * width + columns.lowerBound)..<(r * width + columns.upperBound)] }
        return out
    }
}
