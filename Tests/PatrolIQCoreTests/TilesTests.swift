import Foundation
import Testing

@testable import PatrolIQCore

@Suite struct TilesTests {
    let dir = TempDir()

    @Test func tileMathKnownValues() {
        // Chicago's Loop at zoom 10 is tile (262, 380); the world at zoom 0 is one tile.
        #expect(WebMercator.tile(lon: -87.6298, lat: 41.8781, zoom: 10) == (262, 380))
        #expect(WebMercator.tile(lon: 0, lat: 0, zoom: 0) == (0, 0))
        #expect(WebMercator.tile(lon: 0.0001, lat: -0.0001, zoom: 1) == (1, 1))
        let p = WebMercator.pixel(lon: 0, lat: 0, zoom: 2)
        #expect(p == SIMD2(512, 512))
        let back = WebMercator.lonLat(pixel: WebMercator.pixel(lon: -87.6298, lat: 41.8781, zoom: 15), zoom: 15)
        #expect(abs(back.lon + 87.6298) < 1e-9 && abs(back.lat - 41.8781) < 1e-9)
        let b = WebMercator.bounds(x: 262, y: 380, zoom: 10)
        #expect(b.contains(lon: -87.6298, lat: 41.8781))
        #expect(abs(b.maxLon - b.minLon - 360.0 / 1024) < 1e-12)
        // Ground resolution at the equator, zoom 0: 156 543.03 m per pixel.
        #expect(abs(WebMercator.metresPerPixel(lat: 0, zoom: 0) - 156_543.033_928) < 1e-3)
        let m = WebMercator.mercatorMetres(pixel: SIMD2(0, 0), zoom: 0)
        #expect(abs(m.x + 20_037_508.342789) < 1e-3 && abs(m.y - 20_037_508.342789) < 1e-3)
    }

    @Test func tmsFlip() {
        #expect(WebMercator.tmsRow(0, zoom: 0) == 0)
        #expect(WebMercator.tmsRow(0, zoom: 3) == 7)
        #expect(WebMercator.tmsRow(380, zoom: 10) == 643)
        #expect(WebMercator.tmsRow(WebMercator.tmsRow(123, zoom: 9), zoom: 9) == 123)
    }

    @Test(arguments: [10, 13, 16])
    func singlePointPeaksAtItsPixel(zoom: Int) {
        let lon = -87.6298
        let lat = 41.8781
        let r = DensityRaster.build(lon: [lon], lat: [lat], zoom: zoom, bandwidth: 150, centerLat: lat)
        let p = WebMercator.pixel(lon: lon, lat: lat, zoom: zoom)
        let (tx, ty) = WebMercator.tile(lon: lon, lat: lat, zoom: zoom)
        let v = r.tile(x: tx, y: ty)
        let best = v.indices.max { v[$0] < v[$1] }!
        let px: Double = Double(tx * 256 + best % 256) + 0.5
        let py: Double = Double(ty * 256 + best / 256) + 0.5
        #expect(abs(px - p.x) <= 1 && abs(py - p.y) <= 1, "zoom \(zoom): peak at \(px),\(py) vs \(p)")
        // Mass is preserved: a point adds 1 in raster cells.
        #expect(abs(r.values.reduce(0, +) - 1) < 1e-3)
    }

    @Test(arguments: [8, 12, 15, 16])
    func tileIndicesEqualTheFloatTileIndexed(zoom: Int) {
        // Indices straight from each interpolated row, and tiles skipped when no cell they read can reach
        // the floor, give the float tile's indices bit for bit: every covered tile, at caps that colour a
        // lot, a little and nothing (so both the skip and the drawn paths are taken).
        var rng = SeededRandom(seed: 21)
        let lon = (0..<4000).map { i in -87.64 + rng.gaussian() * (i % 4 == 0 ? 0.05 : 0.006) }
        let lat = (0..<4000).map { _ in 41.88 + rng.gaussian() * 0.01 }
        let r = DensityRaster.build(lon: lon, lat: lat, zoom: zoom, bandwidth: 150, centerLat: 41.88)
        let top = r.values.max() ?? 1
        var (drawn, skipped) = (0, 0)
        for cap in [top * 0.3, top * 20, top * 1e4] {
            for t in r.coveredTiles() {
                let expected = ColorRamp.indices(r.tile(x: t.x, y: t.y), scale: 1 / cap)
                let got = r.tileIndices(x: t.x, y: t.y, scale: 1 / cap)
                #expect(got == expected, "zoom \(zoom) tile \(t.x),\(t.y) cap \(cap)")
                if got == nil { skipped += 1 } else { drawn += 1 }
            }
        }
        #expect(drawn > 0 && skipped > 0)
    }

