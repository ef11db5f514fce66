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

            Several jurisdictions: give --workspace NAME=PATH once per workspace (and --tiles NAME=DIR, \
            --geojson NAME=DIR; by default DIR/NAME of --tiles and --geojson). Each is served under \
            /c/NAME/ with every endpoint above, /api/cities lists them, and the first is also served at the \
            top level, so single-workspace URLs keep working.
            """)

    @Option(
        help: ArgumentHelp(
            "The workspace database; NAME=PATH (repeated) to serve several, each under /c/NAME/.",
            valueName: "path|name=path"))
    var workspace: [String] = []
    @Option(
        help: ArgumentHelp(
            "Directory of MBTiles layers; NAME=DIR for a named workspace (default: DIR/NAME).",
            valueName: "dir|name=dir"))
    var tiles: [String] = []
    @Option(
        help: ArgumentHelp(
            "Directory of exported GeoJSON; NAME=DIR for a named workspace (default: DIR/NAME).",
            valueName: "dir|name=dir"))
    var geojson: [String] = []
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

    /// The unnamed value of a repeated option (or its default) and the NAME=VALUE ones.
    static func split(_ values: [String], option: String, default d: String) throws -> (
        plain: String, named: [(String, String)]
    ) {
        var plain: [String] = []
        var named: [(String, String)] = []
        for v in values {
            if let eq = v.firstIndex(of: "="), ServerConfiguration.City.isValidName(String(v[..<eq])) {
                let name = String(v[..<eq])
                guard !named.contains(where: { $0.0 == name }) else {
                    throw ValidationError("--\(option): '\(name)' is given twice")
                }
                named.append((name, String(v[v.index(after: eq)...])))
            } else if v.contains("="), !FileManager.default.fileExists(atPath: v) {
                throw ValidationError(
                    "--\(option) \(v): names are 1–32 lowercase letters, digits, '-' or '_' (NAME=PATH)")
            } else {
                plain.append(v)
            }
        }
        guard plain.count <= 1 else { throw ValidationError("--\(option) without a NAME= is given more than once") }
        return (plain.first ?? d, named)
    }

    /// The named workspaces with their directories, in the order given.
    func cities() throws -> [ServerConfiguration.City] {
        let w = try Self.split(workspace, option: "workspace", default: "workspace.sqlite")
        let t = try Self.split(tiles, option: "tiles", default: "tiles")
        let g = try Self.split(geojson, option: "geojson", default: "geojson")
        if !w.named.isEmpty && workspace.count > w.named.count {
            throw ValidationError("--workspace: name every workspace (NAME=PATH) when serving several")
        }
        for (n, _) in t.named + g.named where !w.named.contains(where: { $0.0 == n }) {
            throw ValidationError("no --workspace \(n)=PATH for the directory given for '\(n)'")
        }
        return w.named.map { name, path in
            ServerConfiguration.City(
                name: name, workspace: path,
                tilesDirectory: t.named.first { $0.0 == name }?.1 ?? t.plain + "/" + name,
                geojsonDirectory: g.named.first { $0.0 == name }?.1 ?? g.plain + "/" + name)
        }
    }

    func validate() throws {
        _ = try cities()
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
        let cities = try cities()
        if let first = cities.first {
            c.workspace = first.workspace
            c.tilesDirectory = first.tilesDirectory
            c.geojsonDirectory = first.geojsonDirectory
            c.cities = cities
        } else {
            c.workspace = try Self.split(workspace, option: "workspace", default: "workspace.sqlite").plain
            c.tilesDirectory = try Self.split(tiles, option: "tiles", default: "tiles").plain
            c.geojsonDirectory = try Self.split(geojson, option: "geojson", default: "geojson").plain
        }
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
                ("serving http://\(host):\(port)/ (workspace \(c.workspace), tiles \(c.tilesDirectory)/, "
                    + "geojson \(c.geojsonDirectory)/, web \(web)/" + (users != nil ? ", sign-in required" : "") + ")\n"
                    + cities.map {
                        "  /c/\($0.name)/: workspace \($0.workspace), tiles \($0.tilesDirectory)/, geojson \($0.geojsonDirectory)/\n"
                    }
                    .joined()).utf8))
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
