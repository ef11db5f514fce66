import Foundation

/// Gi* hot and cold cells as an XYZ tile layer: each significant cell painted in its class colour,
/// non-significant cells transparent, so the layer sits over any base map.
public enum HotspotTiles {
    /// Class +3 … −3 to colour: ColorBrewer RdBu (hot red … cold blue), 0 transparent.
    public static let colors: [Int: String] = [
        3: "#b2182b", 2: "#ef8a62", 1: "#fddbc7", -1: "#d1e5f0", -2: "#67a9cf", -3: "#2166ac",
    ]
    /// Opacity of every painted cell (the base map stays readable underneath).
    public static let alpha: UInt8 = 200

    /// Palette index 0 is transparent; 1…6 are the classes +3, +2, +1, −1, −2, −3.
    static let order = [3, 2, 1, -1, -2, -3]

    static var palette: [UInt8] {
        var rgba: [UInt8] = [0, 0, 0, 0]
        for c in order {
            let hex = Array(colors[c, default: "#000000"].utf8.dropFirst())
            func byte(_ i: Int) -> UInt8 { UInt8(String(decoding: hex[i..<i + 2], as: UTF8.self), radix: 16) ?? 0 }
            rgba += [byte(0), byte(2), byte(4), alpha]
        }
        return rgba
    }

    /// Writes `path` (through a temporary file) with the cells of `grid` coloured by `classes`.
    public static func render(
        grid: HotspotGrid, classes: [Int], projection: LocalProjection, to path: String, minZoom: Int, maxZoom: Int,
        description: String
    ) throws -> (tiles: Int, bytes: Int) {
        let writer = try MBTilesWriter(path: path)
        let significant = classes.indices.filter { classes[$0] != 0 }
        let paletteIndex = classes.map { c in UInt8((order.firstIndex(of: c) ?? -1) + 1) }
        let half = grid.cellSize / 2
        var lo = SIMD2(Double.infinity, .infinity)
        var hi = -lo
        for k in grid.cells.indices {
            for corner in [SIMD2(-half, -half), SIMD2(half, half)] {
                let ll = projection.unproject(grid.center(k) + corner)
                lo = pointwiseMin(lo, SIMD2(ll.lon, ll.lat))
                hi = pointwiseMax(hi, SIMD2(ll.lon, ll.lat))
            }
        }
        for z in minZoom...maxZoom {
            // Only tiles under a significant cell can hold a painted pixel.
            var tiles = Set<SIMD2<Int32>>()
            for k in significant {
                let a = projection.unproject(grid.center(k) - half)
                let b = projection.unproject(grid.center(k) + half)
                let t0 = WebMercator.tile(lon: a.lon, lat: b.lat, zoom: z)
                let t1 = WebMercator.tile(lon: b.lon, lat: a.lat, zoom: z)
                for x in t0.x...t1.x { for y in t0.y...t1.y { tiles.insert(SIMD2(Int32(x), Int32(y))) } }
            }
            let list = tiles.sorted { ($0.y, $0.x) < ($1.y, $1.x) }
            let encoded = parallelMap(list) { t -> [UInt8]? in
                var idx = [UInt8](repeating: 0, count: 256 * 256)
                var any = false
                // The local projection is separable: x depends on longitude only, y on latitude only.
                let xs = (0..<256).map { px in
                    let ll = WebMercator.lonLat(
                        pixel: SIMD2(Double(Int(t.x) * 256 + px) + 0.5, Double(t.y) * 256), zoom: z)
                    return projection.project(lon: ll.lon, lat: projection.originLat).x
                }
                for py in 0..<256 {
                    let ll = WebMercator.lonLat(
                        pixel: SIMD2(Double(t.x) * 256, Double(Int(t.y) * 256 + py) + 0.5), zoom: z)
                    let y = projection.project(lon: projection.originLon, lat: ll.lat).y
                    for px in 0..<256 {
                        guard let c = grid.cell(containing: SIMD2(xs[px], y)), paletteIndex[c] != 0 else { continue }
                        idx[py * 256 + px] = paletteIndex[c]
                        any = true
                    }
                }
                return any ? try? PNGCodec.encodePalette(width: 256, height: 256, indices: idx, palette: palette) : nil
            }
            for (k, png) in encoded.enumerated() {
                if let png { try writer.add(z: z, x: Int(list[k].x), y: Int(list[k].y), png: png) }
            }
        }
        let f = { (v: Double) in String(format: "%.6f", v) }
        let legend = order.map { "\"\(HotspotClass.name($0))\":\"\(colors[$0, default: ""])\"" }.joined(separator: ",")
        try writer.commit(metadata: [
            "name": "PatrolIQ hotspots_gi", "format": "png", "type": "overlay", "version": "1.3",
            "description": description, "attribution": TileOptions().attribution,
            "bounds": "\(f(lo.x)),\(f(lo.y)),\(f(hi.x)),\(f(hi.y))",
            "center": "\(f((lo.x + hi.x) / 2)),\(f((lo.y + hi.y) / 2)),\(min(max(12, minZoom), maxZoom))",
            "minzoom": String(minZoom), "maxzoom": String(maxZoom), "tilesize": "256", "scale": "1",
            "json": "{\"patroliq_classes\":{\(legend)}}",
        ])
        return (writer.tileCount, writer.bytes)
    }
}
