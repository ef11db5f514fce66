import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PatrolIQCore
import Testing

@testable import PatrolIQServer

/// A small demo world on disk: workspace with a run, a tile layer, GeoJSON and a web folder.
final class Fixture: @unchecked Sendable {
    let dir: String
    let config: ServerConfiguration

    init() throws {
        dir = NSTemporaryDirectory() + "patroliq-server-\(UUID().uuidString)"
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/tiles", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: dir + "/web/css", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: dir + "/js/leaflet", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: dir + "/secret", withIntermediateDirectories: true)
        try DemoGenerator(rows: 4000, seed: 3).write(to: dir + "/d.csv")
        _ = try Ingest.run(file: dir + "/d.csv", workspace: dir + "/ws.sqlite")
        let w = try Workspace(path: dir + "/ws.sqlite", readOnly: false)
        var o = ClusterOptions()
        o.kRange = 5...5
        o.temporalRange = 3...3
        let out = try ClusterPipeline.run(
            incidents: try w.incidents(), typeNames: try w.dictionaries().type, projection: try w.info().projection,
            options: o)
        _ = try RunStore(w).save(out, info: try w.info(), options: o, duration: 1)
        var eo = ExportOptions()
        eo.directory = dir + "/geojson"
        _ = try GeoJSONExport.run(workspace: w, options: eo)
        try Fixture.render(dir + "/tiles/all.mbtiles", workspace: w, zooms: 10...12)
        // Two incidents far apart: the tiles between them are inside the bounds but empty.
        var so = TileOptions()
        so.minZoom = 12
        so.maxZoom = 12
        _ = try TileRenderer.render(
            layer: .all, lon: [-87.8, -87.5], lat: [41.7, 41.95], centerLat: 41.85,
            bounds: GeoBounds(minLon: -87.8, minLat: 41.7, maxLon: -87.5, maxLat: 41.95),
            to: dir + "/tiles/sparse.mbtiles",
            options: so, description: "two points")
        for (file, text) in [
            ("/web/index.html", "<html>PatrolIQ</html>"), ("/web/css/app.css", "body{}"),
            ("/js/leaflet/leaflet.js", "/* leaflet */"), ("/secret/passwords.txt", "hunter2"),
        ] {
            try Data(text.utf8).write(to: URL(fileURLWithPath: dir + file))
        }
        try fm.createSymbolicLink(atPath: dir + "/web/escape.txt", withDestinationPath: dir + "/secret/passwords.txt")
        var c = ServerConfiguration()
        c.workspace = dir + "/ws.sqlite"
        c.tilesDirectory = dir + "/tiles"
        c.geojsonDirectory = dir + "/geojson"
        c.webDirectory = dir + "/web"
        c.javascriptDirectory = dir + "/js"
        config = c
    }

    static func render(_ path: String, workspace w: Workspace, zooms: ClosedRange<Int>, colormap: String = "heat")
        throws
    {
        let t = try w.incidents(columns: ["latitude", "longitude"])
        var o = TileOptions()
        o.minZoom = zooms.lowerBound
        o.maxZoom = zooms.upperBound
        o.colormap = colormap
        _ = try TileRenderer.render(
            layer: .all, lon: t.longitude, lat: t.latitude, centerLat: 41.85,
            bounds: GeoBounds(
                minLon: t.longitude.min()!, minLat: t.latitude.min()!, maxLon: t.longitude.max()!,
                maxLat: t.latitude.max()!),
            to: path, options: o, description: "test")
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    static let shared: Fixture = { try! Fixture() }()

    func app(_ c: ServerConfiguration? = nil) -> some ApplicationProtocol {
        Application(router: PatrolIQServer.router(c ?? config, logger: Logger(label: "test")))
    }

    /// A tile that holds data (the densest tile at zoom 12).
    var busyTile: (z: Int, x: Int, y: Int) {
        let (x, y) = WebMercator.tile(lon: -87.6294, lat: 41.8807, zoom: 12)
        return (12, x, y)
    }
}

@Suite(.serialized) struct ServerTests {
    let f = Fixture.shared

