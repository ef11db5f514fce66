import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOConcurrencyHelpers
import NIOCore
import PatrolIQCore

/// Any filter, live: `/tiles/live/{z}/{x}/{y}.png?FILTERS`, `/tiles/live.json?FILTERS`,
/// `/api/stats?FILTERS` and `/api/incidents?bbox=…&FILTERS`, computed from the workspace's incidents
/// held in memory in tile order (`LiveIndex`), reloaded when the workspace file changes.
///
/// Bounded caches: the last 32 filters (mask, cap, extent) and 64 MiB of rendered tiles, dropped
/// oldest first.
final class LiveService: Sendable {
    /// The reserved layer name of on-demand tiles.
    static let layer = "live"
    static let minZoom = 8
    static let maxZoom = 18
    /// Filters kept: at most 32, and at most 64 MiB of masks (8 filters at 8 M rows).
    static let filterCacheSize = 32
    static let filterCacheBytes = 64 << 20
    static let tileCacheBytes = 64 << 20
    /// Street-level answers: at most this many incidents per page.
    static let pageLimit = 500

    let path: String
    let emptyTile: ServerConfiguration.EmptyTileMode
    /// The shared transparent tile, for a tile of a filter that holds no colour.
    private let empty: ByteBuffer
    /// Browsers revalidate live tiles (the ETag changes with the data).
    static let maxAge = 0

    private struct Loaded: @unchecked Sendable {
        let stamp: FileStamp
        let tiles: LiveTiles
        let info: WorkspaceInfo
        let quality: QualityReport?
        /// The latest run's temporal patterns: each incident's pattern (in the index's order) and the run's k sweep.
        let temporal: (labels: [Int32], k: Int, silhouetteByK: [Int: Double])?
        /// The latest cluster run's spatial labels (in the index's order), for street-level popups.
        let clusters: [(algorithm: String, labels: [Int32])]
    }

    private struct Caches {
        var filters: [String: LiveTiles.Prepared] = [:]
        var filterOrder: [String] = []
        var tiles: [String: TileHit?] = [:]
        var tileOrder: [String] = []
        var tileBytes = 0
        /// Query strings seen on the fast path and their normalised filter (at most 256).
        var queries: [String: String] = [:]
    }

    private let loaded = NIOLockedValueBox<Loaded?>(nil)
    private let caches = NIOLockedValueBox(Caches())

    /// Bytes of rendered tiles kept (`tileCacheBytes` unless a test asks for less).
    let tileBudget: Int

    init(path: String, emptyTile: ServerConfiguration.EmptyTileMode, tileBudget: Int = LiveService.tileCacheBytes) {
        self.path = path
        self.emptyTile = emptyTile
        self.tileBudget = tileBudget
        empty = TileService.emptyPNG(256, maxAge: 0).data
    }

    /// What the caches hold: filters, tiles and the tiles' bytes as counted against the budget.
    var cacheCounts: (filters: Int, tiles: Int, bytes: Int) {
        caches.withLockedValue { ($0.filters.count, $0.tiles.count, $0.tileBytes) }
    }

    /// The in-memory index of the current workspace version (loaded once per version).
    private func current() throws -> Loaded {
        guard let stamp = FileStamp(path) else { throw APIError.notFound("no workspace") }
        do {
            return try load(stamp)
        } catch let e as APIError {
            throw e
        } catch {
            // The detail names files of this machine: it is not for the client.
            throw APIError.notFound("the workspace cannot be read")
        }
    }

