import Crypto
import Foundation

/// A content id: the first 128 bits of the SHA-256 of the bytes, and their length. Identical tiles
/// share it in MBTiles and the server uses it as the strong ETag of tiles and GeoJSON files, so it
/// must not collide: a 64-bit non-cryptographic hash could make two different tiles one image.
public enum ContentDigest {
    public static func of(_ b: some DataProtocol) -> String {
        let digest = SHA256.hash(data: b)
        var hex = ""
        hex.reserveCapacity(48)
        for byte in digest.prefix(16) {
            hex.append(Self.digits[Int(byte >> 4)])
            hex.append(Self.digits[Int(byte & 15)])
        }
        return hex + "-" + String(b.count)
    }

    private static let digits = Array("0123456789abcdef")
}

/// An MBTiles 1.3 store: `metadata`, and tiles in TMS row order through the `map` / `images` tables
/// (identical tiles share one image) with the standard `tiles` view over them.
public final class MBTilesWriter {
    public let finalPath: String
    let tmpPath: String
    let db: SQLiteDatabase
    private var images: [String: Int] = [:]
    private let insertMap: SQLiteStatement
    private let insertImage: SQLiteStatement
    private var committed = false
    public private(set) var tileCount = 0
    public private(set) var uniqueImages = 0
    public private(set) var bytes = 0

    /// Starts a new store beside `path`; `commit` renames it into place.
    public init(path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        let d = dir.isEmpty ? "." : dir
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: d, isDirectory: &isDir), isDir.boolValue,
            FileManager.default.isWritableFile(atPath: d)
        else { throw InputError(file: path, "directory '\(d)' does not exist or is not writable") }
        finalPath = path
        tmpPath = TemporaryFile.beside(path)
        try? FileManager.default.removeItem(atPath: tmpPath)
        db = try SQLiteDatabase(path: tmpPath)
        try db.execute(
            """
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            PRAGMA application_id = 0x4d504258;
            CREATE TABLE metadata (name TEXT, value TEXT);
            CREATE UNIQUE INDEX name ON metadata (name);
            CREATE TABLE images (tile_id TEXT PRIMARY KEY, tile_data BLOB);
            CREATE TABLE map (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_id TEXT);
            CREATE UNIQUE INDEX map_index ON map (zoom_level, tile_column, tile_row);
            CREATE VIEW tiles AS SELECT map.zoom_level AS zoom_level, map.tile_column AS tile_column,
                map.tile_row AS tile_row, images.tile_data AS tile_data
                FROM map JOIN images ON images.tile_id = map.tile_id;
            BEGIN;
            """)
        insertMap = try db.prepare("INSERT INTO map (zoom_level, tile_column, tile_row, tile_id) VALUES (?,?,?,?)")
        insertImage = try db.prepare("INSERT INTO images (tile_id, tile_data) VALUES (?,?)")
    }

    deinit {
        if !committed { try? FileManager.default.removeItem(atPath: tmpPath) }
    }

    /// Adds the tile at XYZ address (z, x, y); it is stored at TMS row 2^z − 1 − y.
    public func add(z: Int, x: Int, y: Int, png: [UInt8]) throws {
        let id = ContentDigest.of(png)
        if images[id] == nil {
            try insertImage.bind(1, id)
            try insertImage.bind(2, blob: png)
            try insertImage.step()
            insertImage.reset()
            images[id] = 1
            uniqueImages += 1
            bytes += png.count
        }
        try insertMap.bind(1, z)
        try insertMap.bind(2, x)
        try insertMap.bind(3, WebMercator.tmsRow(y, zoom: z))
        try insertMap.bind(4, id)
        try insertMap.step()
        insertMap.reset()
        tileCount += 1
    }

    /// Writes metadata, finishes the file and renames it over `finalPath`.
    public func commit(metadata: [String: String]) throws {
        try Self.finish(db, metadata: metadata, tmpPath: tmpPath, finalPath: finalPath)
        committed = true
    }

    /// Writes `metadata` into the open transaction, commits, makes the file durable and renames it
    /// over `finalPath`: how a new or updated store becomes visible, whole.
    static func finish(_ db: SQLiteDatabase, metadata: [String: String], tmpPath: String, finalPath: String) throws {
        let s = try db.prepare("INSERT INTO metadata (name, value) VALUES (?,?)")
        for (k, v) in metadata.sorted(by: { $0.key < $1.key }) {
            try s.bind(1, k)
            try s.bind(2, v)
            try s.step()
            s.reset()
        }
        try db.execute("COMMIT; PRAGMA journal_mode = DELETE;")
        let fd = open(tmpPath, O_RDONLY)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
        guard rename(tmpPath, finalPath) == 0 else {
            throw RuntimeError(file: finalPath, "cannot replace: \(String(cString: strerror(errno)))")
        }
    }
}

/// Read access to an MBTiles file (XYZ addressing; the TMS flip is handled here).
public final class MBTilesReader {
    public let path: String
    let db: SQLiteDatabase
    private let get: SQLiteStatement
    /// Stores written by `MBTilesWriter` (map + images) carry a content id per tile.
    private let hasIDs: Bool

    public init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw InputError(file: path, "no such MBTiles file") }
        self.path = path
        db = try SQLiteDatabase(path: path, readOnly: true)
        guard try db.tableExists("metadata"), try db.tableExists("tiles") else {
            throw InputError(file: path, "not an MBTiles file (no metadata or tiles table)")
        }
        hasIDs = try db.tableExists("map") && db.tableExists("images")
        get = try db.prepare(
            hasIDs
                ? "SELECT images.tile_data, images.tile_id FROM map JOIN images ON images.tile_id = map.tile_id WHERE map.zoom_level = ? AND map.tile_column = ? AND map.tile_row = ?"
                : "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?")
    }

    public func metadata() throws -> [String: String] {
        let s = try db.prepare("SELECT name, value FROM metadata")
        var out: [String: String] = [:]
        while try s.step() { out[s.string(0)] = s.string(1) }
        return out
    }

    /// The tile at XYZ (z, x, y), or nil.
    public func tile(z: Int, x: Int, y: Int) throws -> [UInt8]? { try tileWithID(z: z, x: x, y: y)?.data }

    /// The tile at XYZ (z, x, y) with its content id (stored, or computed for other writers' stores).
    public func tileWithID(z: Int, x: Int, y: Int) throws -> (data: [UInt8], id: String)? {
        guard z >= 0, z <= 30, y >= 0, y < (1 << z) else { return nil }
        get.reset()
        try get.bind(1, z)
        try get.bind(2, x)
        try get.bind(3, WebMercator.tmsRow(y, zoom: z))
        defer { get.reset() }
        guard try get.step() else { return nil }
        let data = get.blob(0)
        return (data, hasIDs ? get.string(1) : ContentDigest.of(data))
    }

    /// Every tile as XYZ addresses, in zoom, column, row order.
    public func forEach(_ body: (Int, Int, Int, [UInt8]) throws -> Void) throws {
        let s = try db.prepare("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles ORDER BY 1, 2, 3")
        while try s.step() {
            let z = s.int(0)
            try body(z, s.int(1), WebMercator.tmsRow(s.int(2), zoom: z), s.blob(3))
        }
    }

    public func count() throws -> Int {
        let s = try db.prepare("SELECT count(*) FROM map")
        return try s.step() ? s.int(0) : 0
    }
}
