import CSQLite
import Foundation

/// An error from SQLite, carrying the database path so a user knows which file failed.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let message: String
    public var description: String { "\(path): sqlite: \(message)" }
}

private let transientDestructor = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A minimal, owned SQLite connection. Not shared across threads: each stage opens its own.
public final class SQLiteDatabase {
    public let path: String
    let handle: OpaquePointer

    /// Opens (or creates, when `readOnly` is false) the database at `path`.
    public init(path: String, readOnly: Bool = false) throws {
        self.path = path
        var db: OpaquePointer?
        let flags =
            readOnly
            ? SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX
            : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let msg = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(path: path, message: msg)
        }
        handle = db
        sqlite3_busy_timeout(db, 5000)
    }

    deinit { sqlite3_close_v2(handle) }

    func error(_ context: String = "") -> SQLiteError {
        let m = String(cString: sqlite3_errmsg(handle))
        return SQLiteError(path: path, message: context.isEmpty ? m : "\(context): \(m)")
    }

    /// Runs one or more SQL statements that return no rows.
    /// Rows changed by the last INSERT, UPDATE or DELETE.
    public var changes: Int { Int(sqlite3_changes(handle)) }

    public func execute(_ sql: String) throws {
        var err: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(handle, sql, nil, nil, &err) != SQLITE_OK {
            let m = err.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(err)
            throw SQLiteError(path: path, message: m)
        }
    }

    /// Prepares a statement for repeated binding and stepping.
    public func prepare(_ sql: String) throws -> SQLiteStatement {
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &stmt, nil) == SQLITE_OK, let stmt else {
            throw error(sql)
        }
        return SQLiteStatement(db: self, stmt: stmt)
    }

    /// Runs `body` inside a transaction, rolling back on error.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let v = try body()
            try execute("COMMIT")
            return v
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// True when a table of that name exists.
    public func tableExists(_ name: String) throws -> Bool {
        let s = try prepare("SELECT 1 FROM sqlite_master WHERE type IN ('table','view') AND name = ?")
        try s.bind(1, name)
        return try s.step()
    }
}

/// A prepared statement. Indexes are 1-based for binding and 0-based for columns, as in SQLite.
public final class SQLiteStatement {
    let db: SQLiteDatabase
    let stmt: OpaquePointer

    init(db: SQLiteDatabase, stmt: OpaquePointer) {
        self.db = db
        self.stmt = stmt
    }
    deinit { sqlite3_finalize(stmt) }

    public func bind(_ i: Int32, _ v: Int64) throws {
        guard sqlite3_bind_int64(stmt, i, v) == SQLITE_OK else { throw db.error("bind") }
    }
    public func bind(_ i: Int32, _ v: Int) throws { try bind(i, Int64(v)) }
    public func bind(_ i: Int32, _ v: Double) throws {
        guard sqlite3_bind_double(stmt, i, v) == SQLITE_OK else { throw db.error("bind") }
    }
    public func bind(_ i: Int32, _ v: String) throws {
        guard sqlite3_bind_text(stmt, i, v, -1, transientDestructor) == SQLITE_OK else {
            throw db.error("bind")
        }
    }
    public func bindNull(_ i: Int32) throws {
        guard sqlite3_bind_null(stmt, i) == SQLITE_OK else { throw db.error("bind") }
    }
    /// Binds raw bytes as a BLOB (copied by SQLite).
    public func bind(_ i: Int32, blob: UnsafeRawBufferPointer) throws {
        let rc = sqlite3_bind_blob64(
            stmt, i, blob.baseAddress ?? UnsafeRawPointer(bitPattern: 1), UInt64(blob.count),
            transientDestructor)
        guard rc == SQLITE_OK else { throw db.error("bind blob") }
    }

