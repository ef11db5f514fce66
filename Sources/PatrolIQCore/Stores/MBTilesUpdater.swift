import Foundation

/// Changes some tiles of an existing MBTiles store written by `MBTilesWriter`: works on a copy beside it
/// and renames the copy into place on `commit`, so readers see the old store or the new, never a mix.
public final class MBTilesUpdater {
    public let finalPath: String
    let tmpPath: String
    let db: SQLiteDatabase
    private let insertImage: SQLiteStatement
    private let putMap: SQLiteStatement
    private let deleteMap: SQLiteStatement
    private var committed = false
    public private(set) var replaced = 0
    public private(set) var removed = 0
    /// Tiles set to the bytes they already had.
    public private(set) var unchanged = 0
    private let current: SQLiteStatement

    public init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw InputError(file: path, "no such MBTiles file") }
        finalPath = path
        tmpPath = TemporaryFile.beside(path)
        try? FileManager.default.removeItem(atPath: tmpPath)
        try TemporaryFile.copy(path, to: tmpPath)
        db = try SQLiteDatabase(path: tmpPath)
        guard try db.tableExists("map"), try db.tableExists("images"), try db.tableExists("metadata") else {
            try? FileManager.default.removeItem(atPath: tmpPath)
            throw InputError(file: path, "not an MBTiles store written by PatrolIQ (no map and images tables)")
        }
        try db.execute("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; BEGIN;")
        insertImage = try db.prepare("INSERT OR IGNORE INTO images (tile_id, tile_data) VALUES (?,?)")
        putMap = try db.prepare(
            "INSERT OR REPLACE INTO map (zoom_level, tile_column, tile_row, tile_id) VALUES (?,?,?,?)")
        deleteMap = try db.prepare("DELETE FROM map WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?")
        current = try db.prepare("SELECT tile_id FROM map WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?")
    }

    deinit {
        if !committed { try? FileManager.default.removeItem(atPath: tmpPath) }
    }

    /// Sets tile (z, x, y) to `png`, or removes it when nil.
    public func set(z: Int, x: Int, y: Int, png: [UInt8]?) throws {
        let row = WebMercator.tmsRow(y, zoom: z)
        guard let png else {
            try deleteMap.bind(1, z)
            try deleteMap.bind(2, x)
            try deleteMap.bind(3, row)
            try deleteMap.step()
            deleteMap.reset()
            removed += db.changes
            return
        }
        let id = ContentDigest.of(png)
        try current.bind(1, z)
        try current.bind(2, x)
        try current.bind(3, row)
        let same = try current.step() && current.string(0) == id
        current.reset()
        if same {
            unchanged += 1
            return
        }
        try insertImage.bind(1, id)
        try insertImage.bind(2, blob: png)
        try insertImage.step()
        insertImage.reset()
        try putMap.bind(1, z)
        try putMap.bind(2, x)
        try putMap.bind(3, row)
        try putMap.bind(4, id)
        try putMap.step()
        putMap.reset()
        replaced += 1
    }

    /// Drops images no tile uses, replaces the metadata, and renames the copy over the store.
    public func commit(metadata: [String: String]) throws {
        try db.execute(
            "DELETE FROM images WHERE tile_id NOT IN (SELECT tile_id FROM map); DELETE FROM metadata;")
        try MBTilesWriter.finish(db, metadata: metadata, tmpPath: tmpPath, finalPath: finalPath)
        committed = true
    }
}
