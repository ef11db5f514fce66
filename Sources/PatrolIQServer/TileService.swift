import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import PatrolIQCore

/// The answer to a tile URL that exists.
enum TileReply {
    case tile(TileHit)
    /// The client's `If-None-Match` holds the tile's ETag.
    case notModified(TileHit)
    /// An empty tile with `--empty-tile 204`.
    case noContent
}

/// Answers tile requests: XYZ addressing over MBTiles, ETags, 304s, the shared empty tile, 400 / 404.
/// Recently served tiles stay in memory (keyed by the store's file identity, so a replaced store
/// never serves stale bytes).
final class TileService: Sendable {
    let catalog: TileCatalog
    let config: ServerConfiguration
    let empty256: TileHit
    let empty512: TileHit
    /// With `--users`: requests need credentials (checked here for the paths that skip the router).
    let access: AccessControl?
    let logger = Logger(label: "patroliq")
    private let cache = NIOLockedValueBox<(bytes: Int, tiles: [Key: TileHit])>((0, [:]))
    static let cacheBudget = 64 << 20

    /// A tile of one opened store (`Store.serial`), so a replaced store never serves stale bytes.
    struct Key: Hashable {
        let store: UInt64
        let z: Int
        let x: Int
        let y: Int
    }

    init(catalog: TileCatalog, config: ServerConfiguration) {
        self.catalog = catalog
        self.config = config
        access = config.access
        empty256 = Self.emptyPNG(256, maxAge: config.tileMaxAge)
        empty512 = Self.emptyPNG(512, maxAge: config.tileMaxAge)
    }

    /// `/tiles/{layer}/{z}/{x}/{y}.png` or `…@2x.png`, for the router.
    func respond(_ request: Request, path: String? = nil) throws -> Response {
        let reply = try self.reply(path: path ?? request.uri.path, ifNoneMatch: request.headers[.ifNoneMatch])
        switch reply {
        case .tile(let t)?: return Response(status: .ok, headers: t.headers, body: .init(byteBuffer: t.data))
        case .notModified(let t)?: return Response(status: .notModified, headers: t.notModifiedHeaders)
        case .noContent?, nil:
            return Response(status: .noContent, headers: [.cacheControl: "public, max-age=\(config.tileMaxAge)"])
        }
    }

    /// What a tile URL gets. With `readStore` false, only tiles already in memory are answered and nil
    /// means the store must be read: the event-loop fast path (`TileChannelHandler`) leaves that to the
    /// router. Errors are 400 for malformed addresses and 404 for what does not exist.
    func reply(path: String, ifNoneMatch: String?, readStore: Bool = true) throws(APIError) -> TileReply? {
        guard let address = TileAddress(path) else { throw APIError.notFound("not a tile URL") }
        return try reply(address, ifNoneMatch: ifNoneMatch, readStore: readStore)
    }

    func reply(_ address: TileAddress, ifNoneMatch: String?, readStore: Bool = true) throws(APIError) -> TileReply? {
        guard address.isPNG else { throw APIError.notFound("tiles are .png") }
        guard let z = address.z, let x = address.x, let y = address.y else {
            throw APIError.badRequest("z, x and y must be integers")
        }
        guard (0...30).contains(z), x >= 0, y >= 0, x < (1 << z), y < (1 << z) else {
            throw APIError.badRequest("tile \(z)/\(x)/\(y) does not exist: zoom 0–30, x and y below 2^zoom")
        }
        let layer = address.layer
        let retina = address.retina
        let name = retina ? layer + "@2x" : layer
        guard let store = catalog.store(name) else { throw APIError.notFound("no tile layer '\(name)'") }
        let key = Key(store: store.serial, z: z, x: x, y: y)
        var tile = cache.withLockedValue { $0.tiles[key] }
        if tile == nil {
            // Not served recently: check the address against the layer, then read the store.
            let info = store.info
            guard (info.minZoom...info.maxZoom).contains(z) else {
                throw APIError.notFound("zoom \(z) is outside \(info.minZoom)–\(info.maxZoom) for '\(name)'")
            }
            if let b = info.bounds {
                let t = WebMercator.bounds(x: x, y: y, zoom: z)
                guard t.minLon <= b.maxLon, t.maxLon >= b.minLon, t.minLat <= b.maxLat, t.maxLat >= b.minLat else {
                    throw APIError.notFound("tile \(z)/\(x)/\(y) is outside the bounds of '\(name)'")
                }
            }
            guard readStore else { return nil }
            let stored: (data: [UInt8], id: String)?
            do {
                stored = try store.tile(z: z, x: x, y: y)
            } catch {
                // The detail (a path, SQLite's message) goes to the log, not to the client.
                logger.error("tile store \(store.path) cannot be read: \(error)", source: "PatrolIQServer")
                throw APIError(status: .serviceUnavailable, message: "tile layer '\(name)' cannot be read")
            }
            let t: TileHit
            if let hit = stored {
                t = TileHit(
                    data: ByteBuffer(bytes: hit.data), etag: "\"\(hit.id)\"", maxAge: config.tileMaxAge,
                    server: PatrolIQServer.serverName)
            } else if config.emptyTile == .noContent {
                return .noContent
            } else {
                t = info.tileSize >= 512 ? empty512 : empty256
            }
            tile = t
            cache.withLockedValue { c in
                if c.bytes + t.data.readableBytes > Self.cacheBudget { c = (0, [:]) }
                c.tiles[key] = t
                c.bytes += t.data.readableBytes
            }
        }
        let t = tile!
        if let inm = ifNoneMatch, PatrolIQServer.matches(inm, t.etag) { return .notModified(t) }
        return .tile(t)
    }