    /// Binds bytes without copying them: the caller keeps `blob` valid until the statement is stepped
    /// and reset (large column chunks: saves a copy of every byte written).
    public func bindNoCopy(_ i: Int32, blob: UnsafeRawBufferPointer) throws {
        let rc = sqlite3_bind_blob64(
            stmt, i, blob.baseAddress ?? UnsafeRawPointer(bitPattern: 1), UInt64(blob.count), nil)
        guard rc == SQLITE_OK else { throw db.error("bind blob") }
    }
    public func bind(_ i: Int32, blob: [UInt8]) throws {
        try blob.withUnsafeBytes { try bind(i, blob: $0) }
    }

    /// Steps once; true when a row is available, false when done.
    @discardableResult
    public func step() throws -> Bool {
        let rc = sqlite3_step(stmt)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw db.error("step")
    }

    /// Resets for the next set of bindings.
    public func reset() {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
    }

    public func int64(_ c: Int32) -> Int64 { sqlite3_column_int64(stmt, c) }
    public func int(_ c: Int32) -> Int { Int(sqlite3_column_int64(stmt, c)) }
    public func double(_ c: Int32) -> Double { sqlite3_column_double(stmt, c) }
    public func isNull(_ c: Int32) -> Bool { sqlite3_column_type(stmt, c) == SQLITE_NULL }
    public func string(_ c: Int32) -> String {
        guard let p = sqlite3_column_text(stmt, c) else { return "" }
        return String(cString: p)
    }
    /// Copies a BLOB column's bytes.
    public func blob(_ c: Int32) -> [UInt8] {
        let n = Int(sqlite3_column_bytes(stmt, c))
        guard n > 0, let p = sqlite3_column_blob(stmt, c) else { return [] }
        return Array(UnsafeRawBufferPointer(start: p, count: n))
    }
    /// Reads a BLOB column as an array of a trivial type (little-endian host assumed).
    public func blobArray<T: BitwiseCopyable>(_ c: Int32, of: T.Type) -> [T] {
        let n = Int(sqlite3_column_bytes(stmt, c))
        guard n > 0, let p = sqlite3_column_blob(stmt, c) else { return [] }
        let count = n / MemoryLayout<T>.stride
        return [T](unsafeUninitializedCapacity: count) { buf, initialized in
            memcpy(buf.baseAddress!, p, count * MemoryLayout<T>.stride)
            initialized = count
        }
    }
}

/// Reads whole BLOBs of one table column straight into caller memory (SQLite's incremental BLOB I/O):
/// one copy from the page cache, where `sqlite3_column_blob` first assembles a large BLOB's overflow
/// pages into a buffer of its own.
public final class SQLiteBlobReader {
    let db: SQLiteDatabase
    let table: String
    let column: String
    private var blob: OpaquePointer?

    public init(_ db: SQLiteDatabase, table: String, column: String) {
        self.db = db
        self.table = table
        self.column = column
    }
    deinit { if let blob { sqlite3_blob_close(blob) } }

    /// Copies the BLOB of row `rowid` into `destination`, which must be exactly its size.
    public func read(rowid: Int64, into destination: UnsafeMutableRawBufferPointer) throws {
        if let blob {
            guard sqlite3_blob_reopen(blob, rowid) == SQLITE_OK else { throw db.error("row \(rowid) of \(table)") }
        } else {
            var b: OpaquePointer?
            let rc = sqlite3_blob_open(db.handle, "main", table, column, rowid, 0, &b)
            blob = b
            guard rc == SQLITE_OK, b != nil else { throw db.error("row \(rowid) of \(table)") }
        }
        guard let blob, Int(sqlite3_blob_bytes(blob)) == destination.count else {
            throw SQLiteError(
                path: db.path, message: "row \(rowid) of \(table): \(column) is not the size it was listed at")
        }
        guard
            destination.count == 0
                || sqlite3_blob_read(blob, destination.baseAddress, Int32(destination.count), 0) == SQLITE_OK
        else { throw db.error("row \(rowid) of \(table)") }
    }
}
