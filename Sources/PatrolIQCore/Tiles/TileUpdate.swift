import Foundation

/// What `tiles --update` did to one store.
public struct TileUpdateSummary: Sendable {
    public enum Outcome: String, Sendable {
        /// Only the tiles near changed incidents were rendered again.
        case updated
        /// Rendered from scratch (no usable record of what changed since the store was made).
        case rendered
        /// Nothing changed since the store was made.
        case current
    }
    public var path: String
    public var outcome: Outcome
    /// Tiles rendered again (of which `replaced` were written and `removed` deleted).
    public var rendered: Int
    public var replaced: Int
    public var removed: Int
    /// Tiles rendered again that came out as they were.
    public var unchanged: Int
    /// Zooms whose colour cap moved to another step, so all their tiles were rendered again.
    public var recoloured: [Int]
    public var seconds: Double
}

/// Brings a heatmap store up to date with appended incidents, tile for tile equal to a full render.
///
/// Density is a sum over incidents in one order (row order within each area, `groupedByArea`); appends
/// add rows at the end and updates replace rows in place, so every raster cell beyond a kernel's reach of a changed place keeps its bits, and so does
/// every tile that reads only such cells — as long as the colour cap stays on its step (see
/// `DensityRaster.colourCap`). The rasters are rebuilt (cheap); only the tiles within reach of a changed
/// place are cut and encoded again, or all tiles of a zoom whose cap moved.
public enum TileUpdate {
    /// The places changed since a store made from workspace `fingerprint`, from the append log; nil when
    /// the log does not reach back to it (the store is older, or from other data).
    public static func changes(since fingerprint: String, log: [AppendRecord], current: String) -> [[Double]]? {
        if fingerprint == current { return [] }
        guard let first = log.firstIndex(where: { $0.fingerprintBefore == fingerprint }) else { return nil }
        var f = fingerprint
        var out: [[Double]] = []
        for r in log[first...] {
            guard r.fingerprintBefore == f else { return nil }
            out += r.changed
            f = r.fingerprintAfter
        }
        return f == current ? out : nil
    }

    /// The tiles at zoom `z` whose pixels can read a raster cell that a change at `changed` touched, each
    /// with the part of it whose pixels can (the bounding box of the changes' reach within the tile).
    static func dirtyTiles(_ changed: [[Double]], zoom z: Int, options o: TileOptions, centerLat: Double) -> [SIMD2<
        Int
    >: TileRegion] {
        let ts = 256 * o.scale
        let k = DensityRaster.kernel(zoom: z, bandwidth: o.bandwidth, centerLat: centerLat, tileSize: ts)
        // Splat (1 cell), blur (radius), Catmull–Rom taps (2), one cell to spare.
        let reach = Double((k.radius + 4) * k.factor)
        let last = (1 << z) - 1
        var out: [SIMD2<Int>: TileRegion] = [:]
        for c in changed where c.count >= 2 {
            let p = WebMercator.pixel(lon: c[0], lat: c[1], zoom: z, tileSize: ts)
            let lo = ((p - reach) / Double(ts)).rounded(.down)
            let hi = ((p + reach) / Double(ts)).rounded(.down)
            guard lo.x.isFinite, hi.y.isFinite else { continue }
            // The reach in global pixels, a pixel wider each side.
            let first = SIMD2(Int((p.x - reach).rounded(.down)), Int((p.y - reach).rounded(.down))) &- 1
            let end = SIMD2(Int((p.x + reach).rounded(.up)), Int((p.y + reach).rounded(.up))) &+ 2
            for ty in max(0, Int(lo.y))...min(last, max(0, Int(hi.y))) {
                for tx in max(0, Int(lo.x))...min(last, max(0, Int(hi.x))) {
                    let rows = max(0, first.y - ty * ts)..<min(ts, max(0, end.y - ty * ts))
                    let columns = max(0, first.x - tx * ts)..<min(ts, max(0, end.x - tx * ts))
                    guard !rows.isEmpty, !columns.isEmpty else { continue }
                    let region = TileRegion(rows: rows, columns: columns)
                    let key = SIMD2(tx, ty)
                    out[key] = out[key].map { $0.union(region) } ?? region
                }
            }
        }
        return out
    }

    /// Updates the store at `path` (made by `TileRenderer.render` with `options` and legend `legend`) to the
    /// layer's incidents now (`lon`, `lat`), given the places `changed` since.
    public static func update(
        path: String, legend: TileLegend, layer: TileLayer, lon: [Double], lat: [Double], centerLat: Double,
        bounds: GeoBounds, options o: TileOptions, description: String, sourceFingerprint: String,
        changed: [[Double]]
    ) throws -> TileUpdateSummary {
        try update(
            path: path, legend: legend, layer: layer, units: DensityRaster.units(lon: lon, lat: lat),
            centerLat: centerLat, bounds: bounds, options: o, description: description,
            sourceFingerprint: sourceFingerprint, changed: changed)
    }