    private func load(_ stamp: FileStamp) throws -> Loaded {
        try loaded.withLockedValue { l in
            if let l, l.stamp == stamp { return l }
            let w = try Workspace(path: path)
            let info = try w.info()
            // Handed over without a copy kept here: the index reorders the columns in place.
            let index = try LiveIndex(
                table: w.incidents(columns: [
                    "id", "time", "block", "type", "description", "location_description", "arrest", "domestic", "beat",
                    "district", "community_area", "latitude", "longitude", "hour", "weekday", "month", "weekend",
                    "severity",
                ]), dictionaries: w.dictionaries(), centerLat: info.projection.originLat)
            var temporal: (labels: [Int32], k: Int, silhouetteByK: [Int: Double])?
            let store = RunStore(w)
            for run in try store.list(kind: .cluster).reversed() {
                guard let labels = try store.labels(run: run.id, algorithm: "temporal"), labels.count == index.count,
                    let doc = try store.artifact(run: run.id, name: "temporal"),
                    let analysis = try? JSONDecoder().decode(TemporalAnalysis.self, from: doc)
                else { continue }
                temporal = (index.order.map { labels[Int($0)] }, analysis.k, analysis.silhouetteByK)
                break
            }
            var clusters: [(algorithm: String, labels: [Int32])] = []
            if let run = try store.list(kind: .cluster).last {
                for (name, labels) in try store.labels(run: run.id).sorted(by: { $0.key < $1.key })
                where name != "temporal" && labels.count == index.count {
                    clusters.append((name, index.order.map { labels[Int($0)] }))
                }
            }
            let fresh = Loaded(
                stamp: stamp, tiles: LiveTiles(index: index), info: info, quality: try w.qualityReport(),
                temporal: temporal, clusters: clusters)
            l = fresh
            caches.withLockedValue { $0 = Caches() }
            return fresh
        }
    }

    /// The filter of a request's query (`run`, `access_token` and the listed extra names are not filters).
    static func filter(_ request: Request, except extra: Set<String> = []) throws -> IncidentFilter {
        let skip = extra.union(["access_token"])
        let pairs = request.uri.queryParameters.map { (String($0.key), String($0.value)) }.filter {
            !skip.contains($0.0)
        }
        do {
            return try IncidentFilter(pairs: pairs)
        } catch let e as IncidentFilter.Invalid {
            throw APIError.badRequest(e.description)
        }
    }

    private func prepared(_ f: IncidentFilter, _ l: Loaded) throws -> LiveTiles.Prepared {
        let key = f.normalized
        if let hit = caches.withLockedValue({ $0.filters[key] }) { return hit }
        let p: LiveTiles.Prepared
        do {
            p = try l.tiles.prepare(f)
        } catch let e as IncidentFilter.Invalid {
            throw APIError.badRequest(e.description)
        }
        caches.withLockedValue { c in
            c.filters[key] = p
            c.filterOrder.append(key)
            let keep = max(1, min(Self.filterCacheSize, Self.filterCacheBytes / max(p.mask.count, 1)))
            while c.filterOrder.count > keep { c.filters[c.filterOrder.removeFirst()] = nil }
        }
        return p
    }

    /// A strong validator: the data version, the filter and the tile.
    private static func etag(_ l: Loaded, _ f: IncidentFilter, _ tile: String) -> String {
        etag(l, normalized: f.normalized, tile)
    }

    private static func etag(_ l: Loaded, normalized: String, _ tile: String) -> String {
        "\"live-" + ContentDigest.of(Array((l.info.fingerprint + "|" + normalized + "|" + tile).utf8)) + "\""
    }

    func tile(_ request: Request, z zText: String, x xText: String, y yText: String) throws -> Response {
        guard yText.hasSuffix(".png"), let z = Int(zText), let x = Int(xText), let y = Int(yText.dropLast(4)) else {
            throw APIError.badRequest("live tiles are /tiles/live/{z}/{x}/{y}.png with integer z, x, y")
        }
        guard (Self.minZoom...Self.maxZoom).contains(z), x >= 0, y >= 0, x < 1 << z, y < 1 << z else {
            throw APIError.notFound("live tiles exist at zoom \(Self.minZoom)–\(Self.maxZoom), x and y below 2^zoom")
        }
        let f = try Self.filter(request)
        let l = try current()
        let tag = Self.etag(l, f, "\(z)/\(x)/\(y)")
        var headers: HTTPFields = [.contentType: "image/png", .cacheControl: "no-cache", .eTag: tag]
        if let inm = request.headers[.ifNoneMatch], PatrolIQServer.matches(inm, tag) {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        let hit = try cachedOrRendered(tag: tag, filter: f, loaded: l, z: z, x: x, y: y)
        return response(hit, headers: headers)
    }

    /// A 200 with the tile, or for a tile without colour the shared empty tile made once in `init` (or 204).
    private func response(_ hit: TileHit?, headers: HTTPFields) -> Response {
        if let hit { return Response(status: .ok, headers: hit.headers, body: .init(byteBuffer: hit.data)) }
        if emptyTile == .noContent { return Response(status: .noContent, headers: headers) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: empty))
    }

