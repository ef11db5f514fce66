import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
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
        let live = LiveService(path: config.workspace, emptyTile: config.emptyTile)
        let r = router(config, logger: log, live: live)
        let tiles = TileService(catalog: TileCatalog(directory: config.tilesDirectory), config: config)
        let fast = FastTileResponder(tiles: tiles, live: live, next: r.buildResponder())
        let accessLog = log
        let t = config.requestTimeout.components
        let timeout = TimeAmount.nanoseconds(t.seconds * 1_000_000_000 + t.attoseconds / 1_000_000_000)
        return Application(
            responder: fast,
            server: HTTPServerBuilder { responder in
                TileFirstHTTP1Channel(
                    responder: responder, tiles: tiles, live: live, accessLog: accessLog, requestTimeout: timeout)
            },
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: serverName),
            logger: log)
    }

    /// The routes, separate from the application so tests can drive them directly.
    public static func router(_ config: ServerConfiguration, logger: Logger) -> Router<BasicRequestContext> {
        router(config, logger: logger, live: LiveService(path: config.workspace, emptyTile: config.emptyTile))
    }

    /// The routes with a given live service (the application shares it with the tile fast path).
    static func router(_ config: ServerConfiguration, logger: Logger, live: LiveService) -> Router<BasicRequestContext>
    {
        let root = WorkspaceServices(
            workspace: config.workspace, tiles: config.tilesDirectory, geojson: config.geojsonDirectory, live: live,
            config: config)
        let publicURL = PublicURL(config)

        let router = Router(context: BasicRequestContext.self)
        router.middlewares.add(RequestGateMiddleware())
        router.middlewares.add(
            CORSMiddleware(
                allowOrigin: .all, allowHeaders: [.accept, .authorization, .contentType, .ifNoneMatch, .origin],
                allowMethods: [.get, .head, .options], exposedHeaders: ["ETag"]))
        if let access = config.access { router.middlewares.add(AccessMiddleware(access: access)) }
        router.middlewares.add(
            FileMiddleware(
                fileProvider: StaticFiles(
                    web: RootedFileSystem(root: config.webDirectory, logger: logger),
                    js: config.javascriptLibraries.map {
                        ($0, RootedFileSystem(root: config.javascriptDirectory + "/" + $0, logger: logger))
                    }),
                cacheControl: .init([(MediaType(type: .any), [.noCache])]), searchForIndexHtml: true))

        router.get("health") { _, _ -> Response in
            let ready = root.data.isReady
            return try json(
                Health(
                    status: ready ? "ok" : "unavailable", workspace: ready, layers: root.tiles.layers().count,
                    geojson: root.geojson.names().count), status: ready ? .ok : .serviceUnavailable)
        }
        let cities = config.cities.map {
            (
                name: $0.name,
                services: WorkspaceServices(
                    workspace: $0.workspace, tiles: $0.tilesDirectory, geojson: $0.geojsonDirectory, live: nil,
                    config: config)
            )
        }
        router.get("api/cities") { request, _ -> Response in
            let base = publicURL.base(for: request)
            return try json(
                revalidating: request,
                CityCatalogue(
                    cities: cities.map { c in
                        let url = "\(base)/c/\(c.name)"
                        return .init(
                            name: c.name, url: url, stats: url + "/api/stats", tiles: url + "/tiles",
                            geojson: url + "/geojson", ready: c.services.data.isReady)
                    }))
        }
        addRoutes(to: router, root, publicURL: publicURL, prefix: "")
        for c in cities {
            addRoutes(
                to: router.group(RouterPath("c/\(c.name)")), c.services, publicURL: publicURL, prefix: "/c/\(c.name)")
        }
        return router
    }

    /// Every endpoint of one workspace, at the top level (`prefix` "") or under `/c/{name}`.
    static func addRoutes(
        to router: some RouterMethods<BasicRequestContext>, _ s: WorkspaceServices, publicURL: PublicURL,
        prefix: String
    ) {
        let (tiles, geojson, data, live) = (s.tiles, s.geojson, s.data, s.live)
        let tileService = s.tileService

        // Tiles.
        router.get("tiles") { request, _ -> Response in
            let base = publicURL.base(for: request) + prefix
            return try json(
                revalidating: request,
                TileCatalogue(
                    layers: tiles.layers().map { l in
                        .init(
                            name: l.name, tilejson: "\(base)/tiles/\(l.name).json", minzoom: l.minZoom,
                            maxzoom: l.maxZoom, description: l.metadata["description"] ?? "",
                            retina: tiles.store(l.name + "@2x") != nil)
                    }))
        }
        // Any filter, on demand (before the stored layers' routes: `live` is reserved).
        router.get("tiles/live.json") { request, _ -> Response in
            try live.tileJSON(request, base: publicURL.base(for: request) + prefix)
        }
        router.get("tiles/live/:z/:x/:y") { request, context -> Response in
            try live.tile(
                request, z: context.parameters.get("z") ?? "", x: context.parameters.get("x") ?? "",
                y: context.parameters.get("y") ?? "")
        }
        router.get("api/incidents") { request, _ -> Response in try live.incidents(request) }
        router.get("tiles/:layer") { request, context -> Response in
            let name = context.parameters.get("layer") ?? ""
            guard name.hasSuffix(".json") else {
                throw APIError.notFound("use /tiles/{layer}.json or /tiles/{layer}/{z}/{x}/{y}.png")
            }
            let layer = String(name.dropLast(5))
            guard let s = tiles.store(layer) else { throw APIError.notFound("no tile layer '\(layer)'") }
            return try json(revalidating: request, TileJSON(s.info, base: publicURL.base(for: request) + prefix))
        }
        router.get("tiles/:layer/:z/:x/:y") { request, _ -> Response in
            try tileService.respond(request, path: String(request.uri.path.dropFirst(prefix.count)))
        }

        // GeoJSON.
        router.get("geojson") { request, _ -> Response in
            let base = publicURL.base(for: request) + prefix
            return try json(
                revalidating: request,
                GeoJSONList(layers: geojson.names().map { .init(name: $0, url: "\(base)/geojson/\($0)") }))
        }
        router.get("geojson/:name") { request, context -> Response in
            var name = context.parameters.get("name") ?? ""
            if name.hasSuffix(".geojson") { name.removeLast(8) }
            var isTemporal = false
            if name.hasSuffix(".json") {
                name.removeLast(5)
                isTemporal = true
            }
            guard
                let e = geojson.entry(
                    name, file: isTemporal ? name + ".json" : nil,
                    contentType: isTemporal ? "application/json" : "application/geo+json")
            else {
                throw APIError.notFound("no GeoJSON layer '\(name)'")
            }
            if let bboxText = request.uri.queryParameters.get("bbox") {
                guard let bbox = GeoBounds(parsing: bboxText) else {
                    throw APIError.badRequest("bbox must be minLon,minLat,maxLon,maxLat (four numbers)")
                }
                return e.filter(bbox).response(to: request)
            }
            return e.body.response(to: request)
        }

        // Dashboard API.
        router.get("api/stats") { request, context in
            // With a filter: computed now from the incidents in memory; without: the stored document.
            let filtered = request.uri.queryParameters.contains { $0.key != "access_token" && !$0.value.isEmpty }
            if filtered { return try live.stats(request) }
            return try document({ try data.stats() }, "no workspace", request: request, context: context)
        }
        router.get("api/runs") { request, context in
            try document({ try data.runs() }, "no workspace", request: request, context: context)
        }
        router.get("api/runs/:id") { request, context -> Response in
            let s = context.parameters.get("id") ?? ""
            let id: Int? = s == "latest" ? nil : Int(s)
            guard s == "latest" || (id ?? 0) > 0 else {
                throw APIError.badRequest("run id must be a positive integer or 'latest'")
            }
            return try document({ try data.run(id) }, "no run \(s)", request: request, context: context)
        }
        router.get("api/temporal") { request, context -> Response in
            let filtered = request.uri.queryParameters.contains {
                $0.key != "access_token" && $0.key != "run" && !$0.value.isEmpty
            }
            if filtered { return try live.temporal(request) }
            let id = try runParameter(request)
            return try document(
                { try data.temporal(id) }, "no temporal analysis; run 'patroliq cluster'", request: request,
                context: context)
        }
        let plans = PlanService(data: data)
        router.get("api/plan") { request, _ -> Response in try plans.plan(request, csv: false) }
        router.get("api/plan.csv") { request, _ -> Response in try plans.plan(request, csv: true) }
        router.get("api/backtest") { request, context -> Response in
            let id = try runParameter(request)
            return try document(
                { try plans.backtest(id) }, "no backtest run; run 'patroliq backtest'", request: request,
                context: context)
        }
        router.get("api/clusters") { request, context -> Response in
            let id = try runParameter(request)
            return try document(
                { try data.clusters(id) }, "no cluster run; run 'patroliq cluster'", request: request, context: context)
        }
    }

    static func runParameter(_ request: Request) throws -> Int? {
        guard let s = request.uri.queryParameters.get("run") else { return nil }
        guard let v = Int(s), v > 0 else { throw APIError.badRequest("run must be a positive integer") }
        return v
    }

    /// A dashboard document, 404 with `missing` when the store has none. A store that cannot be read
    /// is logged with its detail; the client gets only `missing`, never a path on this machine.
    static func document(
        _ make: () throws -> EncodedBody?, _ missing: String, request: Request, context: some RequestContext
    ) throws -> Response {
        let body: EncodedBody?
        do {
            body = try make()
        } catch {
            context.logger.warning("\(request.uri.path): \(error)", source: "PatrolIQServer")
            throw APIError.notFound(missing)
        }
        guard let body else { throw APIError.notFound(missing) }
        return body.response(to: request)
    }

    /// `If-None-Match` holds this ETag (or `*`).
    static func matches(_ header: String, _ etag: String) -> Bool {
        header.split(separator: ",").contains {
            let t = $0.trimmingCharacters(in: .whitespaces)
            return t == etag || t == "*" || t == "W/" + etag
        }
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        try json(bytes: Array(encoder.encode(value)), status: status)
    }

    /// A 200 JSON answer with a validator from its content (so replicas on the same data give the same
    /// ETag) and a 304 when the client holds it.
    static func json(revalidating request: Request, _ value: some Encodable) throws -> Response {
        EncodedBody(Array(try encoder.encode(value)), contentType: "application/json; charset=utf-8").response(
            to: request)
    }

    static func json(bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-cache"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