    @Test func tileHitHasTheStoredBytesAndHeaders() async throws {
        let t = f.busyTile
        let expected = try #require(
            try MBTilesReader(path: f.config.tilesDirectory + "/all.mbtiles").tile(z: t.z, x: t.x, y: t.y))
        try await f.app().test(.router) { client in
            try await client.execute(uri: "/tiles/all/\(t.z)/\(t.x)/\(t.y).png", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "image/png")
                #expect(Array(buffer: r.body) == expected)
                #expect(r.headers[.eTag]?.hasPrefix("\"") == true)
                #expect(r.headers[.cacheControl]?.contains("max-age") == true)
                let etag = try #require(r.headers[.eTag])
                try await client.execute(
                    uri: "/tiles/all/\(t.z)/\(t.x)/\(t.y).png", method: .get, headers: [.ifNoneMatch: etag]
                ) { r2 in
                    #expect(r2.status == .notModified)
                    #expect(r2.body.readableBytes == 0)
                }
            }
            try await client.execute(
                uri: "/tiles/all/\(t.z)/\(t.x)/\(t.y).png", method: .get, headers: [.origin: "http://example.org"]
            ) { r in
                #expect(r.headers[.accessControlAllowOrigin] == "*")
            }
        }
    }

    @Test func emptyOutOfRangeAndBadTiles() async throws {
        try await f.app().test(.router) { client in
            // Inside bounds and zoom range, but no data stored there: the shared transparent tile.
            let r = try Fixture.emptyTileAddress(f)
            try await client.execute(uri: "/tiles/sparse/\(r.z)/\(r.x)/\(r.y).png", method: .get) { res in
                #expect(res.status == .ok)
                let img = try PNGCodec.decode(Array(buffer: res.body))
                #expect(img.width == 256 && img.rgba.enumerated().allSatisfy { $0.offset % 4 != 3 || $0.element == 0 })
            }
            try await client.execute(uri: "/tiles/all/3/1/1.png", method: .get) { #expect($0.status == .notFound) }  // below minzoom
            try await client.execute(uri: "/tiles/all/12/0/0.png", method: .get) { #expect($0.status == .notFound) }  // outside bounds
            try await client.execute(uri: "/tiles/nope/12/1/1.png", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/tiles/all/12/x/1.png", method: .get) { res in
                #expect(res.status == .badRequest)
                #expect(String(buffer: res.body).contains("\"error\""))
            }
            try await client.execute(uri: "/tiles/all/12/5000/1.png", method: .get) {
                #expect($0.status == .badRequest)
            }
            try await client.execute(uri: "/tiles/all/40/1/1.png", method: .get) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/tiles/all/12/-1/1.png", method: .get) { #expect($0.status == .badRequest) }
        }
        var c = f.config
        c.emptyTile = .noContent
        try await f.app(c).test(.router) { client in
            let r = try Fixture.emptyTileAddress(f)
            try await client.execute(uri: "/tiles/sparse/\(r.z)/\(r.x)/\(r.y).png", method: .get) {
                #expect($0.status == .noContent)
            }
        }
    }

    @Test func tileJSONAndCatalogue() async throws {
        try await f.app().test(.router) { client in
            try await client.execute(uri: "/tiles/all.json", method: .get) { r in
                #expect(r.status == .ok)
                let j = try #require(try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any])
                #expect(j["tilejson"] as? String == "3.0.0")
                let template = try #require((j["tiles"] as? [String])?.first)
                #expect(template.hasPrefix("http://") && template.hasSuffix("/tiles/all/{z}/{x}/{y}.png"))
                #expect(j["minzoom"] as? Int == 10 && j["maxzoom"] as? Int == 12)
                #expect((j["bounds"] as? [Double])?.count == 4 && (j["center"] as? [Double])?.count == 3)
                #expect(j["attribution"] != nil)
            }
            try await client.execute(uri: "/tiles", method: .get) { r in
                let j = try #require(try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any])
                #expect((j["layers"] as? [[String: Any]])?.map { $0["name"] as? String } == ["all", "sparse"])
            }
            try await client.execute(uri: "/tiles/nope.json", method: .get) { #expect($0.status == .notFound) }
        }
    }

    @Test func geojsonContentTypeGzipAndBBox() async throws {
        try await f.app().test(.router) { client in
            var plain = [UInt8]()
            try await client.execute(uri: "/geojson/hotspots", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "application/geo+json")
                #expect(r.headers[.contentEncoding] == nil)
                plain = Array(buffer: r.body)
            }
            try await client.execute(
                uri: "/geojson/hotspots.geojson", method: .get, headers: [.acceptEncoding: "gzip, deflate"]
            ) { r in
                #expect(r.headers[.contentEncoding] == "gzip")
                let gz = Array(buffer: r.body)
                #expect(gz.count < plain.count && gz.prefix(2) == [0x1F, 0x8B])
            }
            // The box must drop the centroids outside it and keep every one inside.
            let all = try JSONSerialization.jsonObject(
                with: Data(
                    try #require(FileManager.default.contents(atPath: f.config.geojsonDirectory + "/centroids.geojson"))
                ))
            let allFeatures = try #require((all as? [String: Any])?["features"] as? [[String: Any]])
            func point(_ feat: [String: Any]) -> [Double] {
                ((feat["geometry"] as? [String: Any])?["coordinates"] as? [Double]) ?? []
            }
            let lons = allFeatures.map { point($0)[0] }.sorted()
            let lats = allFeatures.map { point($0)[1] }.sorted()
            // A box around the lower-left half of the centroids: some inside, some outside.
            let box = (
                minLon: lons[0] - 0.001, minLat: lats[0] - 0.001, maxLon: lons[lons.count / 2],
                maxLat: lats[lats.count / 2]
            )
            let inside = allFeatures.filter { feat in
                let c = point(feat)
                return c[0] >= box.minLon && c[0] <= box.maxLon && c[1] >= box.minLat && c[1] <= box.maxLat
            }.map { $0["id"] as? String }
            #expect(!inside.isEmpty && inside.count < allFeatures.count)
            try await client.execute(
                uri: "/geojson/centroids?bbox=\(box.minLon),\(box.minLat),\(box.maxLon),\(box.maxLat)", method: .get
            ) { r in
                #expect(r.status == .ok)
                let fc = try #require(try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any])
                let feats = try #require(fc["features"] as? [[String: Any]])
                #expect(feats.map { $0["id"] as? String } == inside)
                #expect((fc["bbox"] as? [Double])?.count == 4)
                #expect(fc["name"] as? String == "centroids")  // the collection keeps its name
            }
            for bad in ["1,2,3", "1,x,2,3", "1,2,3,4,5", "nan,1,2,3", "3,1,2,4"] {
                try await client.execute(uri: "/geojson/centroids?bbox=\(bad)", method: .get) {
                    #expect($0.status == .badRequest, "\(bad)")
                }
            }
            try await client.execute(uri: "/geojson/centroids?bbox=1,2,3", method: .get) {
                #expect($0.status == .badRequest)
            }
            try await client.execute(uri: "/geojson/nope", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/geojson", method: .get) { r in
                #expect(String(buffer: r.body).contains("dense_zones"))
            }
        }
    }

    @Test func dashboardAPIAndHealth() async throws {
        try await f.app().test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { r in
                #expect(r.status == .ok)
                #expect(String(buffer: r.body).contains("\"status\":\"ok\""))
            }
            try await client.execute(uri: "/api/stats", method: .get) { r in
                let j = try #require(try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any])
                #expect((j["total"] as? Int ?? 0) > 3000 && j["quality"] != nil && j["by_hour"] != nil)
            }
            try await client.execute(uri: "/api/runs", method: .get) { r in
                let runs = try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [Any]
                #expect(runs?.count == 1)
            }
            try await client.execute(uri: "/api/runs/latest", method: .get) { r in
                let j = try #require(try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any])
                #expect(j["kmeans_sweep"] != nil && j["ward"] != nil && j["pca"] != nil)
            }
            try await client.execute(uri: "/api/temporal", method: .get) { r in
                let j = try #require(try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any])
                #expect((j["patterns"] as? [Any])?.count == 3)
            }
            try await client.execute(uri: "/api/clusters?run=1", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/clusters?run=abc", method: .get) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/api/runs/99", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/runs/zero", method: .get) { #expect($0.status == .badRequest) }
        }
        var c = f.config
        c.workspace = f.dir + "/missing.sqlite"
        try await f.app(c).test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .serviceUnavailable) }
            try await client.execute(uri: "/api/stats", method: .get) { #expect($0.status == .notFound) }
        }
    }

    @Test func patrolPlanAndBacktestAPI() async throws {
        try await f.app().test(.router) { client in
            try await client.execute(uri: "/api/plan?cells=5", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "application/geo+json")
                let j = try #require(try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any])
                let features = try #require(j["features"] as? [[String: Any]])
                let cells = features.compactMap { ($0["properties"] as? [String: Any])?["cells"] as? Int }
                #expect(!features.isEmpty && cells.reduce(0, +) == 5)
                let plan = try #require(j["plan"] as? [String: Any])
                #expect(plan["cells"] as? Int == 5 && plan["evidence"] is [String: Any])
                #expect(((plan["backtest"] as? [String: Any])?["folds"] as? Int ?? 0) >= 1)
            }
            try await client.execute(uri: "/api/plan.csv?cells=5", method: .get) { r in
                #expect(r.status == .ok && r.headers[.contentType] == "text/csv; charset=utf-8")
                #expect(String(buffer: r.body).hasPrefix("rank,top_block,"))
            }
            for (query, word) in [
                ("hours=25-3", "hours"), ("types=NOPE", "types"), ("dy=fri", "unknown parameter 'dy'"),
                ("cells=x", "cells"), ("day=funday", "days"), ("method=tarot", "method"),
                ("area_share=90", "area_share"),
            ] {
                try await client.execute(uri: "/api/plan?" + query, method: .get) { r in
                    #expect(r.status == .badRequest, "\(query)")
                    #expect(String(buffer: r.body).contains(word), "\(query)")
                }
            }
            // No backtest stored yet: a 404 that says what to run.
            try await client.execute(uri: "/api/backtest", method: .get) { r in
                #expect(r.status == .notFound && String(buffer: r.body).contains("patroliq backtest"))
            }
        }
    }

    /// Decoded PNG as palette positions of the heat ramp (255 for a colour not in it).
    static func rampIndices(_ png: [UInt8]) throws -> [Int] {
        let image = try PNGCodec.decode(png)
        let ramp = try #require(ColorRamp(name: "heat"))
        var lookup: [UInt32: Int] = [:]
        for k in stride(from: ramp.rgba.count / 4 - 1, through: 0, by: -1) {
            lookup[ramp.rgba[k * 4..<k * 4 + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }] = k
        }
        return (0..<(image.width * image.height)).map { i in
            lookup[image.rgba[i * 4..<i * 4 + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }] ?? 255
        }
    }

    @Test func liveTilesStatsAndStreetLevel() async throws {
        let w = try Workspace(path: f.config.workspace)
        let info = try w.info()
        // The stored layer as `patroliq tiles` renders it, at the live layer's reference zoom.
        let stored = f.dir + "/live-ref.mbtiles"
        let t = try w.incidents(columns: ["latitude", "longitude"])
        var o = TileOptions()
        o.minZoom = LiveTiles.referenceZoom
        o.maxZoom = LiveTiles.referenceZoom
        _ = try TileRenderer.render(
            layer: .all, lon: t.longitude, lat: t.latitude, centerLat: info.projection.originLat, bounds: info.extent,
            to: stored, options: o, description: "reference")
        let reader = try MBTilesReader(path: stored)
        let bz = LiveTiles.referenceZoom
        let (bx, by) = WebMercator.tile(lon: -87.6294, lat: 41.8807, zoom: bz)
        let want = try #require(try reader.tile(z: bz, x: bx, y: by))
        var filter = IncidentFilter()
        filter.types = ["THEFT", "BATTERY"]
        try filter.setHours("18-6")
        let expected = try IncidentStatistics.filtered(w, filter)
        try await f.app().test(.router) { client in
            // No filter: the stored tile, palette positions equal or one step apart.
            try await client.execute(uri: "/tiles/live/\(bz)/\(bx)/\(by).png", method: .get) { r in
                #expect(r.status == .ok && r.headers[.contentType] == "image/png")
                let got = try Self.rampIndices(Array(buffer: r.body))
                let ref = try Self.rampIndices(want)
                #expect(zip(got, ref).allSatisfy { abs($0 - $1) <= 1 })
                #expect(zip(got, ref).filter { $0 != $1 }.count * 100 < got.count)
            }
            // A filter: its own ETag, 304 on revalidation, and seamless neighbours.
            let q = "?types=THEFT,BATTERY&hours=18-6"
            var tag = ""
            let (sx, sy) = WebMercator.tile(lon: -87.6294, lat: 41.8807, zoom: 14)
            try await client.execute(uri: "/tiles/live/14/\(sx)/\(sy).png" + q, method: .get) { r in
                #expect(r.status == .ok)
                tag = r.headers[.eTag] ?? ""
            }
            #expect(tag.hasPrefix("\"live-"))
            try await client.execute(
                uri: "/tiles/live/14/\(sx)/\(sy).png" + q, method: .get, headers: [.ifNoneMatch: tag]
            ) { #expect($0.status == .notModified) }
            var left: [Int] = []
            var right: [Int] = []
            try await client.execute(uri: "/tiles/live/14/\(sx)/\(sy).png" + q, method: .get) {
                left = try Self.rampIndices(Array(buffer: $0.body))
            }
            try await client.execute(uri: "/tiles/live/14/\(sx + 1)/\(sy).png" + q, method: .get) {
                right = try Self.rampIndices(Array(buffer: $0.body))
            }
            // No seam: across the border the colour changes no more than between the columns beside it.
            for row in 0..<256 {
                let across = abs(left[row * 256 + 255] - right[row * 256])
                let beside = max(
                    abs(left[row * 256 + 254] - left[row * 256 + 255]), abs(right[row * 256] - right[row * 256 + 1]))
                #expect(across <= 2 * beside + 1, "row \(row): \(across) across the border, \(beside) beside it")
            }
            try await client.execute(uri: "/tiles/live.json" + q, method: .get) { r in
                let j = try #require(try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any])
                let tiles = j["tiles"] as? [String] ?? []
                #expect(tiles.first?.contains("/tiles/live/{z}/{x}/{y}.png?types=BATTERY,THEFT&hours=18-6") == true)
                #expect((j["incidents"] as? Int ?? 0) > 100 && j["patroliq"] is [String: Any])
            }
            // Bad filters and addresses: 400 naming the parameter, 404 outside the zooms.
            for (uri, status, word) in [
                ("/tiles/live/12/1/1.png?hours=x", HTTPResponse.Status.badRequest, "hours"),
                ("/tiles/live/12/1/1.png?types=NOPE", .badRequest, "types"),
                ("/tiles/live/12/1/1.png?colour=red", .badRequest, "colour"),
                ("/tiles/live/5/1/1.png", .notFound, "zoom"), ("/tiles/live/12/1/a.png", .badRequest, "integer"),
                ("/api/stats?min_severity=11", .badRequest, "min_severity"),
                ("/api/incidents?types=THEFT", .badRequest, "bbox"),
                ("/api/incidents?bbox=-87.7,41.8,-87.6,41.9&limit=0", .badRequest, "limit"),
            ] {
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(r.status == status, "\(uri)")
                    #expect(String(buffer: r.body).contains(word), "\(uri)")
                }
            }
            // Statistics of a filter equal `patroliq stats --filter` (the same code on the stored columns).
            try await client.execute(uri: "/api/stats" + q, method: .get) { r in
                let j = try #require(try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any])
                #expect(j["total"] as? Int == expected.total && (j["by_hour"] as? [Int]) == expected.byHour)
                #expect((j["hour_weekday"] as? [[Int]]) == expected.hourWeekday)
            }
            // Temporal: the filtered incidents over the stored patterns.
            try await client.execute(uri: "/api/temporal" + q, method: .get) { r in
                #expect(r.status == .ok)
                let j = try #require(try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any])
                let counts = (j["patterns"] as? [[String: Any]] ?? []).compactMap { $0["count"] as? Int }
                #expect(counts.count == 3 && counts.reduce(0, +) == expected.total)
                let types = (j["profiles"] as? [[String: Any]] ?? []).compactMap { $0["type"] as? String }
                #expect(Set(types) == ["THEFT", "BATTERY"])
            }
            // Street level: newest first, capped, with the count not shown.
            try await client.execute(
                uri: "/api/incidents?bbox=-87.9,41.6,-87.5,42.1&limit=5" + "&types=THEFT", method: .get
            ) { r in
                let j = try #require(try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any])
                let items = try #require(j["incidents"] as? [[String: Any]])
                let times = items.compactMap { $0["time"] as? String }
                #expect(items.count == 5 && times == times.sorted(by: >))
                #expect(items.allSatisfy { $0["type"] as? String == "THEFT" })
                #expect((j["total"] as? Int ?? 0) == 5 + (j["not_shown"] as? Int ?? -1))
            }
        }
    }

    /// The live caches stay within their bounds: at most 32 filters, and tiles within their byte budget.
    @Test func liveCachesAreBounded() async throws {
        let live = LiveService(path: f.config.workspace, emptyTile: .transparentPNG, tileBudget: 150_000)
        let app = Application(router: PatrolIQServer.router(f.config, logger: Logger(label: "test"), live: live))
        let (bx, by) = WebMercator.tile(lon: -87.6294, lat: 41.8807, zoom: 13)
        try await app.test(.router) { client in
            for k in 0..<40 {
                let q = "?hours=\(k % 24)-\((k % 24) + 1)&days=\(["mon", "tue", "wed", "thu", "fri"][k / 24 + k % 3])"
                for dx in 0..<3 {
                    try await client.execute(uri: "/tiles/live/13/\(bx + dx)/\(by).png" + q, method: .get) {
                        #expect($0.status == .ok)
                    }
                }
                let counts = live.cacheCounts
                #expect(counts.filters <= LiveService.filterCacheSize && counts.bytes <= 150_000, "\(counts)")
            }
            #expect(live.cacheCounts.filters == LiveService.filterCacheSize)
            // Street-level incidents carry their clusters from the latest run.
            try await client.execute(uri: "/api/incidents?bbox=-87.9,41.6,-87.5,42.1&limit=3", method: .get) { r in
                let j = try #require(try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any])
                let first = try #require((j["incidents"] as? [[String: Any]])?.first)
                let clusters = try #require(first["clusters"] as? [String: Int])
                #expect(Set(clusters.keys).isSuperset(of: ["kmeans"]))
            }
        }
    }

    /// A PMTiles archive in the tiles directory is a layer like an MBTiles store: same tiles, TileJSON, catalogue.
    @Test func pmtilesArchivesAreServed() async throws {
        let dir = f.dir + "/pm-tiles"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        _ = try PMTiles.convert(mbtiles: f.config.tilesDirectory + "/all.mbtiles", to: dir + "/archive.pmtiles")
        var c = f.config
        c.tilesDirectory = dir
        let t = f.busyTile
        let want = try #require(
            try MBTilesReader(path: f.config.tilesDirectory + "/all.mbtiles").tile(z: t.z, x: t.x, y: t.y))
        try await f.app(c).test(.router) { client in
            try await client.execute(uri: "/tiles/archive/\(t.z)/\(t.x)/\(t.y).png", method: .get) { r in
                #expect(r.status == .ok && Array(buffer: r.body) == want && r.headers[.eTag] != nil)
            }
            try await client.execute(uri: "/tiles/archive.json", method: .get) { r in
                let j = try #require(try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any])
                #expect(j["minzoom"] as? Int == 10 && j["maxzoom"] as? Int == 12 && j["patroliq"] is [String: Any])
            }
            try await client.execute(uri: "/tiles", method: .get) { r in
                #expect(String(buffer: r.body).contains("\"name\":\"archive\""))
            }
        }
    }

    @Test func staticFilesAndTraversal() async throws {
        try await f.app().test(.router) { client in
            try await client.execute(uri: "/", method: .get) { r in
                #expect(r.status == .ok && String(buffer: r.body).contains("PatrolIQ"))
            }
            try await client.execute(uri: "/css/app.css", method: .get) { r in
                #expect(r.status == .ok && r.headers[.contentType]?.contains("css") == true)
            }
            try await client.execute(uri: "/js/leaflet/leaflet.js", method: .get) { #expect($0.status == .ok) }
            for bad in [
                "/../secret/passwords.txt", "/%2e%2e/secret/passwords.txt", "/css/%2E%2E/%2e%2e/secret/passwords.txt",
                "/js/..%2f..%2fsecret/passwords.txt", "//etc/passwd", "/escape.txt", "/js/../web/index.html",
                "/etc/passwd",
            ] {
                try await client.execute(uri: bad, method: .get) { r in
                    #expect(r.status == .notFound, "\(bad) → \(r.status)")
                    #expect(!String(buffer: r.body).contains("hunter2"))
                }
            }
        }
    }

    @Test func replacedStoreIsPickedUpWithoutRestart() async throws {
        // A private copy, so other tests keep their store.
        let dir = f.dir + "/swap-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: f.config.tilesDirectory + "/all.mbtiles", toPath: dir + "/all.mbtiles")
        var c = f.config
        c.tilesDirectory = dir
        let t = f.busyTile
        let wsPath = f.config.workspace
        try await f.app(c).test(.router) { client in
            let w = try Workspace(path: wsPath)
            var before = [UInt8]()
            try await client.execute(uri: "/tiles/all/\(t.z)/\(t.x)/\(t.y).png", method: .get) {
                before = Array(buffer: $0.body)
            }
            // Re-render with another ramp: written beside, renamed over the served file.
            try Fixture.render(dir + "/all.mbtiles", workspace: w, zooms: 10...13, colormap: "viridis")
            try await Task.sleep(for: .milliseconds(250))  // the server re-checks store identity every 100 ms
            try await client.execute(uri: "/tiles/all/\(t.z)/\(t.x)/\(t.y).png", method: .get) { r in
                #expect(r.status == .ok)
                #expect(Array(buffer: r.body) != before)
            }
            try await client.execute(uri: "/tiles/all.json", method: .get) { r in
                #expect(String(buffer: r.body).contains("\"maxzoom\":13"))
            }
        }
    }
}

