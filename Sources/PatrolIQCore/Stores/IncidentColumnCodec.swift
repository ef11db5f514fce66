import Foundation

/// How each `IncidentTable` column is stored: one little-endian array BLOB per column per chunk.
///
/// Column chunks make a 500 000-row ingest a few hundred BLOB writes instead of half a million row
/// inserts, and let each later stage read only the columns it needs.
enum IncidentColumnCodec {
    nonisolated(unsafe) static let int64: [(String, WritableKeyPath<IncidentTable, [Int64]>)] = [
        ("time", \.time), ("line", \.line),
    ]
    nonisolated(unsafe) static let int32: [(String, WritableKeyPath<IncidentTable, [Int32]>)] = [
        ("block", \.block), ("iucr", \.iucr), ("type", \.type), ("description", \.description),
        ("location_description", \.locationDescription), ("fbi_code", \.fbiCode), ("beat", \.beat),
        ("district", \.district), ("ward", \.ward), ("community_area", \.communityArea),
        ("cell", \.cell),
    ]
    nonisolated(unsafe) static let int8: [(String, WritableKeyPath<IncidentTable, [Int8]>)] = [
        ("arrest", \.arrest), ("domestic", \.domestic),
    ]
    nonisolated(unsafe) static let uint8: [(String, WritableKeyPath<IncidentTable, [UInt8]>)] = [
        ("hour", \.hour), ("weekday", \.weekday), ("month", \.month), ("weekend", \.weekend),
        ("season", \.season), ("severity", \.severity),
    ]
    nonisolated(unsafe) static let double: [(String, WritableKeyPath<IncidentTable, [Double]>)] = [
        ("latitude", \.latitude), ("longitude", \.longitude), ("x", \.x), ("y", \.y),
    ]
    nonisolated(unsafe) static let strings: [(String, WritableKeyPath<IncidentTable, StringColumn>)] =
        [
            ("id", \.id), ("case_number", \.caseNumber),
        ]

    /// The fixed-width columns (`read` loads them whole) and the string ones (`decode`, chunk by chunk).
    static let fixedWidthNames = Set(
        int64.map(\.0) + int32.map(\.0) + int8.map(\.0) + uint8.map(\.0) + double.map(\.0))
    static let stringNames = Set(strings.map(\.0))

    /// Calls `emit(name, bytes)` for every stored column of `t`.
    static func encode(_ t: IncidentTable, _ emit: (String, UnsafeRawBufferPointer) throws -> Void)
        rethrows
    {
        for (n, k) in int64 { try t[keyPath: k].withUnsafeBytes { try emit(n, $0) } }
        for (n, k) in int32 { try t[keyPath: k].withUnsafeBytes { try emit(n, $0) } }
        for (n, k) in int8 { try t[keyPath: k].withUnsafeBytes { try emit(n, $0) } }
        for (n, k) in uint8 { try t[keyPath: k].withUnsafeBytes { try emit(n, $0) } }
        for (n, k) in double { try t[keyPath: k].withUnsafeBytes { try emit(n, $0) } }
        for (n, k) in strings {
            try t[keyPath: k].bytes.withUnsafeBytes { try emit(n + ".bytes", $0) }
            try t[keyPath: k].offsets.withUnsafeBytes { try emit(n + ".offsets", $0) }
        }
    }

    /// Sets fixed-width column `name` of `t` from its chunks' BLOBs (row ids and sizes, in chunk order).
    static func read(
        _ name: String, _ chunks: [(rowid: Int64, bytes: Int)], _ reader: SQLiteBlobReader,
        into t: inout IncidentTable
    ) throws {
        func load<T: BitwiseCopyable>(_ k: WritableKeyPath<IncidentTable, [T]>) throws {
            let stride = MemoryLayout<T>.stride
            let rows = chunks.reduce(0) { $0 + $1.bytes / stride }
            t[keyPath: k] = try [T](unsafeUninitializedCapacity: rows) { buf, initialized in
                let raw = UnsafeMutableRawBufferPointer(buf)
                var at = 0
                for c in chunks {
                    // A trailing partial element (never written) is left out, as a chunk-by-chunk read did.
                    let whole = c.bytes / stride * stride
                    let into = UnsafeMutableRawBufferPointer(rebasing: raw[at..<(at + whole)])
                    if whole == c.bytes {
                        try reader.read(rowid: c.rowid, into: into)
                    } else {
                        var scratch = [UInt8](repeating: 0, count: c.bytes)
                        try scratch.withUnsafeMutableBytes { try reader.read(rowid: c.rowid, into: $0) }
                        scratch.withUnsafeBytes {
                            into.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[..<whole]))
                        }
                    }
                    at += whole
                }
                initialized = rows
            }
        }
        if let k = int64.first(where: { $0.0 == name })?.1 {
            try load(k)
        } else if let k = int32.first(where: { $0.0 == name })?.1 {
            try load(k)
        } else if let k = int8.first(where: { $0.0 == name })?.1 {
            try load(k)
        } else if let k = uint8.first(where: { $0.0 == name })?.1 {
            try load(k)
        } else if let k = double.first(where: { $0.0 == name })?.1 {
            try load(k)
        }
    }

    /// Appends one chunk's column `name` (as read from the store) to `t`.
    static func decode(
        _ name: String, _ stmt: SQLiteStatement, column c: Int32, into t: inout IncidentTable
    ) {
        if let k = int64.first(where: { $0.0 == name })?.1 {
            t[keyPath: k] += stmt.blobArray(c, of: Int64.self)
        } else if let k = int32.first(where: { $0.0 == name })?.1 {
            t[keyPath: k] += stmt.blobArray(c, of: Int32.self)
        } else if let k = int8.first(where: { $0.0 == name })?.1 {
            t[keyPath: k] += stmt.blobArray(c, of: Int8.self)
        } else if let k = uint8.first(where: { $0.0 == name })?.1 {
            t[keyPath: k] += stmt.blobArray(c, of: UInt8.self)
        } else if let k = double.first(where: { $0.0 == name })?.1 {
            t[keyPath: k] += stmt.blobArray(c, of: Double.self)
        } else if name.hasSuffix(".bytes"), let k = strings.first(where: { $0.0 + ".bytes" == name })?.1 {
            t[keyPath: k].bytes += stmt.blob(c)
        } else if name.hasSuffix(".offsets"),
            let k = strings.first(where: { $0.0 + ".offsets" == name })?.1
        {
            let offs = stmt.blobArray(c, of: UInt32.self)
            // Chunk offsets start at 0; the previous chunk's last offset is where this chunk's bytes begin.
            let base = t[keyPath: k].offsets.last ?? 0
            t[keyPath: k].offsets += offs.dropFirst().map { $0 + base }
        }
    }
}