    @Test(arguments: [8, 11, 12, 15, 16])
    func partOfATileCutAgainEqualsTheWholeCut(zoom: Int) {
        // Pixels cut in a rectangle over other indices equal the whole cut's there and leave the rest
        // alone: rectangles inside, at the edges, one pixel, whole rows, on every covered tile, at zooms
        // whose cells are pixels (8, 11) and coarser (12–16).
        var rng = SeededRandom(seed: 5)
        let lon = (0..<3000).map { _ in -87.64 + rng.gaussian() * 0.02 }
        let lat = (0..<3000).map { _ in 41.88 + rng.gaussian() * 0.015 }
        let r = DensityRaster.build(lon: lon, lat: lat, zoom: zoom, bandwidth: 150, centerLat: 41.88)
        let cap = (r.values.max() ?? 1) * 0.5
        let n = r.tileSize
        let rects: [(Range<Int>, Range<Int>)] = [
            (10..<200, 37..<256), (0..<1, 0..<1), (255..<256, 0..<256), (0..<256, 100..<101), (0..<256, 0..<256),
        ]
        var compared = 0
        let tiles = r.coveredTiles()
        for t in stride(from: 0, to: tiles.count, by: max(1, tiles.count / 6)).map({ tiles[$0] }) {
            let whole = r.tileIndices(x: t.x, y: t.y, scale: 1 / cap) ?? [UInt8](repeating: 0, count: n * n)
            for (rows, columns) in rects {
                var got = [UInt8](repeating: 77, count: n * n)
                r.tileIndices(x: t.x, y: t.y, scale: 1 / cap, rows: rows, columns: columns, into: &got)
                var expected = [UInt8](repeating: 77, count: n * n)
                for row in rows {
                    let span = (row * n + columns.lowerBound)..<(row * n + columns.upperBound)
                    expected[span] = whole[span]
                }
                #expect(got == expected, "\(t) \(rows) \(columns)")
                compared += 1
            }
        }
        #expect(compared >= 5)
    }

    @Test(arguments: [60.0, 150.0, 400.0, 1000.0])
    func zoomRastersEqualFreshBuilds(bandwidth: Double) {
        // Zooms that share a lattice reuse one raster; every zoom's raster, cap and tile must still be a
        // fresh build's bit for bit, and at least the street zooms must actually share.
        var rng = SeededRandom(seed: 8)
        let lon = (0..<3000).map { _ in -87.64 + rng.gaussian() * 0.03 }
        let lat = (0..<3000).map { _ in 41.88 + rng.gaussian() * 0.02 }
        let units = DensityRaster.units(lon: lon, lat: lat)
        var ladder = ZoomRasters(
            units: units, bandwidth: bandwidth, centerLat: 41.88, tileSize: 256, capQuantile: 0.995)
        var shared = 0
        var previous: DensityRaster?
        for z in 8...17 {
            let (r, cap) = ladder.raster(zoom: z)
            let fresh = DensityRaster.build(units: units, zoom: z, bandwidth: bandwidth, centerLat: 41.88)
            #expect(r.values == fresh.values && r.origin == fresh.origin && r.factor == fresh.factor, "zoom \(z)")
            #expect(r.width == fresh.width && r.height == fresh.height && r.sigma == fresh.sigma)
            #expect(cap == fresh.colourCap(0.995))
            let (tx, ty) = WebMercator.tile(lon: -87.64, lat: 41.88, zoom: z)
            #expect(r.tile(x: tx, y: ty) == fresh.tile(x: tx, y: ty))
            if let previous, previous.relabelled(zoom: z, bandwidth: bandwidth, centerLat: 41.88) != nil {
                shared += 1
            }
            previous = r
        }
        #expect(shared >= 3, "bandwidth \(bandwidth): \(shared) zooms shared")
    }