/// The whole application over real sockets: tile hits answered on the event loop (`TileChannelHandler`)
/// must be the router's answers, byte for byte and header for header, and stay in request order.
@Suite(.serialized) struct LiveServerTests {
    let f = Fixture.shared

    /// A live tile rendered through the router is answered from memory by the event loop next time,
    /// with the same bytes and headers; a filter spelt otherwise is the same tile.
    @Test func cachedLiveTilesTakeTheEventLoopPath() async throws {
        let t = f.busyTile
        let app = PatrolIQServer.application(f.config, logger: Logger(label: "test"))
        try await app.test(.live) { client in
            var first: (body: [UInt8], headers: HTTPFields)?
            for uri in [
                "/tiles/live/\(t.z)/\(t.x)/\(t.y).png?types=THEFT,BATTERY&hours=18-6",
                "/tiles/live/\(t.z)/\(t.x)/\(t.y).png?hours=18-6&types=battery%2Ctheft",
            ] {
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(r.status == .ok && r.headers[.contentType] == "image/png")
                    let body = Array(buffer: r.body)
                    if let first {
                        #expect(body == first.body)
                        for name: HTTPField.Name in [.eTag, .cacheControl, .contentLength, .accessControlAllowOrigin] {
                            #expect(r.headers[name] == first.headers[name], "\(name)")
                        }
                    } else {
                        first = (body, r.headers)
                    }
                }
            }
            let tag = try #require(first?.headers[.eTag])
            try await client.execute(
                uri: "/tiles/live/\(t.z)/\(t.x)/\(t.y).png?types=THEFT,BATTERY&hours=18-6", method: .get,
                headers: [.ifNoneMatch: tag]
            ) { #expect($0.status == .notModified) }
            // A bad filter still gets the router's 400.
            try await client.execute(uri: "/tiles/live/\(t.z)/\(t.x)/\(t.y).png?hours=99", method: .get) {
                #expect($0.status == .badRequest)
            }
        }
    }

