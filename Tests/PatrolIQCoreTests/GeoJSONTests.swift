import Foundation
import Testing

@testable import PatrolIQCore

@Suite struct GeoJSONTests {
    let dir = TempDir()

    /// Every ring of every polygon in a GeoJSON geometry object.
    func rings(_ geometry: [String: Any]) -> [(ring: [[Double]], exterior: Bool)] {
        let coords = geometry["coordinates"]
        var polys: [[[[Double]]]] = []
        if geometry["type"] as? String == "Polygon", let p = coords as? [[[Double]]] { polys = [p] }
        if geometry["type"] as? String == "MultiPolygon", let m = coords as? [[[[Double]]]] { polys = m }
        return polys.flatMap { p in p.enumerated().map { ($0.element, $0.offset == 0) } }
    }

    @Test func marchingSquaresSquareAndHole() {
        // A 5 × 5 block of ones with a zero in the middle: one exterior and one hole.
        var v = [Float](repeating: 0, count: 9 * 9)
        for y in 2..<7 { for x in 2..<7 { v[y * 9 + x] = 1 } }
        v[4 * 9 + 4] = 0
        let polys = MarchingSquares.polygons(values: v, width: 9, height: 9, origin: .zero, cell: 1, level: 0.5)
        #expect(polys.count == 1)
        let p = polys[0]
        #expect(p.holes.count == 1)
        #expect(PolygonMath.signedArea(p.exterior) > 0 && PolygonMath.signedArea(p.holes[0]) < 0)
        #expect(
            p.exterior.first == p.exterior.last && PolygonMath.isSimple(p.exterior) && PolygonMath.isSimple(p.holes[0]))
        #expect(p.contains(SIMD2(3, 3)) && !p.contains(SIMD2(4.5, 4.5)) && !p.contains(SIMD2(0.5, 0.5)))
        // Crossings half way: a 5 × 5 square with its 4 corners cut (4 × 0.125), minus the hole's
        // diamond (0.5).
        #expect(abs(p.area - (25 - 0.5 - 0.5)) < 1e-9)
    }

    @Test func saddlesStaySimple() {
        // A checkerboard is all saddles; rings must still be simple and not cross each other.
        var v = [Float](repeating: 0, count: 8 * 8)
        for y in 0..<8 { for x in 0..<8 where (x + y) % 2 == 0 { v[y * 8 + x] = 1 } }
        for level: Float in [0.4, 0.6] {
            let polys = MarchingSquares.polygons(values: v, width: 8, height: 8, origin: .zero, cell: 1, level: level)
            for p in polys {
                #expect(PolygonMath.isSimple(p.exterior))
                for h in p.holes { #expect(PolygonMath.isSimple(h)) }
            }
        }
    }

    @Test func gaussianBumpContourIsACircleOfTheExpectedRadius() {
        // One point, sigma 100 m: density falls to half its peak at r = σ·√(2 ln 2).
        let g = MetricDensityGrid.build(points: [SIMD2(0, 0)], cell: 5, bandwidth: 100)
        let peak = g.values.max()!
        let polys = g.contours(level: peak / 2)
        #expect(polys.count == 1 && polys[0].holes.isEmpty)
        let expected = 100 * (2 * log(2.0)).squareRoot()
        for q in polys[0].exterior {
            #expect(abs((q * q).sum().squareRoot() - expected) < 3, "vertex \(q)")
        }
        #expect(abs(polys[0].area - .pi * expected * expected) / (.pi * expected * expected) < 0.01)
    }

    @Test func exportWritesValidRFC7946() throws {
        let csv = dir.file("d.csv")
        try DemoGenerator(rows: 4000, seed: 8).write(to: csv)
        let wsPath = dir.file("ws.sqlite")
        _ = try Ingest.run(file: csv, workspace: wsPath)
        let w = try Workspace(path: wsPath, readOnly: false)
        var co = ClusterOptions()
        co.kRange = 5...5
        co.temporalRange = 3...3
        co.eps = 250
        co.minSamples = 10
        let out = try ClusterPipeline.run(
            incidents: try w.incidents(), typeNames: try w.dictionaries().type, projection: try w.info().projection,
            options: co)
        _ = try RunStore(w).save(out, info: try w.info(), options: co, duration: 1)
        var o = ExportOptions()
        o.directory = dir.file("gj")
        let (_, files) = try GeoJSONExport.run(workspace: w, options: o)
        #expect(
            Set(files.map { ($0.path as NSString).lastPathComponent }) == [
                "centroids.geojson", "clusters_kmeans.geojson", "clusters_ward.geojson", "dense_zones.geojson",
                "hotspots.geojson", "temporal.json",
            ])
        let extent = try w.info().extent
        for f in files where f.path.hasSuffix(".geojson") {
            let text = try String(contentsOfFile: f.path, encoding: .utf8)
            #expect(!text.contains("\"crs\""))
            let fc = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            #expect(fc["type"] as? String == "FeatureCollection")
            let feats = try #require(fc["features"] as? [[String: Any]])
            #expect(feats.count == f.features && !feats.isEmpty, "\(f.path)")
            let bbox = try #require(fc["bbox"] as? [Double])
            #expect(bbox.count == 4 && bbox[0] < bbox[2] && bbox[1] < bbox[3])
            #expect(Set(feats.compactMap { $0["id"] as? String }).count == feats.count, "stable unique ids")
            for feat in feats {
                let g = try #require(feat["geometry"] as? [String: Any])
                if g["type"] as? String == "Point" {
                    let c = try #require(g["coordinates"] as? [Double])
                    // [longitude, latitude] order.
                    #expect(extent.contains(lon: c[0], lat: c[1]))
                    continue
                }
                for (r, isExterior) in rings(g) {
                    #expect(r.count >= 4 && r.first == r.last, "closed ring")
                    let ring = r.map { SIMD2($0[0], $0[1]) }
                    for q in ring { #expect(extent.contains(lon: q.x, lat: q.y)) }
                    let a = PolygonMath.signedArea(ring)
                    #expect(isExterior ? a > 0 : a < 0, "exterior CCW, holes CW")
                    #expect(PolygonMath.isSimple(ring), "no self-intersection in \(feat["id"] ?? "")")
                    for q in r { #expect(abs(q[0] * 1e6 - (q[0] * 1e6).rounded()) < 1e-3, "6 decimals") }
                }
            }
        }
        // Dense zones hold every incident of their zone; cluster shapes hold most of theirs.
        let t = try w.incidents(columns: ["latitude", "longitude"])
        let zones = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: o.directory + "/dense_zones.geojson"))) as? [String: Any])
        let labels = out.labels["dbscan"]!
        for feat in (zones["features"] as! [[String: Any]]).prefix(5) {
            let cluster = (feat["properties"] as! [String: Any])["cluster"] as! Int
            let polys = polygons(feat["geometry"] as! [String: Any])
            for i in labels.indices where labels[i] == Int32(cluster) {
                #expect(
                    polys.contains { $0.contains(SIMD2(t.longitude[i], t.latitude[i])) },
                    "zone \(cluster) holds row \(i)")
            }
        }
        let kmeans = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: o.directory + "/clusters_kmeans.geojson")))
                as? [String: Any])
        let kl = out.labels["kmeans"]!
        for feat in kmeans["features"] as! [[String: Any]] {
            let cluster = (feat["properties"] as! [String: Any])["cluster"] as! Int
            let polys = polygons(feat["geometry"] as! [String: Any])
            let mine = kl.indices.filter { kl[$0] == Int32(cluster) }
            let inside = mine.filter { i in polys.contains { $0.contains(SIMD2(t.longitude[i], t.latitude[i])) } }.count
            #expect(
                Double(inside) / Double(mine.count) > 0.85,
                "cluster \(cluster) polygon holds \(inside) of \(mine.count)")
        }
    }

    func polygons(_ g: [String: Any]) -> [Polygon] {
        var ps: [[[[Double]]]] = []
        if g["type"] as? String == "Polygon" { ps = [g["coordinates"] as! [[[Double]]]] }
        if g["type"] as? String == "MultiPolygon" { ps = g["coordinates"] as! [[[[Double]]]] }
        return ps.map { p in
            let rs = p.map { $0.map { SIMD2($0[0], $0[1]) } }
            return Polygon(exterior: rs[0], holes: Array(rs.dropFirst()))
        }
    }

    @Test func clusterPolygonHoldsItsCentroidForARoundCluster() throws {
        var rng = SeededRandom(seed: 2)
        let pts = (0..<3000).map { _ in SIMD2(rng.gaussian() * 400, rng.gaussian() * 400) }
        let g = MetricDensityGrid.build(points: pts, cell: 25, bandwidth: 150)
        let polys = g.contours(level: g.levelHolding(0.9, of: pts))
        #expect(polys.contains { $0.contains(.zero) })
        let inside = pts.filter { p in polys.contains { $0.contains(p) } }.count
        #expect(abs(Double(inside) / 3000 - 0.9) < 0.03)
    }

    @Test func writerEscapesAndIsAtomic() throws {
        let path = dir.file("x.geojson")
        let w = try GeoJSONWriter(path: path, name: "x")
        try w.add(
            id: "a\"1", geometry: .point(SIMD2(-87.1234567, 41.5)), properties: [("name", .string("line\nbreak \"q\""))]
        )
        #expect(!FileManager.default.fileExists(atPath: path))
        try w.finish()
        let obj = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        let f = (obj["features"] as! [[String: Any]])[0]
        #expect(f["id"] as? String == "a\"1")
        #expect(((f["geometry"] as! [String: Any])["coordinates"] as! [Double]) == [-87.123457, 41.5])
        #expect((f["properties"] as! [String: Any])["name"] as? String == "line\nbreak \"q\"")
        #expect(throws: InputError.self) { try GeoJSONWriter(path: dir.file("missing/dir/y.geojson"), name: "y") }
    }
}