    @Test func tilesAreSeamless() {
        var rng = SeededRandom(seed: 3)
        let lon = (0..<3000).map { _ in -87.64 + rng.gaussian() * 0.01 }
        let lat = (0..<3000).map { _ in 41.88 + rng.gaussian() * 0.008 }
        for zoom in [12, 14, 15] {
            let r = DensityRaster.build(lon: lon, lat: lat, zoom: zoom, bandwidth: 150, centerLat: 41.88)
            let (tx, ty) = WebMercator.tile(lon: -87.64, lat: 41.88, zoom: zoom)
            let a = r.tile(x: tx, y: ty)
            let b = r.tile(x: tx + 1, y: ty)
            let c = r.tile(x: tx, y: ty + 1)
            let peak = a.max()!
            for row in 0..<256 {
                // Across the vertical border, the step equals a step inside the tile (smooth field).
                let edge: Float = a[row * 256 + 255]
                let across: Float = abs(b[row * 256] - edge)
                let inside: Float = abs(edge - a[row * 256 + 254])
                let limit: Float = max(inside * 3, peak * 0.01) + 1e-7
                #expect(across <= limit, "zoom \(zoom) row \(row)")
            }
            for col in 0..<256 {
                let edge: Float = a[255 * 256 + col]
                let across: Float = abs(c[col] - edge)
                let inside: Float = abs(edge - a[254 * 256 + col])
                let limit: Float = max(inside * 3, peak * 0.01) + 1e-7
                #expect(across <= limit, "zoom \(zoom) col \(col)")
            }
        }
    }

    @Test func vectorColourIndicesEqualTheScalarOnes() throws {
        var rng = SeededRandom(seed: 3)
        // Edges (0, the floor, 1, above 1, negative, NaN, infinity) and a spread; 83 values, so the tail
        // after the last group of eight is exercised too.
        var v: [Float] = [0, -0.0, -1, 0.02, 0.0275, 0.5, 1, 1.0000001, 7, .nan, .infinity, -.infinity]
        v += (0..<71).map { _ in Float(rng.unit() * 1.4 - 0.1) }
        let scale: Float = 0.73
        let idx = try #require(ColorRamp.indices(v, scale: scale))
        #expect(idx == v.map { ColorRamp.index($0 * scale) })
        #expect(idx.contains(255) && idx.contains(0) && idx.contains(1))
        #expect(ColorRamp.indices([0, 0.01, -3, .nan], scale: 1) == nil)
    }

    @Test func pngRoundTripThroughLibpng() throws {
        let ramp = try #require(ColorRamp(name: "heat"))
        var idx = [UInt8](repeating: 0, count: 256 * 256)
        for i in 0..<idx.count where i % 256 != 0 { idx[i] = UInt8(truncatingIfNeeded: i / 256) }
        let png = try PNGCodec.encodePalette(width: 256, height: 256, indices: idx, palette: ramp.rgba)
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let img = try PNGCodec.decode(png)
        #expect(img.width == 256 && img.height == 256)
        for i in [0, 1, 300, 256 * 200 + 7, 65535] {
            let k = Int(idx[i])
            #expect(Array(img.rgba[(i * 4)..<(i * 4 + 4)]) == Array(ramp.rgba[(k * 4)..<(k * 4 + 4)]), "pixel \(i)")
        }
        // Palette PNG with tRNS: entry 0 is transparent.
        #expect(ramp.rgba[3] == 0)
        #expect(throws: PNGCodec.Failure.self) { try PNGCodec.decode([1, 2, 3, 4, 5, 6, 7, 8, 9]) }
        // The indices read back for `tiles --update`'s comparison: exactly, and nothing from other images.
        #expect(PNGCodec.paletteIndices(png, width: 256, height: 256) == idx)
        #expect(PNGCodec.paletteIndices(png, width: 512, height: 256) == nil)
        #expect(PNGCodec.paletteIndices(Array(png.prefix(png.count / 2)), width: 256, height: 256) == nil)
        #expect(PNGCodec.paletteIndices(Array(png.prefix(8)) + [0, 0, 0, 9], width: 256, height: 256) == nil)
        // The stream's last byte (its Adler-32, before the IDAT CRC and the 12-byte IEND) damaged.
        var damaged = png
        damaged[damaged.count - 17] ^= 0xFF
        #expect(PNGCodec.paletteIndices(damaged, width: 256, height: 256) == nil)
    }

