import Foundation
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import PatrolIQCore

/// A tile read from a store, with its strong validator.
final class TileHit: Sendable {
    let data: ByteBuffer
    let etag: String
    /// The headers of a 200: type, validator, caching, length, CORS and server; and of a 304 (the
    /// same without type and length). Built once per cached tile; every hit reuses them.
    let headers: HTTPFields
    let notModifiedHeaders: HTTPFields
    /// The same as NIO headers, for `TileChannelHandler`.
    let nioHeaders: HTTPHeaders
    let nioNotModifiedHeaders: HTTPHeaders

    init(data: ByteBuffer, etag: String, maxAge: Int, server: String) {
        self.data = data
        self.etag = etag
        let common: HTTPFields = [
            .eTag: etag, .cacheControl: "public, max-age=\(maxAge)", .accessControlAllowOrigin: "*",
            .accessControlExposeHeaders: "ETag", .server: server,
        ]
        var full = common
        full[.contentType] = "image/png"
        full[.contentLength] = String(data.readableBytes)
        notModifiedHeaders = common
        headers = full
        nioHeaders = HTTPHeaders(full.map { ($0.name.canonicalName, $0.value) })
        nioNotModifiedHeaders = HTTPHeaders(common.map { ($0.name.canonicalName, $0.value) })
    }
}

/// What the server knows about one MBTiles layer.
struct LayerInfo: Sendable {
    let name: String
    let path: String
    let minZoom: Int
    let maxZoom: Int
    let bounds: GeoBounds?
    let center: [Double]?
    let metadata: [String: String]
    let tileSize: Int
    /// The colour legend written by `patroliq tiles` (nil for other writers' stores).
    let legend: TileLegend?
}

/// MBTiles layers in the tiles directory, opened read-only with a small pool of connections each.
///
/// Every access checks the file's identity (inode, size, mtime): when `patroliq tiles` renames a new
/// render over a store, the next request opens the new file, with no restart.
final class TileCatalog: Sendable {
    let directory: String
    /// Open stores by layer name, with when their file's identity was last compared with the disk.
    private let stores = NIOLockedValueBox<[String: (store: Store, checked: ContinuousClock.Instant)]>([:])

    final class Store: @unchecked Sendable {
        let stamp: FileStamp
        /// Distinct for every store opened (a replaced file gets a new one), for cache keys.
        let serial: UInt64
        let info: LayerInfo
        let path: String
        private let pool = NIOLockedValueBox<[MBTilesReader]>([])
        /// A PMTiles archive (read whole into memory) instead of an MBTiles store.
        private let archive: PMTiles.Reader?

        init(path: String, name: String, stamp: FileStamp) throws {
            self.path = path
            self.stamp = stamp
            serial = Self.opened.withLockedValue {
                $0 += 1
                return $0
            }
            let m: [String: String]
            if path.hasSuffix(".pmtiles") {
                let a = try PMTiles.Reader(path: path)
                archive = a
                m = a.metadata()
            } else {
                archive = nil
                let r = try MBTilesReader(path: path)
                m = try r.metadata()
                pool.withLockedValue { $0.append(r) }
            }
            let b = m["bounds"].flatMap { GeoBounds(parsing: $0) }
            let c = m["center"]?.split(separator: ",").compactMap { Double($0) }
            info = LayerInfo(
                name: name, path: path, minZoom: Int(m["minzoom"] ?? "") ?? 0, maxZoom: Int(m["maxzoom"] ?? "") ?? 22,
                bounds: b, center: c?.count == 3 ? c : nil, metadata: m, tileSize: Int(m["tilesize"] ?? "") ?? 256,
                legend: m["json"].flatMap { try? JSONDecoder().decode(TileLegend.Metadata.self, from: Data($0.utf8)) }?
                    .patroliq)
        }

        /// The tile z/x/y (XYZ) with its content digest, or nil.
        func tile(z: Int, x: Int, y: Int) throws -> (data: [UInt8], id: String)? {
            if let archive {
                return archive.tile(z: z, x: x, y: y).map { ($0, ContentDigest.of($0)) }
            }
            return try withReader { try $0.tileWithID(z: z, x: x, y: y) }
        }

        private static let opened = NIOLockedValueBox<UInt64>(0)

        func withReader<R>(_ body: (MBTilesReader) throws -> R) throws -> R {
            let r = try pool.withLockedValue { $0.popLast() } ?? MBTilesReader(path: path)
            defer { pool.withLockedValue { if $0.count < 8 { $0.append(r) } } }
            return try body(r)
        }
    }

    init(directory: String) { self.directory = directory }

    /// Layer names are plain file names: letters, digits, '-', '_', and an optional '@2x'.
    static func isValidName(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 100
            && s.unicodeScalars.allSatisfy { c in
                (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "-" || c == "_"
                    || c == "@"
            }
    }

    /// How long a store is trusted before its file identity is checked again.
    static let recheck = Duration.milliseconds(100)

    /// The open store of `name`, reopened when the file was replaced (noticed within `recheck`); nil
    /// when there is none.
    func store(_ name: String) -> Store? {
        let now = ContinuousClock.now
        let known = stores.withLockedValue { $0[name] }
        if let known, now - known.checked < Self.recheck { return known.store }
        guard Self.isValidName(name) else { return nil }
        // An MBTiles store, else a PMTiles archive of the same name.
        var path = directory + "/" + name + ".mbtiles"
        if FileStamp(path) == nil { path = directory + "/" + name + ".pmtiles" }
        guard let stamp = FileStamp(path) else {
            stores.withLockedValue { $0[name] = nil }
            return nil
        }
        if let s = known?.store, s.stamp == stamp {
            stores.withLockedValue { $0[name] = (s, now) }
            return s
        }
        guard let s = try? Store(path: path, name: name, stamp: stamp) else { return nil }
        stores.withLockedValue { $0[name] = (s, now) }
        return s
    }

    /// All layers (without their @2x variants), by name.
    func layers() -> [LayerInfo] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let names = Set(
            files.filter { ($0.hasSuffix(".mbtiles") || $0.hasSuffix(".pmtiles")) && !$0.contains("@2x") }.map {
                String($0.dropLast(".mbtiles".count))
            })
        return names.sorted().compactMap { store($0)?.info }
    }
}