    /// The tile from the cache, or rendered now and cached (nil: no colour). The cache holds at most
    /// `tileCacheBytes`, oldest dropped first.
    private func cachedOrRendered(
        tag: String, filter f: IncidentFilter, loaded l: Loaded, z: Int, x: Int, y: Int
    ) throws -> TileHit? {
        if let hit = caches.withLockedValue({ $0.tiles[tag] }) { return hit }
        let p = try prepared(f, l)
        let png = try l.tiles.png(z: z, x: x, y: y, prepared: p)
        let hit = png.map {
            TileHit(data: ByteBuffer(bytes: $0), etag: tag, maxAge: Self.maxAge, server: PatrolIQServer.serverName)
        }
        caches.withLockedValue { c in
            guard c.tiles[tag] == nil else { return }
            c.tiles[tag] = .some(hit)
            c.tileOrder.append(tag)
            c.tileBytes += (png?.count ?? 0) + 2 * tag.utf8.count + 512
            while c.tileBytes > tileBudget, !c.tileOrder.isEmpty {
                let old = c.tileOrder.removeFirst()
                c.tileBytes -= ((c.tiles[old] ?? nil)?.data.readableBytes ?? 0) + 2 * old.utf8.count + 512
                c.tiles[old] = nil
            }
        }
        return hit
    }