    /// One fully transparent palette PNG per tile size, shared by every empty tile.
    static func emptyPNG(_ size: Int, maxAge: Int) -> TileHit {
        let png =
            (try? PNGCodec.encodePalette(
                width: size, height: size, indices: [UInt8](repeating: 0, count: size * size), palette: [0, 0, 0, 0]))
            ?? []
        return TileHit(
            data: ByteBuffer(bytes: png), etag: "\"empty-\(size)\"", maxAge: maxAge, server: PatrolIQServer.serverName)
    }
}

/// Serves tile GETs directly (the hot path: no middleware chain), everything else through the router.
/// It does for tiles what the router's middleware does for other routes: the traversal guard, the
/// CORS header and the access log line.
struct FastTileResponder<Next: HTTPResponder>: HTTPResponder where Next.Context == BasicRequestContext {
    let tiles: TileService
    /// Live tiles take the same short path (a map view asks for dozens at once).
    let live: LiveService?
    let next: Next

    func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        let path = request.uri.path
        let isLive = path.hasPrefix("/tiles/\(LiveService.layer)/")
        guard request.method == .get || request.method == .head, path.hasPrefix("/tiles/"),
            !isLive || live != nil,
            path.utf8.lazy.filter({ $0 == UInt8(ascii: "/") }).count == 5, !PathGuard.isSuspicious(path),
            tiles.access.map({
                $0.authorize(
                    authorization: request.headers[.authorization],
                    accessToken: AccessMiddleware<BasicRequestContext>.queryToken(request.uri.string)) != nil
            }) ?? true
        else { return try await next.respond(to: request, context: context) }
        let start = ContinuousClock.now
        var response: Response
        do {
            if isLive, let live, let address = TileAddress(path) {
                if address.retina { throw APIError.notFound("live tiles are 256-pixel tiles (no @2x)") }
                response = try live.tile(
                    request, z: address.z.map(String.init) ?? "", x: address.x.map(String.init) ?? "",
                    y: (address.y.map(String.init) ?? "") + (address.isPNG ? ".png" : ""))
            } else {
                response = try tiles.respond(request)
            }
        } catch let e as APIError {
            response = try e.response(from: request, context: context)
        }
        if response.headers[.accessControlAllowOrigin] == nil {
            response.headers[.accessControlAllowOrigin] = "*"
            response.headers[.accessControlExposeHeaders] = "ETag"
        }
        AccessLog.write(context.logger, request, status: Int(response.status.code), since: start)
        return response
    }
}

/// The parts of `/tiles/{layer}/{z}/{x}/{y}[@2x].png`, read from the path's bytes without splitting it.
struct TileAddress {
    let layer: String
    let z: Int?
    let x: Int?
    let y: Int?
    let retina: Bool
    let isPNG: Bool

    /// nil unless the path has exactly the five parts of a tile URL under `/tiles/`.
    init?(_ path: String) {
        var slashes: [String.UTF8View.Index] = []
        slashes.reserveCapacity(6)
        let u = path.utf8
        var i = u.startIndex
        while i < u.endIndex {
            if u[i] == UInt8(ascii: "/") {
                guard slashes.count < 5 else { return nil }
                slashes.append(i)
            }
            i = u.index(after: i)
        }
        guard slashes.count == 5, slashes[0] == u.startIndex, path[slashes[0]..<slashes[1]] == "/tiles" else {
            return nil
        }
        func part(_ k: Int) -> Substring { path[u.index(after: slashes[k])..<(k < 4 ? slashes[k + 1] : u.endIndex)] }
        layer = String(part(1))
        z = Int(part(2))
        x = Int(part(3))
        var last = part(4)
        isPNG = last.hasSuffix(".png")
        if isPNG { last = last.dropLast(4) }
        retina = last.hasSuffix("@2x")
        if retina { last = last.dropLast(3) }
        y = Int(last)
    }
}
