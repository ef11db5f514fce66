import ArgumentParser
import Foundation
import Logging
import PatrolIQCore
import PatrolIQServer

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve tiles, TileJSON, GeoJSON, dashboard JSON and the web dashboard over HTTP (read-only).",
        discussion: """
            Endpoints: /tiles, /tiles/{layer}.json (TileJSON 3.0.0), /tiles/{layer}/{z}/{x}/{y}.png (and @2x.png),
            /geojson, /geojson/{name}[?bbox=minLon,minLat,maxLon,maxLat], /api/stats, /api/runs,
            /api/runs/{id|latest}, /api/temporal, /api/clusters, /health; the dashboard from --web at /,
            Debian's Leaflet and Chart.js from --js at /js. Stores replaced by a new render are picked up
            without a restart. SIGTERM or SIGINT stop it gracefully.
            """)

    @Option(help: "The workspace database.") var workspace: String = "workspace.sqlite"
    @Option(help: "Directory of MBTiles layers.") var tiles: String = "tiles"
    @Option(help: "Directory of exported GeoJSON.") var geojson: String = "geojson"
    @Option(help: "Directory of the web dashboard.") var web: String = "web"
    @Option(help: "Directory of Debian's JavaScript libraries.") var js: String = "/usr/share/javascript"
    @Option(help: "Address to listen on.") var host: String = "127.0.0.1"
    @Option(help: "Port to listen on.") var port: Int = 8080
    @Option(help: "Answer for empty tiles inside a layer: 'png' (200, transparent tile) or '204'.")
    var emptyTile: String = "png"
    @Option(
        help: "Log level: info logs one line per request (method, path, status, duration); warning logs problems only.")
    var logLevel: String = "info"

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be within 1–65535") }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        guard ServerConfiguration.EmptyTileMode(rawValue: emptyTile) != nil else {
            throw ValidationError("--empty-tile must be 'png' or '204'")
        }
    }

    func run() throws {
        var c = ServerConfiguration()
        c.workspace = workspace
        c.tilesDirectory = tiles
        c.geojsonDirectory = geojson
        c.webDirectory = web
        c.javascriptDirectory = js
        c.host = host
        c.port = port
        c.emptyTile = ServerConfiguration.EmptyTileMode(rawValue: emptyTile)!
        FileHandle.standardOutput.write(
            Data(
                "serving http://\(host):\(port)/ (workspace \(workspace), tiles \(tiles)/, geojson \(geojson)/, web \(web)/)\n"
                    .utf8))
        LoggingSystem.bootstrap { BufferedLogHandler(label: $0) }
        var logger = Logger(label: "patroliq")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let app = PatrolIQServer.application(c, logger: logger)
        let done = DispatchSemaphore(value: 0)
        let failure = Unchecked<Error?>(nil)
        Task {
            do { try await app.runService() } catch { failure.value = error }
            done.signal()
        }
        done.wait()
        BufferedLogHandler.flush()
        if let e = failure.value { PatrolIQ.fail("server: \(e)", code: 1) }
    }
}
