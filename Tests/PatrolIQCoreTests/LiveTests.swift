import Foundation
import Testing

@testable import PatrolIQCore

/// Tiles and statistics computed on demand must be the precomputed ones, for any filter.
@Suite struct LiveTests {
    /// 6 000 incidents around three centres in Chicago, with times, types and hours.
    static func table() -> (IncidentTable, IncidentDictionaries) {
        var t = IncidentTable()
        var rng = SeededRandom(seed: 21)
        let centres = [(41.88, -87.63), (41.79, -87.66), (41.95, -87.70)]
        for i in 0..<6_000 {
            let c = centres[i % 3]
            t.latitude.append(c.0 + rng.gaussian() * 0.01)
            t.longitude.append(c.1 + rng.gaussian() * 0.012)
            t.time.append(Int64(20_000 + i % 60) * 86_400 + Int64(rng.below(86_400)))
            t.type.append(Int32(i % 2))
            let h = UInt8(rng.below(24))
            t.hour.append(h)
            t.weekday.append(UInt8(rng.below(7)))
        }
        var d = IncidentDictionaries()
        d.type = ["THEFT", "ROBBERY"]
        return (t, d)
    }

    /// A tile cut from a window around it equals the tile cut from the whole raster (what the MBTiles
    /// renderer stores) up to float summation order, at street and city zooms and at the data's edge.
    @Test func windowTilesEqualWholeRasterTiles() {
        let (t, d) = Self.table()
        let index = LiveIndex(table: t, dictionaries: d, centerLat: 41.85)
        for z in [11, 12, 14, 16] {
            let full = DensityRaster.build(lon: t.longitude, lat: t.latitude, zoom: z, bandwidth: 150, centerLat: 41.85)
            let tiles = full.coveredTiles()
            // The busiest tile, and tiles at the edge of the data.
            let picks = [tiles[0], tiles[tiles.count / 2], tiles[tiles.count - 1]]
            for (x, y) in picks {
                let window = DensityRaster.window(
                    tileX: x, tileY: y, zoom: z, bandwidth: 150, centerLat: 41.85
                ) { lo, hi, add in
                    index.runs(zoom: z, from: lo, to: hi) { r in
                        for i in r { add(index.table.longitude[i], index.table.latitude[i]) }
                    }
                }
                let a = full.tile(x: x, y: y)
                let b = window.tile(x: x, y: y)
                let peak = max(a.max() ?? 0, 1e-12)
                let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
                #expect(worst <= peak * 1e-4, "z\(z) \(x)/\(y): \(worst) of \(peak)")
            }
        }
    }