    /// A tile already rendered for this data version, for the event-loop fast path: nil whenever
    /// anything (a filter to parse with an error, a workspace to load or reload, a tile to render) needs
    /// the router. `.some(nil)` is a cached tile without colour.
    func cachedTile(query: Substring, z: Int, x: Int, y: Int) -> TileHit?? {
        guard let l = loaded.withLockedValue({ $0 }), FileStamp(path) == l.stamp else { return nil }
        let raw = String(query)
        if let normalized = caches.withLockedValue({ $0.queries[raw] }) {
            let tag = Self.etag(l, normalized: normalized, "\(z)/\(x)/\(y)")
            return caches.withLockedValue { $0.tiles[tag] }
        }
        var pairs: [(String, String)] = []
        for part in query.split(separator: "&") {
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(kv[0]).removingPercentEncoding ?? String(kv[0])
            let value =
                kv.count > 1
                ? (String(kv[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "") : ""
            if name != "access_token" { pairs.append((name, value)) }
        }
        guard let f = try? IncidentFilter(pairs: pairs) else { return nil }
        let normalized = f.normalized
        let tag = Self.etag(l, normalized: normalized, "\(z)/\(x)/\(y)")
        return caches.withLockedValue { c in
            if c.queries.count >= 256 { c.queries.removeAll(keepingCapacity: true) }
            c.queries[raw] = normalized
            return c.tiles[tag]
        }
    }

    /// TileJSON of a filter: its tile URL keeps the filter, its legend is the filter's cap.
    func tileJSON(_ request: Request, base: String) throws -> Response {
        let f = try Self.filter(request)
        let l = try current()
        let p = try prepared(f, l)
        let query = f.isEmpty ? "" : "?" + f.query
        let legend = l.tiles.legend(p, layer: "live", minZoom: Self.minZoom, maxZoom: Self.maxZoom)
        let b = p.bounds ?? l.info.extent
        let doc = TileJSON(
            name: "PatrolIQ live" + (f.isEmpty ? "" : " (\(f.normalized))"),
            description: "Kernel density of \(p.count) incidents" + (f.isEmpty ? "" : " matching \(f.normalized)"),
            attribution: TileOptions().attribution, tiles: ["\(base)/tiles/live/{z}/{x}/{y}.png\(query)"],
            minzoom: Self.minZoom, maxzoom: Self.maxZoom, bounds: b, legend: legend, filter: f.normalized,
            incidents: p.count)
        return try PatrolIQServer.json(revalidating: request, doc)
    }

    /// `/api/stats?FILTERS`: the statistics of the filtered incidents.
    func stats(_ request: Request) throws -> Response {
        let f = try Self.filter(request)
        let l = try current()
        let t = l.tiles.index.table
        do {
            let s = try IncidentStatistics(t, dictionaries: l.tiles.index.dictionaries, filter: f)
            return try PatrolIQServer.json(
                revalidating: request,
                StatsDocument(statistics: s, quality: nil, info: l.info, filter: f.normalized))
        } catch let e as IncidentFilter.Invalid {
            throw APIError.badRequest(e.description)
        }
    }

    /// `/api/temporal?FILTERS`: the filtered incidents over the latest run's temporal patterns, their
    /// high-risk time slots and per-type profiles (the patterns themselves are the run's).
    func temporal(_ request: Request) throws -> Response {
        let f = try Self.filter(request, except: ["run"])
        let l = try current()
        guard let temporal = l.temporal else {
            throw APIError.notFound("no temporal analysis; run 'patroliq cluster'")
        }
        let p = try prepared(f, l)
        let rows = p.mask.indices.filter { p.mask[$0] }
        let t = l.tiles.index.table
        func pick<T>(_ a: [T]) -> [T] { rows.map { a[$0] } }
        let analysis = TemporalAnalysis.describe(
            labels: pick(temporal.labels), k: temporal.k, hour: pick(t.hour), weekday: pick(t.weekday),
            month: pick(t.month), weekend: pick(t.weekend), type: pick(t.type),
            typeNames: l.tiles.index.dictionaries.type, silhouetteByK: temporal.silhouetteByK)
        return try PatrolIQServer.json(revalidating: request, analysis)
    }

    /// `/api/incidents?bbox=…&FILTERS[&limit=&offset=]`: the incidents themselves, newest first.
    func incidents(_ request: Request) throws -> Response {
        let q = request.uri.queryParameters
        guard let boxText = q.get("bbox") else {
            throw APIError.badRequest("bbox is required: minLon,minLat,maxLon,maxLat")
        }
        guard let box = GeoBounds(parsing: boxText) else {
            throw APIError.badRequest("bbox must be minLon,minLat,maxLon,maxLat (four numbers)")
        }
        func whole(_ name: String, _ range: ClosedRange<Int>, _ fallback: Int) throws -> Int {
            guard let s = q.get(name) else { return fallback }
            guard let v = Int(s), range.contains(v) else {
                throw APIError.badRequest(
                    "\(name) must be a whole number within \(range.lowerBound)–\(range.upperBound)")
            }
            return v
        }
        let limit = try whole("limit", 1...Self.pageLimit, Self.pageLimit)
        let offset = try whole("offset", 0...Int(Int32.max), 0)
        let f = try Self.filter(request, except: ["bbox", "limit", "offset"])
        let l = try current()
        let p = try prepared(f, l)
        let index = l.tiles.index
        let rows = index.rows(in: box, mask: p.mask)
        let page = rows.dropFirst(offset).prefix(limit)
        let t = index.table
        let d = index.dictionaries
        func name(_ list: [String], _ code: Int32) -> String {
            code >= 0 && Int(code) < list.count ? list[Int(code)] : ""
        }
        let items = page.map { i in
            StreetIncident(
                id: t.id.count > i ? t.id[i] : "", time: CivilDate.iso(t.time[i]), type: name(d.type, t.type[i]),
                description: name(d.description, t.description[i]), block: name(d.block, t.block[i]),
                location: name(d.locationDescription, t.locationDescription[i]),
                arrest: t.arrest[i] < 0 ? nil : t.arrest[i] == 1,
                domestic: t.domestic[i] < 0 ? nil : t.domestic[i] == 1,
                lat: t.latitude[i], lon: t.longitude[i],
                clusters: Dictionary(uniqueKeysWithValues: l.clusters.map { ($0.algorithm, Int($0.labels[i])) }))
        }
        return try PatrolIQServer.json(
            revalidating: request,
            StreetPage(
                total: rows.count, offset: offset, returned: items.count, notShown: rows.count - offset - items.count,
                filter: f.normalized, incidents: items))
    }
}

/// One incident at street level.
struct StreetIncident: Encodable {
    let id: String
    let time: String
    let type: String
    let description: String
    let block: String
    let location: String
    let arrest: Bool?
    let domestic: Bool?
    let lat: Double
    let lon: Double
    /// The incident's cluster in each algorithm of the latest cluster run (−1: DBSCAN noise).
    let clusters: [String: Int]
}

/// `/api/incidents`: one page, newest first, and how many are not shown.
struct StreetPage: Encodable {
    let total: Int
    let offset: Int
    let returned: Int
    let notShown: Int
    let filter: String
    let incidents: [StreetIncident]

    enum CodingKeys: String, CodingKey {
        case total, offset, returned, filter, incidents
        case notShown = "not_shown"
    }
}
