import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import PatrolIQCore

/// A tile read from a store, with its strong validator.
struct TileHit: Sendable {
    let data: ByteBuffer
    let etag: String
    var headers: HTTPFields = [:]
    var notModifiedHeaders: HTTPFields = [:]
    /// The same as NIO headers, for `TileChannelHandler`.
    var nioHeaders: HTTPHeaders = [:]
    var nioNotModifiedHeaders: HTTPHeaders = [:]

    /// The response headers of this tile: type, validator, caching, length, CORS and server; and those
    /// of a 304 (the same without type and length).
    func withHeaders(maxAge: Int, server: String) -> TileHit {
        var t = self
        t.notModifiedHeaders = [
            .eTag: etag, .cacheControl: "public, max-age=\(maxAge)", .accessControlAllowOrigin: "*",
            .accessControlExposeHeaders: "ETag", .server: server,
        ]
        t.headers = t.notModifiedHeaders
        t.headers[.contentType] = "image/png"
        t.headers[.contentLength] = String(data.readableBytes)
        t.nioHeaders = HTTPHeaders(t.headers.map { ($0.name.canonicalName, $0.value) })
        t.nioNotModifiedHeaders = HTTPHeaders(t.notModifiedHeaders.map { ($0.name.canonicalName, $0.value) })
        return t
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
}

/// MBTiles layers in the tiles directory, opened read-only with a small pool of connections each.
///
/// Every access checks the file's identity (inode, size, mtime): when `patroliq tiles` renames a new
/// render over a store, the next request opens the new file, with no restart.
final class TileCatalog: Sendable {
    let directory: String
    private let stores = Locked<[String: Store]>([:])

    final class Store: @unchecked Sendable {
        let stamp: FileStamp
        /// When the file's identity was last compared with the disk.
        let checked = Locked<ContinuousClock.Instant>(.now)
        let info: LayerInfo
        let path: String
        private let pool = Locked<[MBTilesReader]>([])

        init(path: String, name: String, stamp: FileStamp) throws {
            self.path = path
            self.stamp = stamp
            let r = try MBTilesReader(path: path)
            let m = try r.metadata()
            let b = m["bounds"].flatMap { GeoBounds(parsing: $0) }
            let c = m["center"]?.split(separator: ",").compactMap { Double($0) }
            info = LayerInfo(
                name: name, path: path, minZoom: Int(m["minzoom"] ?? "") ?? 0, maxZoom: Int(m["maxzoom"] ?? "") ?? 22,
                bounds: b, center: c?.count == 3 ? c : nil, metadata: m, tileSize: Int(m["tilesize"] ?? "") ?? 256)
            pool.withLock { $0.append(r) }
        }

        func withReader<R>(_ body: (MBTilesReader) throws -> R) throws -> R {
            let r = try pool.withLock { $0.popLast() } ?? MBTilesReader(path: path)
            defer { pool.withLock { if $0.count < 8 { $0.append(r) } } }
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
        guard Self.isValidName(name) else { return nil }
        let now = ContinuousClock.now
        if let s = stores.withLock({ $0[name] }),
            s.checked.withLock({ t in
                guard now - t < Self.recheck else { return false }
                return true
            })
        {
            return s
        }
        let path = directory + "/" + name + ".mbtiles"
        guard let stamp = FileStamp(path) else {
            stores.withLock { $0[name] = nil }
            return nil
        }
        if let s = stores.withLock({ $0[name] }), s.stamp == stamp {
            s.checked.withLock { $0 = now }
            return s
        }
        guard let s = try? Store(path: path, name: name, stamp: stamp) else { return nil }
        stores.withLock { $0[name] = s }
        return s
    }

    /// All layers (without their @2x variants), by name.
    func layers() -> [LayerInfo] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.filter { $0.hasSuffix(".mbtiles") && !$0.contains("@2x") }.sorted().compactMap {
            store(String($0.dropLast(".mbtiles".count)))?.info
        }
    }
}