    @Test func eventLoopAnswersMatchTheRouter() async throws {
        let t = f.busyTile
        let uri = "/tiles/all/\(t.z)/\(t.x)/\(t.y).png"
        let expected = try #require(
            try MBTilesReader(path: f.config.tilesDirectory + "/all.mbtiles").tile(z: t.z, x: t.x, y: t.y))
        let app = PatrolIQServer.application(f.config, logger: Logger(label: "test"))
        try await app.test(.live) { client in
            var first: HTTPFields = [:]
            // The first request reads the store through the router; the second is served from memory.
            for pass in 0..<2 {
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(r.status == .ok)
                    #expect(Array(buffer: r.body) == expected)
                    #expect(r.headers[.contentLength] == String(expected.count))
                    #expect(r.headers[.date] != nil)
                    #expect(r.headers[.server] == "PatrolIQ")
                    if pass == 0 {
                        first = r.headers
                    } else {
                        let names: [HTTPField.Name] = [.contentType, .eTag, .cacheControl, .accessControlAllowOrigin]
                        for name in names {
                            #expect(r.headers[name] == first[name], "\(name)")
                        }
                    }
                }
            }
            let etag = try #require(first[.eTag])
            try await client.execute(uri: uri, method: .get, headers: [.ifNoneMatch: etag]) { r in
                #expect(r.status == .notModified)
                #expect(r.body.readableBytes == 0)
                #expect(r.headers[.eTag] == etag)
            }
            try await client.execute(uri: "/tiles/all/12/x/1.png", method: .get) { r in
                #expect(r.status == .badRequest)
                #expect(String(buffer: r.body).contains("\"error\""))
            }
            try await client.execute(uri: "/%2e%2e/etc/passwd", method: .get) { #expect($0.status == .notFound) }
            // Routes under /tiles/ that are not tile addresses go to the router.
            try await client.execute(uri: "/tiles/all.json", method: .get) { r in
                #expect(r.status == .ok)
                #expect(String(buffer: r.body).contains("\"tilejson\":\"3.0.0\""))
            }
            try await client.execute(uri: "/tiles", method: .get) { #expect(String(buffer: $0.body).contains("all")) }
            // Pipelined on one connection: router requests and event-loop answers (a hit, an error whose
            // message is not ASCII, "10–12") come back in request order, each framed by its Content-Length.
            let port = try #require(client.port)
            let paths = [uri, "/tiles/all/3/1/1.png", "/health", uri, "/api/stats", uri]
            let replies = try await Self.exchangeOffPool(
                port: port, paths.map { "GET \($0) HTTP/1.1\r\nHost: x\r\n\r\n" }.joined(), responses: paths.count)
            try #require(replies.count == paths.count)
            #expect(replies.map(\.status) == [200, 404, 200, 200, 200, 200])
            #expect(replies[2].head.contains("application/json") && replies[4].head.contains("application/json"))
            #expect([0, 3, 5].allSatisfy { replies[$0].body == Data(expected) })
            let error = try JSONSerialization.jsonObject(with: replies[1].body) as? [String: [String: Any]]
            #expect((error?["error"]?["message"] as? String)?.contains("10–12") == true)
        }
    }

