import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PatrolIQCore
import Testing

@testable import PatrolIQServer

/// Two generated cities served by one process: each under /c/{name}, listed at /api/cities, the first
/// also at the top level.
@Suite(.serialized) struct CitiesTests {
    /// A second city beside the shared fixture's: other rows and seed, its own tiles and GeoJSON.
    static let second: (dir: String, city: ServerConfiguration.City) = {
        let dir = NSTemporaryDirectory() + "patroliq-city-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: dir + "/tiles", withIntermediateDirectories: true)
        do {
            try DemoGenerator(rows: 1500, seed: 11).write(to: dir + "/d.csv")
            _ = try Ingest.run(file: dir + "/d.csv", workspace: dir + "/ws.sqlite")
            let w = try Workspace(path: dir + "/ws.sqlite")
            try Fixture.render(dir + "/tiles/all.mbtiles", workspace: w, zooms: 10...11)
        } catch {
            Issue.record("cannot build the second city: \(error)")
        }
        return (
            dir,
            .init(
                name: "springfield", workspace: dir + "/ws.sqlite", tilesDirectory: dir + "/tiles",
                geojsonDirectory: dir + "/geojson")
        )
    }()

    var config: ServerConfiguration {
        let f = Fixture.shared
        var c = f.config
        c.cities = [
            .init(
                name: "chicago", workspace: f.config.workspace, tilesDirectory: f.config.tilesDirectory,
                geojsonDirectory: f.config.geojsonDirectory),
            Self.second.city,
        ]
        return c
    }

    func total(_ client: some TestClientProtocol, _ uri: String) async throws -> Int {
        try await client.execute(uri: uri, method: .get) { r in
            #expect(r.status == .ok, "\(uri)")
            let doc = try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any]
            #expect((doc?["incidents_per_km2"] as? Double ?? 0) > 0, "\(uri) has a density")
            return doc?["total"] as? Int ?? -1
        }
    }

    @Test func eachCityAnswersUnderItsNameAndTheFirstAtTheTop() async throws {
        try await Fixture.shared.app(config).test(.router) { client in
            let chicago = try await total(client, "/c/chicago/api/stats")
            let springfield = try await total(client, "/c/springfield/api/stats")
            let top = try await total(client, "/api/stats")
            #expect(chicago > 3000)
            #expect(springfield > 1000 && springfield < 1500)
            #expect(top == chicago)

            try await client.execute(uri: "/api/cities", method: .get) { r in
                #expect(r.status == .ok)
                let doc = try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any]
                let cities = doc?["cities"] as? [[String: Any]] ?? []
                #expect(cities.map { $0["name"] as? String } == ["chicago", "springfield"])
                #expect((cities.last?["stats"] as? String)?.hasSuffix("/c/springfield/api/stats") == true)
                #expect(cities.allSatisfy { $0["ready"] as? Bool == true })
            }
            // TileJSON and catalogue URLs carry the city's prefix; its tiles are its own.
            try await client.execute(uri: "/c/springfield/tiles/all.json", method: .get) { r in
                #expect(r.status == .ok)
                let doc = try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any]
                let url = (doc?["tiles"] as? [String])?.first ?? ""
                #expect(url.contains("/c/springfield/tiles/all/{z}/{x}/{y}"), "\(url)")
                #expect(doc?["maxzoom"] as? Int == 11)
            }
            try await client.execute(uri: "/c/springfield/tiles/live.json", method: .get) { r in
                let doc = try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any]
                let url = (doc?["tiles"] as? [String])?.first ?? ""
                #expect(url.contains("/c/springfield/tiles/live/"), "\(url)")
            }
            let (x, y) = WebMercator.tile(lon: -87.6294, lat: 41.8807, zoom: 11)
            let expected = try MBTilesReader(path: Self.second.dir + "/tiles/all.mbtiles").tile(z: 11, x: x, y: y)
            try await client.execute(uri: "/c/springfield/tiles/all/11/\(x)/\(y).png", method: .get) { r in
                #expect(r.status == .ok)
                #expect(Array(buffer: r.body) == expected)
            }
            try await client.execute(uri: "/c/springfield/tiles/all/12/1/1.png", method: .get) {
                #expect($0.status == .notFound)  // above its maxzoom
            }
            // Live filters per city.
            try await client.execute(uri: "/c/springfield/api/stats?types=THEFT", method: .get) { r in
                #expect(r.status == .ok)
                let doc = try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any]
                #expect((doc?["total"] as? Int ?? 0) < springfield)
            }
            // Unknown cities and their paths are 404, never 500.
            // Each with the JSON error body every endpoint uses, unmatched routes included.
            for uri in [
                "/c/nowhere/api/stats", "/c/springfield/nope", "/c/../api/stats", "/c/springfield/geojson/x",
                "/api/nope", "/nothing/here.png",
            ] {
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(r.status == .notFound, "\(uri)")
                    #expect(r.headers[.contentType] == "application/json; charset=utf-8", "\(uri)")
                    let doc = try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any]
                    #expect((doc?["error"] as? [String: Any])?["status"] as? Int == 404, "\(uri)")
                }
            }
        }
    }

    @Test func withoutCitiesTheCatalogueIsEmpty() async throws {
        try await Fixture.shared.app().test(.router) { client in
            try await client.execute(uri: "/api/cities", method: .get) { r in
                #expect(r.status == .ok)
                #expect(String(buffer: r.body) == #"{"cities":[]}"#)
            }
        }
    }

    @Test func cityNamesArePathSegments() {
        #expect(ServerConfiguration.City.isValidName("new-york_2"))
        for bad in ["", "Chicago", "a/b", "..", String(repeating: "a", count: 33), "é"] {
            #expect(!ServerConfiguration.City.isValidName(bad), "\(bad)")
        }
    }
}
