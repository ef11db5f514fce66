import ArgumentParser
import Foundation
import Logging
import PatrolIQCore
import PatrolIQServer

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve tiles, TileJSON, GeoJSON, dashboard JSON and the web dashboard over HTTP (read-only).",
        discussion: """
            Endpoints: /tiles, /tiles/{layer}.json (TileJSON 3.0.0), /tiles/{layer}/{z}/{x}/{y}.png (and \
            @2x.png), /geojson, /geojson/{name}[?bbox=minLon,minLat,maxLon,maxLat], /api/stats, /api/runs, \
            /api/runs/{id|latest}, /api/temporal, /api/clusters, /health; the dashboard from --web at /, \
            Debian's Leaflet and Chart.js from --js at /js. Stores replaced by a new render are picked up \
            without a restart. With --users, every request but /health needs a password (HTTP Basic) or a \
            bearer token; put the server behind TLS then (README has an nginx example). SIGTERM or SIGINT \
            stop it gracefully.
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
    @Option(
        help: """
            The URL clients reach this server at (e.g. https://maps.example.org behind a proxy), used in TileJSON \
            and catalogue URLs. Without it a well-formed Host header is used, else the listen address.
            """)
    var publicURL: String?
    @Option(
        help: """
            Users file (lines 'user NAME BCRYPT' and 'token NAME SHA256', made by 'patroliq users'): require \
            credentials for everything but /health.
            """)
    var users: String?
    @Option(
        help: "Seconds a connection may take to send a complete request (after opening or its last response).")
    var requestTimeout: Double = 30

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be within 1–65535") }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        guard ServerConfiguration.EmptyTileMode(rawValue: emptyTile) != nil else {
            throw ValidationError("--empty-tile must be 'png' or '204'")
        }
        if let u = publicURL, !PublicURL.isValidConfigured(u) {
            throw ValidationError("--public-url must be http(s)://host[:port][/path], e.g. https://maps.example.org")
        }
        guard requestTimeout > 0, requestTimeout <= 3600 else {
            throw ValidationError("--request-timeout must be within 0–3600 seconds")
        }
    }

    func run() async throws {
        var c = ServerConfiguration()
        c.workspace = workspace
        c.tilesDirectory = tiles
        c.geojsonDirectory = geojson
        c.webDirectory = web
        c.javascriptDirectory = js
        c.host = host
        c.port = port
        c.emptyTile = ServerConfiguration.EmptyTileMode(rawValue: emptyTile) ?? .transparentPNG
        c.publicURL = publicURL
        c.requestTimeout = .milliseconds(Int64(requestTimeout * 1000))
        if let users {
            do {
                c.access = try AccessControl(path: users)
            } catch let e as UserFileError {
                throw InputError(file: e.file, line: e.line, e.message)
            }
        }
        FileHandle.standardOutput.write(
            Data(
                ("serving http://\(host):\(port)/ (workspace \(workspace), tiles \(tiles)/, geojson \(geojson)/, "
                    + "web \(web)/" + (users != nil ? ", sign-in required" : "") + ")\n").utf8))
        LoggingSystem.bootstrap { BufferedLogHandler(label: $0) }
        var logger = Logger(label: "patroliq")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let app = PatrolIQServer.application(c, logger: logger)
        defer { BufferedLogHandler.flush() }
        do {
            try await app.runService()
        } catch {
            throw RuntimeError("server: \(error)")
        }
    }
}
