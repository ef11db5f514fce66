import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import PatrolIQCore

/// The HTTP service: tiles, TileJSON, GeoJSON, dashboard JSON and static files, read-only over the
/// stores the other stages write.
public enum PatrolIQServer {
    /// The `Server` header of every response.
    static let serverName = "PatrolIQ"

    /// The application, ready for `runService()` (which stops gracefully on SIGTERM and SIGINT).
    public static func application(_ config: ServerConfiguration, logger: Logger? = nil) -> some ApplicationProtocol {
        var log = logger ?? Logger(label: "patroliq")
        if logger == nil { log.logLevel = .info }
        let r = router(config, logger: log)
        let tiles = TileService(catalog: TileCatalog(directory: config.tilesDirectory), config: config)
        let fast = FastTileResponder(tiles: tiles, next: r.buildResponder())
        let accessLog = log
        return Application(
            responder: fast,
            server: HTTPServerBuilder { responder in
                TileFirstHTTP1Channel(responder: responder, tiles: tiles, accessLog: accessLog)
            },
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: serverName),
            logger: log)
    }

    /// The routes, separate from the application so tests can drive them directly.
    public static func router(_ config: ServerConfiguration, logger: Logger) -> Router<BasicRequestContext> {
        let tiles = TileCatalog(directory: config.tilesDirectory)
        let geojson = GeoJSONCatalog(directory: config.geojsonDirectory)
        let data = DashboardData(path: config.workspace)
        let tileService = TileService(catalog: tiles, config: config)

        let router = Router(context: BasicRequestContext.self)
        router.middlewares.add(RequestGateMiddleware())
        router.middlewares.add(
            CORSMiddleware(
                allowOrigin: .all, allowHeaders: [.accept, .contentType, .ifNoneMatch, .origin],
                allowMethods: [.get, .head, .options], exposedHeaders: ["ETag"]))
        router.middlewares.add(
            FileMiddleware(
                fileProvider: StaticFiles(
                    web: RootedFileSystem(root: config.webDirectory, logger: logger),
                    js: RootedFileSystem(root: config.javascriptDirectory, logger: logger)),
                cacheControl: .init([(MediaType(type: .any), [.noCache])]), searchForIndexHtml: true))

        router.get("health") { _, _ -> Response in
            let ready = data.isReady
            let body =
                "{\"status\":\"\(ready ? "ok" : "unavailable")\",\"workspace\":\(ready),\"layers\":\(tiles.layers().count),\"geojson\":\(geojson.names().count)}"
            return json(Array(body.utf8), status: ready ? .ok : .serviceUnavailable)
        }

        // Tiles.
        router.get("tiles") { request, _ -> Response in
            let host = baseURL(request)
            let list = tiles.layers().map { l -> [String: Any] in
                [
                    "name": l.name, "tilejson": "\(host)/tiles/\(l.name).json", "minzoom": l.minZoom,
                    "maxzoom": l.maxZoom,
                    "description": l.metadata["description"] ?? "",
                    "retina": tiles.store(l.name + "@2x") != nil,
                ]
            }
            return json(try JSONSerialization.data(withJSONObject: ["layers": list], options: [.sortedKeys]))
        }
        router.get("tiles/:layer") { request, context -> Response in
            let name = context.parameters.get("layer") ?? ""
            guard name.hasSuffix(".json") else {
                throw APIError.notFound("use /tiles/{layer}.json or /tiles/{layer}/{z}/{x}/{y}.png")
            }
            let layer = String(name.dropLast(5))
            guard let s = tiles.store(layer) else { throw APIError.notFound("no tile layer '\(layer)'") }
            return json(
                try JSONSerialization.data(
                    withJSONObject: tileJSON(s.info, base: baseURL(request)), options: [.sortedKeys]))
        }
        router.get("tiles/:layer/:z/:x/:y") { request, _ -> Response in try tileService.respond(request) }

        // GeoJSON.
        router.get("geojson") { request, _ -> Response in
            let host = baseURL(request)
            let list = geojson.names().map { ["name": $0, "url": "\(host)/geojson/\($0)"] }
            return json(try JSONSerialization.data(withJSONObject: ["layers": list], options: [.sortedKeys]))
        }
        router.get("geojson/:name") { request, context -> Response in
            var name = context.parameters.get("name") ?? ""
            if name.hasSuffix(".geojson") { name.removeLast(8) }
            var isTemporal = false
            if name.hasSuffix(".json") {
                name.removeLast(5)
                isTemporal = true
            }
            guard let e = geojson.entry(name, file: isTemporal ? name + ".json" : nil) else {
                throw APIError.notFound("no GeoJSON layer '\(name)'")
            }
            let type = isTemporal ? "application/json" : "application/geo+json"
            if let bboxText = request.uri.queryParameters.get("bbox") {
                guard let bbox = GeoBounds(parsing: bboxText) else {
                    throw APIError.badRequest("bbox must be minLon,minLat,maxLon,maxLat")
                }
                let filtered = try GeoJSONCatalog.filter(e.bytes, bbox: bbox)
                return compressible(filtered, type: type, request: request)
            }
            if request.headers[.ifNoneMatch].map({ matches($0, e.etag) }) == true {
                return Response(status: .notModified, headers: [.eTag: e.etag])
            }
            var r = compressible(e.bytes, type: type, request: request, precompressed: e.gzip)
            r.headers[.eTag] = e.etag
            return r
        }

        // Dashboard API.
        router.get("api/stats") { request, _ in
            try document({ try data.stats() }, "no workspace at \(config.workspace)", request: request)
        }
        router.get("api/runs") { request, _ in
            try document({ try data.runs() }, "no workspace at \(config.workspace)", request: request)
        }
        router.get("api/runs/:id") { request, context -> Response in
            let s = context.parameters.get("id") ?? ""
            let id: Int? = s == "latest" ? nil : Int(s)
            guard s == "latest" || (id ?? 0) > 0 else {
                throw APIError.badRequest("run id must be a positive integer or 'latest'")
            }
            return try document({ try data.run(id) }, "no run \(s)", request: request)
        }
        router.get("api/temporal") { request, _ -> Response in
            let id = try runParameter(request)
            return try document(
                { try data.temporal(id) }, "no temporal analysis; run 'patroliq cluster'", request: request)
        }
        router.get("api/clusters") { request, _ -> Response in
            let id = try runParameter(request)
            return try document({ try data.clusters(id) }, "no cluster run; run 'patroliq cluster'", request: request)
        }
        return router
    }

    static func runParameter(_ request: Request) throws -> Int? {
        guard let s = request.uri.queryParameters.get("run") else { return nil }
        guard let v = Int(s), v > 0 else { throw APIError.badRequest("run must be a positive integer") }
        return v
    }

    /// A dashboard document, 404 with `missing` when the store has none.
    static func document(_ make: () throws -> [UInt8]?, _ missing: String, request: Request) throws -> Response {
        let bytes: [UInt8]?
        do { bytes = try make() } catch let e as InputError { throw APIError.notFound(e.description) }
        guard let bytes else { throw APIError.notFound(missing) }
        return compressible(bytes, type: "application/json", request: request)
    }

    /// `If-None-Match` holds this ETag (or `*`).
    static func matches(_ header: String, _ etag: String) -> Bool {
        header.split(separator: ",").contains {
            let t = $0.trimmingCharacters(in: .whitespaces)
            return t == etag || t == "*" || t == "W/" + etag
        }
    }

    static func baseURL(_ request: Request) -> String {
        "http://" + (request.head.authority ?? "127.0.0.1:8080")
    }

    static func tileJSON(_ l: LayerInfo, base: String) -> [String: Any] {
        var j: [String: Any] = [
            "tilejson": "3.0.0", "name": l.metadata["name"] ?? l.name, "description": l.metadata["description"] ?? "",
            "version": "1.0.0", "attribution": l.metadata["attribution"] ?? "", "scheme": "xyz",
            "tiles": ["\(base)/tiles/\(l.name)/{z}/{x}/{y}.png"], "minzoom": l.minZoom, "maxzoom": l.maxZoom,
        ]
        if let b = l.bounds { j["bounds"] = [b.minLon, b.minLat, b.maxLon, b.maxLat] }
        if let c = l.center { j["center"] = c }
        if let legend = l.metadata["json"].flatMap({ try? JSONSerialization.jsonObject(with: Data($0.utf8)) })
            as? [String: Any]
        {
            j["patroliq"] = legend["patroliq"]
        }
        return j
    }

    static func json(_ data: Data, status: HTTPResponse.Status = .ok) -> Response {
        json([UInt8](data), status: status)
    }

    static func json(_ bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-cache"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// A body sent gzip-compressed when the client accepts it and it is worth it.
    static func compressible(_ bytes: [UInt8], type: String, request: Request, precompressed: [UInt8]? = nil)
        -> Response
    {
        var headers: HTTPFields = [.contentType: type, .vary: "Accept-Encoding", .cacheControl: "no-cache"]
        let accepts = request.headers[.acceptEncoding]?.lowercased().contains("gzip") == true
        if accepts, bytes.count > 1024, let gz = precompressed ?? Gzip.compress(bytes) {
            headers[.contentEncoding] = "gzip"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: gz)))
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

}