    @Test func mbtilesSchemaMetadataAndTMSRows() throws {
        var rng = SeededRandom(seed: 9)
        let lon = (0..<2000).map { _ in -87.65 + rng.gaussian() * 0.02 }
        let lat = (0..<2000).map { _ in 41.85 + rng.gaussian() * 0.02 }
        var o = TileOptions()
        o.minZoom = 10
        o.maxZoom = 12
        let path = dir.file("t.mbtiles")
        let s = try TileRenderer.render(
            layer: .all, lon: lon, lat: lat, centerLat: 41.85,
            bounds: GeoBounds(minLon: lon.min()!, minLat: lat.min()!, maxLon: lon.max()!, maxLat: lat.max()!), to: path,
            options: o, description: "test")
        #expect(s.tiles > 3)
        let r = try MBTilesReader(path: path)
        let m = try r.metadata()
        for k in [
            "name", "format", "bounds", "center", "minzoom", "maxzoom", "type", "version", "description", "attribution",
            "json",
        ] {
            #expect(m[k] != nil, "metadata \(k)")
        }
        #expect(m["format"] == "png" && m["type"] == "overlay" && m["minzoom"] == "10" && m["maxzoom"] == "12")
        let legend = try JSONSerialization.jsonObject(with: Data(m["json"]!.utf8)) as? [String: Any]
        #expect((legend?["patroliq"] as? [String: Any])?["colors"] != nil)
        // The densest tile sits where the points are, read back by XYZ address through the TMS flip.
        let (tx, ty) = WebMercator.tile(lon: -87.65, lat: 41.85, zoom: 12)
        let png = try #require(try r.tile(z: 12, x: tx, y: ty))
        #expect(try PNGCodec.decode(png).width == 256)
        #expect(try r.tile(z: 12, x: tx, y: (1 << 12) - 1 - ty) == nil)
        #expect(try r.count() == s.tiles)
        let db = try SQLiteDatabase(path: path, readOnly: true)
        let q = try db.prepare("SELECT tile_row FROM tiles WHERE zoom_level = 12 AND tile_column = ? ORDER BY tile_row")
        try q.bind(1, tx)
        var rows: [Int] = []
        while try q.step() { rows.append(q.int(0)) }
        #expect(rows.contains(WebMercator.tmsRow(ty, zoom: 12)))
    }