@Suite struct GeoPackageTests {
    let dir = TempDir()

    @Test func layersTablesAndGeometryEncoding() throws {
        let path = dir.file("x.gpkg")
        let g = try GeoPackageWriter(path: path)
        let square: Ring = [SIMD2(0, 0), SIMD2(1, 0), SIMD2(1, 1), SIMD2(0, 1), SIMD2(0, 0)]
        try g.add(
            layer: "zones", geometry: .multiPolygon([Polygon(exterior: square)]),
            properties: [
                ("count", .int(3)), ("share", .number(0.5)), ("top_types", .array([.string("THEFT")])),
            ])
        try g.add(layer: "points", geometry: .point(SIMD2(-87.6, 41.8)), properties: [("name", .string("a"))])
        #expect(!FileManager.default.fileExists(atPath: path))
        try g.commit()
        let db = try SQLiteDatabase(path: path, readOnly: true)
        let app = try db.prepare("PRAGMA application_id")
        #expect(try app.step() && app.int64(0) == 0x4750_4B47)
        let contents = try db.prepare(
            "SELECT table_name, data_type, srs_id, min_x, max_y FROM gpkg_contents ORDER BY table_name")
        var rows: [[String]] = []
        while try contents.step() {
            rows.append([
                contents.string(0), contents.string(1), String(contents.int(2)), String(contents.double(3)),
                String(contents.double(4)),
            ])
        }
        #expect(
            rows == [["points", "features", "4326", "-87.6", "41.8"], ["zones", "features", "4326", "0.0", "1.0"]])
        let s = try db.prepare("SELECT geom, count, share, top_types FROM zones")
        #expect(try s.step())
        let blob = s.blob(0)
        // "GP", version 0, little-endian with an xy envelope, SRS 4326, envelope, then WKB MultiPolygon (6).
        #expect(Array(blob.prefix(4)) == [0x47, 0x50, 0, 3])
        #expect(blob[4..<8].withUnsafeBytes { $0.loadUnaligned(as: Int32.self) } == 4326)
        let wkb = Array(blob[40...])
        #expect(wkb[0] == 1 && wkb[1..<5].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) } == 6)
        #expect(s.int(1) == 3 && s.double(2) == 0.5 && s.string(3) == "[\"THEFT\"]")
    }
}

@Suite struct IndexedPolygonTests {
    /// The banded test answers as the plain even–odd test, on random star polygons with holes and on
    /// points on vertices' rows.
    @Test func indexedContainsEqualsPlainContains() {
        var rng = SeededRandom(seed: 12)
        for _ in 0..<20 {
            func star(_ c: SIMD2<Double>, _ r: Double, _ n: Int) -> Ring {
                var ring: Ring = (0..<n).map { i in
                    let a = 2 * Double.pi * Double(i) / Double(n)
                    let rr = r * (0.4 + 0.6 * rng.unit())
                    return c + SIMD2(cos(a), sin(a)) * rr
                }
                ring.append(ring[0])
                return ring
            }
            let poly = Polygon(
                exterior: star(.zero, 100, 40 + rng.below(200)), holes: [star(SIMD2(10, 5), 15, 12)])
            let fast = IndexedPolygon(poly)
            for _ in 0..<2000 {
                let p = SIMD2(rng.unit() * 240 - 120, rng.unit() * 240 - 120)
                #expect(fast.contains(p) == poly.contains(p))
            }
            for v in poly.exterior {
                let p = SIMD2(v.x - 0.5, v.y)
                #expect(fast.contains(p) == poly.contains(p))
            }
        }
    }
}