    static func exchangeOffPool(port: Int, _ request: String, responses: Int) async throws -> [(
        status: Int, head: String, body: Data
    )] {
        let r = await offPool { Result { try exchange(port: port, request, responses: responses).map { Reply($0) } } }
        return try r.get().map { ($0.status, $0.head, $0.body) }
    }

    struct Reply: Sendable {
        let status: Int
        let head: String
        let body: Data
        init(_ t: (status: Int, head: String, body: Data)) { (status, head, body) = t }
    }

    /// Sends `request` on a new connection and splits what comes back into `responses` HTTP responses
    /// framed by their Content-Length (fewer if the stream ends or stops making sense).
    static func exchange(port: Int, _ request: String, responses: Int) throws -> [(
        status: Int, head: String, body: Data
    )] {
        let connected = Socket.connect(port: port)
        #expect(connected != nil)
        guard let fd = connected else { return [] }
        defer { close(fd) }
        var tv = timeval(tv_sec: 60, tv_usec: 0)  // generous: CI runs other suites alongside
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let bytes = Array(request.utf8)
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var raw = Data()
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        var parsed: [(status: Int, head: String, body: Data)] = []
        while parsed.count < responses {
            let n = recv(fd, &buf, buf.count, 0)
            if n <= 0 { break }
            raw.append(contentsOf: buf[0..<n])
            parsed = []
            var at = raw.startIndex
            while let end = raw.range(of: Data("\r\n\r\n".utf8), in: at..<raw.endIndex) {
                let head = String(decoding: raw[at..<end.lowerBound], as: UTF8.self)
                guard head.hasPrefix("HTTP/1.1 "), let status = Int(head.dropFirst(9).prefix(3)) else { return parsed }
                let length =
                    head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                guard raw.endIndex - end.upperBound >= length else { break }
                parsed.append((status, head, raw[end.upperBound..<end.upperBound + length]))
                at = end.upperBound + length
            }
        }
        return parsed
    }
}

extension Fixture {
    /// The tile halfway between the two incidents of the 'sparse' layer: inside its bounds, nothing stored.
    static func emptyTileAddress(_ f: Fixture) throws -> (z: Int, x: Int, y: Int) {
        let (x, y) = WebMercator.tile(lon: -87.65, lat: 41.825, zoom: 12)
        let stored = try MBTilesReader(path: f.config.tilesDirectory + "/sparse.mbtiles").tile(z: 12, x: x, y: y)
        #expect(stored == nil)
        return (12, x, y)
    }
}