    /// With no filter the live tile at the reference zoom is the MBTiles tile: same cap, same ramp,
    /// palette indices equal or one step apart (float summation order), byte-identical where equal.
    @Test func unfilteredLiveTileMatchesTheStoredTile() throws {
        let (t, d) = Self.table()
        let live = LiveTiles(index: LiveIndex(table: t, dictionaries: d, centerLat: 41.85))
        let p = try live.prepare(IncidentFilter())
        let z = LiveTiles.referenceZoom
        let full = DensityRaster.build(lon: t.longitude, lat: t.latitude, zoom: z, bandwidth: 150, centerLat: 41.85)
        let cap = full.colourCap(0.995)
        // The same cap up to the order the floats were added in.
        #expect(abs(full.perSquareKilometre(cap, lat: 41.85) - p.capPerKm2) < 1e-6 * p.capPerKm2)
        var steps = 0
        var pixels = 0
        for (x, y) in full.coveredTiles() {
            let inv = 1 / cap  // as TileRenderer
            let stored = full.tile(x: x, y: y).map { ColorRamp.index($0 * inv) }
            guard let png = try live.png(z: z, x: x, y: y, prepared: p) else {
                #expect(stored.allSatisfy { $0 == 0 })
                continue
            }
            let image = try PNGCodec.decode(png)
            let ramp = try #require(ColorRamp(name: "heat"))
            // Map decoded RGBA back to palette indices.
            var lookup: [UInt32: UInt8] = [:]
            for k in 0..<(ramp.rgba.count / 4) {
                let c = ramp.rgba[k * 4..<k * 4 + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                lookup[c] = lookup[c] ?? UInt8(k)
            }
            pixels += 256 * 256
            for i in 0..<(256 * 256) {
                let c = image.rgba[i * 4..<i * 4 + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                let got = Int(lookup[c] ?? 255)
                let want = Int(stored[i])
                #expect(abs(got - want) <= 1)
                if got != want { steps += 1 }
            }
        }
        // Float sums in another order move a value across a palette boundary now and then.
        #expect(pixels > 0 && steps * 1000 < pixels, "\(steps) of \(pixels) pixels one palette step apart")
    }

    /// A filter's tiles come from its incidents only; the mask and the index agree with a scan.
    @Test func filteredTilesAndStreetLevelRows() throws {
        let (t, d) = Self.table()
        let index = LiveIndex(table: t, dictionaries: d, centerLat: 41.85)
        var f = IncidentFilter()
        f.types = ["ROBBERY"]
        try f.setHours("22-4")
        let mask = try index.mask(f)
        let scan = (0..<index.count).filter {
            index.table.type[$0] == 1 && [22, 23, 0, 1, 2, 3].contains(index.table.hour[$0])
        }
        #expect(mask.indices.filter { mask[$0] } == scan)
        let box = GeoBounds(minLon: -87.65, minLat: 41.87, maxLon: -87.61, maxLat: 41.89)
        let rows = index.rows(in: box, mask: mask)
        let expected = scan.filter {
            let lon = index.table.longitude[$0]
            let lat = index.table.latitude[$0]
            return lon >= box.minLon && lon <= box.maxLon && lat >= box.minLat && lat <= box.maxLat
        }
        #expect(Set(rows) == Set(expected) && !rows.isEmpty)
        #expect(zip(rows, rows.dropFirst()).allSatisfy { index.table.time[$0] >= index.table.time[$1] })
        // An empty filter result draws nothing, and says so with a zero count.
        var none = IncidentFilter()
        none.since = 30_000 * 86_400
        let live = LiveTiles(index: index)
        let p = try live.prepare(none)
        #expect(p.count == 0 && p.bounds == nil)
        #expect(try live.png(z: 12, x: 1050, y: 1521, prepared: p) == nil)
        var unknown = IncidentFilter()
        unknown.types = ["NOPE"]
        #expect(throws: IncidentFilter.Invalid.self) { try live.prepare(unknown) }
    }

    @Test func filterQueryParsing() throws {
        let f = try IncidentFilter(
            text: "types=robbery,assault&hours=22-4&days=fri,sat&months=6-8&arrest=true&district=11,12&min_severity=6")
        #expect(f.types == ["ROBBERY", "ASSAULT"] && f.hours == [22, 23, 0, 1, 2, 3] && f.days == [4, 5])
        #expect(f.months == [6, 7, 8] && f.arrest == true && f.districts == [11, 12] && f.minSeverity == 6)
        // The same filter written otherwise normalises to the same text.
        let g = try IncidentFilter(pairs: [
            ("DAYS", "sat,fri"), ("types", "ASSAULT, ROBBERY"), ("months", "jun-aug"), ("hours", "22-4"),
            ("arrest", "yes"), ("district", "12,11"), ("min_severity", "6"),
        ])
        #expect(f.normalized == g.normalized)
        for (text, parameter) in [
            ("colour=red", "colour"), ("hours=4-4", "hours"), ("months=13", "months"), ("arrest=maybe", "arrest"),
            ("district=x", "district"), ("min_severity=11", "min_severity"),
            ("since=2025-02-01&until=2025-01-01", "until"),
            ("types", "types"),
        ] {
            #expect(throws: IncidentFilter.Invalid.self, "\(text)") { try IncidentFilter(text: text) }
            do { _ = try IncidentFilter(text: text) } catch let e as IncidentFilter.Invalid {
                #expect(e.parameter == parameter, "\(text)")
            }
        }
        #expect(try IncidentFilter(text: "hours=&types=").isEmpty)
    }
}