    @Test func failedRenderKeepsTheOldStore() throws {
        let path = dir.file("keep.mbtiles")
        var o = TileOptions()
        o.minZoom = 10
        o.maxZoom = 10
        _ = try TileRenderer.render(
            layer: .all, lon: [-87.65], lat: [41.85], centerLat: 41.85, bounds: .chicago, to: path, options: o,
            description: "first")
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        o.colormap = "no-such-ramp"
        #expect(throws: InputError.self) {
            try TileRenderer.render(
                layer: .all, lon: [-87.6], lat: [41.8], centerLat: 41.85, bounds: .chicago, to: path, options: o,
                description: "second")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".tmp-") }.isEmpty)
        #expect(throws: InputError.self) { try MBTilesWriter(path: dir.file("no/such/dir/x.mbtiles")) }
    }

    @Test func areaOrderIsAStableSortByZoom14Tile() {
        // Rows by zoom-14 tile (row by row), input order within a tile; grouped input is left as it
        // is; the grouping of a subset is the subset of the grouping (what LayerUnits relies on).
        var rng = SeededRandom(seed: 14)
        let units = (0..<20_000).map { _ in
            WebMercator.unit(lon: -87.68 + rng.gaussian() * 0.08, lat: 41.85 + rng.gaussian() * 0.08)
        }
        func tile(_ u: SIMD2<Double>) -> [Int] {
            [Int((u.y * 16384).rounded(.down)), Int((u.x * 16384).rounded(.down))]
        }
        let order = DensityRaster.areaOrder(units)
        #expect(order != nil)
        guard let order else { return }
        #expect(Set(order).count == units.count)
        let keyed = order.map { (tile(units[Int($0)]), Int($0)) }
        #expect(
            zip(keyed, keyed.dropFirst()).allSatisfy { a, b in
                a.0.lexicographicallyPrecedes(b.0) || (a.0 == b.0 && a.1 < b.1)
            })
        let grouped = DensityRaster.groupedByArea(units)
        #expect(DensityRaster.areaOrder(grouped) == nil && DensityRaster.groupedByArea(grouped) == grouped)
        let subset = units.indices.filter { $0 % 3 == 0 }
        let keep = Set(subset)
        #expect(
            DensityRaster.groupedByArea(subset.map { units[$0] })
                == order.filter { keep.contains(Int($0)) }.map { units[Int($0)] })
        // One misplaced row is found wherever it is.
        var late = grouped
        late.append(grouped[0])
        #expect(DensityRaster.areaOrder(late) != nil)
    }

    @Test func layerParsing() {
        #expect(TileLayer(parsing: "all") == .all)
        #expect(TileLayer(parsing: "type:Motor Vehicle Theft")?.name == "type-motor-vehicle-theft")
        #expect(TileLayer(parsing: "window:night") == .hours(name: "night", from: 22, to: 6))
        #expect(TileLayer(parsing: "hours:22-6")?.name == "h22-6")
        #expect(TileLayer(parsing: "pattern:2") == .pattern(2))
        #expect(TileLayer(parsing: "window:brunch") == nil && TileLayer(parsing: "bogus") == nil)
    }

    @Test func layerMasksAgreeWithIncludes() {
        var t = IncidentTable()
        for i in 0..<240 {
            t.type.append(Int32(i % 5))
            t.hour.append(UInt8(i % 24))
            t.weekend.append(UInt8(i % 7 >= 5 ? 1 : 0))
            t.latitude.append(41.8)
        }
        let labels = (0..<240).map { Int32($0 % 3) }
        let layers: [TileLayer] = [
            .all, .type("THEFT"), .weekend, .hours(name: "night", from: 22, to: 6),
            .hours(name: "h9-17", from: 9, to: 17),
            .hours(name: "h22-24", from: 22, to: 0), .pattern(1),
        ]
        for layer in layers {
            let m = layer.mask(table: t, typeCode: 3, patternLabels: labels)
            let expected = (0..<240).map { i in
                if case .pattern(let p) = layer { return Int(labels[i]) == p }
                return layer.includes(type: t.type[i], hour: Int(t.hour[i]), weekend: Int(t.weekend[i]), typeCode: 3)
            }
            #expect(m == expected, "\(layer.name)")
            #expect(m.contains(true) && m.contains(false) || layer == .all, "\(layer.name)")
        }
        // No such type, no labels, no hour column: nothing, nothing, every row as hour 0.
        #expect(
            TileLayer.type("ARSON").mask(table: t, typeCode: nil, patternLabels: nil)
                == Array(repeating: false, count: 240))
        #expect(
            TileLayer.pattern(1).mask(table: t, typeCode: nil, patternLabels: nil)
                == Array(repeating: false, count: 240))
        var noHours = t
        noHours.hour = []
        #expect(
            TileLayer.hours(name: "h0-6", from: 0, to: 6).mask(table: noHours, typeCode: nil, patternLabels: nil)
                .allSatisfy { $0 })
        #expect(
            !TileLayer.hours(name: "h22-24", from: 22, to: 0).mask(table: noHours, typeCode: nil, patternLabels: nil)
                .contains(true))
    }

    @Test func asciiGridExport() throws {
        let r = DensityRaster.build(
            lon: [-87.65, -87.64], lat: [41.85, 41.86], zoom: 12, bandwidth: 200, centerLat: 41.85)
        let p = dir.file("g.asc")
        try GridExport.writeASCII(r, to: p, lat: 41.85)
        let text = try String(contentsOfFile: p, encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines[0] == "ncols \(r.width)" && lines[1] == "nrows \(r.height)")
        #expect(lines.count == 6 + r.height)
        #expect(FileManager.default.fileExists(atPath: dir.file("g.prj")))
    }
}