    /// The same from the incidents on the Web Mercator unit square (`DensityRaster.units`).
    public static func update(
        path: String, legend: TileLegend, layer: TileLayer, units: [SIMD2<Double>], centerLat: Double,
        bounds: GeoBounds, options o: TileOptions, description: String, sourceFingerprint: String,
        changed: [[Double]]
    ) throws -> TileUpdateSummary {
        let start = Date()
        let ramp = try TileRenderer.ramp(o, path: path)
        let updater = try MBTilesUpdater(path: path)
        let tileSize = 256 * o.scale
        var caps: [String: Float] = [:]
        let units = DensityRaster.groupedByArea(units)
        var rendered = 0
        var recoloured: [Int] = []
        // Nothing of this layer changed: the rasters, caps and tiles are as they were; only the
        // metadata (the fingerprint it now stands for) is written again.
        let zooms = Array(o.minZoom...o.maxZoom)
        if changed.isEmpty, let known = legend.capValues, zooms.allSatisfy({ known[String($0)] != nil }) {
            try updater.commit(
                metadata: TileRenderer.metadata(
                    layer: layer, incidents: units.count, caps: known.filter { zooms.contains(Int($0.key) ?? -1) },
                    centerLat: centerLat, bounds: bounds, options: o, ramp: ramp, description: description,
                    sourceFingerprint: sourceFingerprint))
            return TileUpdateSummary(
                path: path, outcome: .updated, rendered: 0, replaced: 0, removed: 0, unchanged: 0, recoloured: [],
                seconds: Date().timeIntervalSince(start))
        }
        var rasters = ZoomRasters(
            units: units, bandwidth: o.bandwidth, centerLat: centerLat, tileSize: tileSize, capQuantile: o.capQuantile)
        for z in o.minZoom...o.maxZoom {
            let (raster, cap) = rasters.raster(zoom: z)
            caps[String(z)] = cap
            let covered = raster.coveredTiles()
            let coveredSet = Set(covered.map { SIMD2($0.x, $0.y) })
            var targets: Set<SIMD2<Int>>
            var regions: [SIMD2<Int>: TileRegion] = [:]
            if legend.capValues?[String(z)] != cap {
                recoloured.append(z)
                targets = coveredSet.union(try updater.stored(zoom: z))
            } else {
                regions = dirtyTiles(changed, zoom: z, options: o, centerLat: centerLat)
                targets = Set(regions.keys)
            }
            let list = targets.sorted { ($0.y, $0.x) < ($1.y, $1.x) }
            let inside = list.filter { coveredSet.contains($0) }.map { (x: $0.x, y: $0.y) }
            var png: [SIMD2<Int>: [UInt8]] = [:]
            // A tile's old bytes serve again when its indices did not change (a quarter of the tiles
            // cut on a day onto 8 M rows), unless its colour cap moved; only the part of a stored tile
            // that a change can reach is cut again (a third less cutting on such a day).
            let previous = recoloured.last == z ? nil : try updater.tiles(zoom: z, inside)
            let parts = inside.map { regions[SIMD2($0.x, $0.y)] }
            for (k, p) in TileRenderer.encode(
                raster, tiles: inside, cap: cap, ramp: ramp, previous: previous, regions: parts
            ).enumerated() {
                if let p { png[SIMD2(inside[k].x, inside[k].y)] = p }
            }
            for t in list { try updater.set(z: z, x: t.x, y: t.y, png: png[t]) }
            rendered += list.count
        }
        try updater.commit(
            metadata: TileRenderer.metadata(
                layer: layer, incidents: units.count, caps: caps, centerLat: centerLat, bounds: bounds, options: o,
                ramp: ramp, description: description, sourceFingerprint: sourceFingerprint))
        return TileUpdateSummary(
            path: path, outcome: .updated, rendered: rendered, replaced: updater.replaced, removed: updater.removed,
            unchanged: updater.unchanged,
            recoloured: recoloured, seconds: Date().timeIntervalSince(start))
    }
}

extension MBTilesUpdater {
    /// The stored PNGs of XYZ tiles `tiles` at zoom `z` (nil where none is stored).
    func tiles(zoom z: Int, _ tiles: [(x: Int, y: Int)]) throws -> [[UInt8]?] {
        let s = try db.prepare(
            "SELECT tile_data FROM map JOIN images USING (tile_id) WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?"
        )
        return try tiles.map { t in
            defer { s.reset() }
            try s.bind(1, z)
            try s.bind(2, t.x)
            try s.bind(3, WebMercator.tmsRow(t.y, zoom: z))
            return try s.step() ? s.blob(0) : nil
        }
    }

    /// XYZ addresses of the tiles stored at zoom `z`.
    func stored(zoom z: Int) throws -> Set<SIMD2<Int>> {
        let s = try db.prepare("SELECT tile_column, tile_row FROM map WHERE zoom_level = ?")
        try s.bind(1, z)
        var out = Set<SIMD2<Int>>()
        while try s.step() { out.insert(SIMD2(s.int(0), WebMercator.tmsRow(s.int(1), zoom: z))) }
        return out
    }
}