/// PMTiles v3: tile IDs on the Hilbert curves, directory bytes, and the root within 16 KiB.
@Suite struct PMTilesTests {
    @Test func tileIDsFollowTheHilbertCurves() {
        // Zoom 0 is ID 0; zoom 1 runs (0,0), (0,1), (1,1), (1,0); zoom 2 starts at 5.
        #expect(PMTiles.tileID(z: 0, x: 0, y: 0) == 0)
        #expect([(0, 0), (0, 1), (1, 1), (1, 0)].map { PMTiles.tileID(z: 1, x: $0.0, y: $0.1) } == [1, 2, 3, 4])
        #expect(PMTiles.tileID(z: 2, x: 0, y: 0) == 5)
        // Every ID of a zoom is used once.
        let ids = Set((0..<8).flatMap { x in (0..<8).map { PMTiles.tileID(z: 3, x: x, y: $0) } })
        #expect(ids == Set(21..<85))
    }

    @Test func directoryBytes() {
        // Two tiles back to back, then a run of three pointing back at the first bytes.
        let d = PMTiles.rawDirectory([
            .init(tileID: 5, offset: 0, length: 100, runLength: 1),
            .init(tileID: 6, offset: 100, length: 300, runLength: 1),
            .init(tileID: 9, offset: 0, length: 100, runLength: 3),
        ])
        // count 3 | ids 5, 1, 3 | runs 1, 1, 3 | lengths 100, 300 (0xAC 0x02), 100 | offsets 0+1, follows, 0+1
        #expect(d == [3, 5, 1, 3, 1, 1, 3, 100, 0xAC, 0x02, 100, 1, 0, 1])
    }

    @Test func largeStoresGetLeafDirectories() throws {
        let dir = TempDir()
        let w = try MBTilesWriter(path: dir.file("many.mbtiles"))
        // 30 000 tiles scattered over zoom 12 with irregular sizes: a directory that cannot fit in 16 KiB.
        var rng = SeededRandom(seed: 4)
        var placed = Set<Int>()
        while placed.count < 30_000 { placed.insert(rng.below(4096 * 4096)) }
        for p in placed {
            let padding = String(repeating: "x", count: rng.below(300))
            try w.add(z: 12, x: p % 4096, y: p / 4096, png: Array("tile \(p) \(padding)".utf8))
        }
        let n = placed.count
        try w.commit(metadata: ["name": "many", "format": "png", "minzoom": "12", "maxzoom": "12"])
        let s = try PMTiles.convert(mbtiles: dir.file("many.mbtiles"), to: dir.file("many.pmtiles"))
        #expect(s.tiles == n && s.contents == n && s.leaves > 0)
        let bytes = try #require(FileManager.default.contents(atPath: dir.file("many.pmtiles")).map(Array.init))
        func u64(_ at: Int) -> Int { (0..<8).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) } }
        #expect(Array(bytes[0..<8]) == Array("PMTiles".utf8) + [3])
        #expect(u64(8) == 127 && u64(8) + u64(16) <= 16_384)  // the root in the first 16 KiB
        #expect(u64(48) > 0 && u64(56) + u64(64) == bytes.count && u64(72) == n)
        #expect(bytes[97] == 2 && bytes[99] == 2 && bytes[100] == 12 && bytes[101] == 12)
        // Every tile reads back equal, through the leaves; a tile not stored is absent.
        let reader = try PMTiles.Reader(path: dir.file("many.pmtiles"))
        let mb = try MBTilesReader(path: dir.file("many.mbtiles"))
        var checked = 0
        try mb.forEach { z, x, y, data in
            if checked % 7 == 0 { #expect(reader.tile(z: z, x: x, y: y) == data) }
            checked += 1
        }
        let missing = (0..<4096).first { !placed.contains($0) } ?? 0
        #expect(reader.tile(z: 12, x: missing % 4096, y: missing / 4096) == nil)
        #expect(reader.tile(z: 3, x: 1, y: 1) == nil)
    }
}
