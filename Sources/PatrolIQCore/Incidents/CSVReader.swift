import Foundation

/// A block of CSV input and the records found in it. Fields point into the block's own bytes (no copy
/// per field); quoted fields with doubled quotes are unescaped in place once their record is complete.
///
/// Batches move whole between pipeline threads and are recycled, so reading allocates nothing per row.
public final class CSVBatch: @unchecked Sendable {
    var bytes: UnsafeMutablePointer<UInt8>
    var capacity: Int
    var length = 0
    /// Start and end offsets (into `bytes`) of every field of every record.
    var fields = FieldSpans(capacity: 1 << 16)
    /// Record r's fields are `fields[fieldIndex[r] ..< fieldIndex[r + 1]]`.
    var fieldIndex: [Int] = [0]
    /// 1-based physical line on which record r starts.
    var lines: [Int] = []
    /// Per-record values filled by the ingest pipeline's stages.
    let columns = BatchColumns()

    public init(capacity: Int = 1 << 20) {
        self.capacity = max(capacity, 16)
        bytes = .allocate(capacity: self.capacity)
    }
    deinit {
        bytes.deallocate()
        fields.base.deallocate()
    }

    public var count: Int { lines.count }

    /// A view of record `r`, valid while the batch is alive and unchanged.
    @inline(__always)
    public func record(_ r: Int) -> CSVRecord {
        let a = fieldIndex[r]
        return CSVRecord(
            base: UnsafePointer(bytes), spans: UnsafePointer(fields.base + a),
            count: fieldIndex[r + 1] - a,
            line: lines[r])
    }

    func grow(to c: Int) {
        let n = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        n.update(from: bytes, count: length)
        bytes.deallocate()
        bytes = n
        capacity = c
    }

    func clear() {
        length = 0
        fields.count = 0
        fieldIndex.removeAll(keepingCapacity: true)
        fieldIndex.append(0)
        lines.removeAll(keepingCapacity: true)
    }

    /// Drops the first `n` records (the header, once read).
    func dropFirst(_ n: Int) {
        guard n > 0, n <= count else { return }
        let f = fieldIndex[n]
        fields.base.update(from: fields.base + f, count: fields.count - f)
        fields.count -= f
        fieldIndex = fieldIndex.dropFirst(n).map { $0 - f }
        lines.removeFirst(n)
    }
}

/// One record of a `CSVBatch`.
public struct CSVRecord {
    let base: UnsafePointer<UInt8>
    let spans: UnsafePointer<SIMD2<Int32>>
    public let count: Int
    /// 1-based physical line on which the record starts.
    public let line: Int

    /// The unescaped bytes of field `i`.
    @inline(__always)
    public func field(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        let sp = spans[i]
        return UnsafeBufferPointer(start: base + Int(sp.x), count: Int(sp.y - sp.x))
    }

    public func string(_ i: Int) -> String { String(decoding: field(i), as: UTF8.self) }

    /// A 32-bit hash of the record's bytes from its first field to its last, eight bytes a step:
    /// equal records hash equal, so a repeated ID can be told from a repeated record.
    @inline(__always)
    public var contentHash: UInt32 {
        guard count > 0 else { return 0 }
        let start = Int(spans[0].x)
        let n = Int(spans[count - 1].y) - start
        let p = UnsafeRawPointer(base + start)
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(n)
        var i = 0
        while i + 8 <= n {
            h = (h ^ p.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xff51_afd7_ed55_8ccd
            h ^= h >> 32
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n {
            tail |= UInt64(p.load(fromByteOffset: i, as: UInt8.self)) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 29
        return UInt32(truncatingIfNeeded: h ^ (h >> 32))
    }

    public var strings: [String] { (0..<count).map(string) }
}

/// A streaming RFC 4180 reader over bytes: quoted fields, doubled quotes, embedded delimiters and
/// newlines, CRLF or LF endings, and a leading UTF-8 BOM. Blank lines are skipped.
///
/// It reads the file in blocks straight into a batch and never builds a `String` per field. A record
/// cut by the end of a block moves, unmodified, to the front of the next batch.
public final class CSVReader {
    private let source: ByteSource
    private let delimiter: UInt8
    private let blockSize: Int
    /// Raw bytes of an incomplete record, carried to the next batch.
    private var carry: [UInt8] = []
    /// Line on which the carried record starts (or the next record, when nothing is carried).
    private var line = 1
    private var eof = false
    private var started = false
    public var path: String { source.path }
    public var progressOffset: Int { source.rawOffset }
    public var fileSize: Int { source.fileSize }

    /// `blockSize` is how many new bytes each batch reads; tests use tiny ones to cut records everywhere.
    public init(source: ByteSource, delimiter: UInt8 = UInt8(ascii: ","), blockSize: Int = 1 << 20) {
        self.source = source
        self.delimiter = delimiter
        self.blockSize = max(blockSize, 1)
    }

    public convenience init(path: String) throws {
        try self.init(source: ByteSource(path: path))
    }

    /// Reads all records of a small file (tests, headers).
    public func readAll() throws -> [[String]] {
        let b = CSVBatch()
        var out: [[String]] = []
        while try read(into: b) { out += (0..<b.count).map { b.record($0).strings } }
        return out
    }

    /// Fills `batch` with the next block's complete records; false at end of input.
    public func read(into batch: CSVBatch) throws -> Bool {
        batch.clear()
        if eof && carry.isEmpty { return false }
        if batch.capacity < carry.count + blockSize { batch.grow(to: carry.count + blockSize) }
        carry.withUnsafeBufferPointer { c in
            if let p = c.baseAddress { batch.bytes.update(from: p, count: c.count) }
        }
        batch.length = carry.count
        carry.removeAll(keepingCapacity: true)
        let lineAtStart = line
        while true {
            try fill(batch)
            let consumed = try parse(batch)
            if batch.count > 0 || eof {
                if consumed < batch.length {
                    carry.append(
                        contentsOf: UnsafeBufferPointer(
                            start: batch.bytes + consumed, count: batch.length - consumed))
                }
                return batch.count > 0 || !carry.isEmpty
            }
            // No complete record yet (one record longer than the block): read more and parse again.
            batch.fields.count = 0
            line = lineAtStart
            if batch.length + blockSize > batch.capacity {
                batch.grow(to: batch.capacity * 2 + blockSize)
            }
        }
    }

    private func fill(_ batch: CSVBatch) throws {
        let target = min(batch.capacity, batch.length + blockSize)
        while batch.length < target && !eof {
            let n = try source.read(into: batch.bytes + batch.length, count: target - batch.length)
            if n == 0 {
                eof = true
                break
            }
            if !started {
                started = true
                if memchr(batch.bytes + batch.length, 0, min(n, 8192)) != nil {
                    throw InputError(file: source.path, line: 1, "binary data, not a CSV text file")
                }
                if n >= 3, batch.bytes[0] == 0xEF, batch.bytes[1] == 0xBB, batch.bytes[2] == 0xBF {
                    batch.bytes.update(from: batch.bytes + 3, count: n - 3)
                    batch.length -= 3
                }
            }
            batch.length += n
        }
    }

    /// Parses complete records from the start of `batch`; returns the offset where the first incomplete
    /// record begins (or the batch length). At end of input the last record needs no line end.
    private func parse(_ batch: CSVBatch) throws -> Int {
        let buf = batch.bytes
        let n = batch.length
        let delim = delimiter
        let quote = UInt8(ascii: "\"")
        var p = 0
        var lineNo = line
        var escaped: [Int] = []  // fields of this record that need unescaping
        var fields = batch.fields
        defer { batch.fields = fields }
        var incompleteAt: Int?
        records: while p < n {
            let recordStart = p
            let recordLine = lineNo
            let firstField = fields.count
            escaped.removeAll(keepingCapacity: true)
            while true {
                var fs = p
                var fe: Int
                if p < n && buf[p] == quote {
                    // Quoted: find the closing quote, stepping over doubled quotes.
                    var q = p + 1
                    var dirty = false
                    var closed = false
                    while q < n {
                        q = SWAR.skipQuoted(buf, q, n, &lineNo)
                        if q >= n { break }
                        do {
                            if q + 1 < n && buf[q + 1] == quote {
                                dirty = true
                                q += 2
                                continue
                            }
                            if q + 1 >= n && !eof { break }  // cannot tell "" from a closing quote yet
                            closed = true
                            break
                        }
                    }
                    if !closed {
                        if eof {
                            throw InputError(
                                file: source.path, line: recordLine, "unterminated quoted field at end of file")
                        }
                        incompleteAt = recordStart
                        break records
                    }
                    fe = q
                    q += 1
                    // Text after the closing quote, up to the delimiter, is kept.
                    while q < n, buf[q] != delim, buf[q] != 10, buf[q] != 13 {
                        dirty = true
                        q += 1
                    }
                    if dirty {
                        escaped.append(fields.count)
                        fe = q
                    } else {
                        fs += 1
                    }
                    p = q
                } else {
                    p = SWAR.skipPlain(buf, p, n, delim)
                    fe = p
                }
                if p >= n && !eof {
                    incompleteAt = recordStart
                    break records
                }
                fields.append(Int32(fs), Int32(fe))
                if p >= n { break }  // last record without a line end
                let c = buf[p]
                p += 1
                if c == delim {
                    if p >= n && !eof {
                        incompleteAt = recordStart
                        break records
                    }
                    continue
                }
                if c == 10 {
                    lineNo += 1
                } else if p < n && buf[p] == 10 {
                    p += 1
                    lineNo += 1
                }
                // A CR ending the block: its LF, if any, reads as a blank line next time and is skipped.
                break
            }
            // A complete record.
            if fields.count == firstField + 1 && fields.base[firstField].x == fields.base[firstField].y {
                fields.count -= 1
                line = lineNo
                continue
            }
            for f in escaped { unescape(batch.bytes, &fields.base[f]) }
            batch.fieldIndex.append(fields.count)
            batch.lines.append(recordLine)
            line = lineNo
        }
        // Roll back the fields of an incomplete record; it is read again, whole, from the next batch.
        let complete = batch.fieldIndex[batch.fieldIndex.count - 1]
        fields.count = complete
        return incompleteAt ?? n
    }

    /// Rewrites a quoted field in place: drops the quotes, turns `""` into `"`, keeps trailing text.
    private func unescape(_ buf: UnsafeMutablePointer<UInt8>, _ span: inout SIMD2<Int32>) {
        let quote = UInt8(ascii: "\"")
        var r = Int(span.x) + 1
        let end = Int(span.y)
        var w = Int(span.x)
        var inQuotes = true
        while r < end {
            let c = buf[r]
            if inQuotes && c == quote {
                if r + 1 < end && buf[r + 1] == quote {
                    buf[w] = quote
                    w += 1
                    r += 2
                    continue
                }
                inQuotes = false
                r += 1
                continue
            }
            buf[w] = c
            w += 1
            r += 1
        }
        span.y = Int32(w)
    }
}

/// A growable array of (start, end) field offsets without per-append uniqueness checks.
struct FieldSpans {
    var base: UnsafeMutablePointer<SIMD2<Int32>>
    var count = 0
    var capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    @inline(__always)
    mutating func append(_ s: Int32, _ e: Int32) {
        if count == capacity {
            let n = UnsafeMutablePointer<SIMD2<Int32>>.allocate(capacity: capacity * 2)
            n.update(from: base, count: count)
            base.deallocate()
            base = n
            capacity *= 2
        }
        base[count] = SIMD2(s, e)
        count += 1
    }
}

/// Word-at-a-time scanning (8 bytes per step) for the bytes that end a field.
enum SWAR {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highs: UInt64 = 0x8080_8080_8080_8080

    /// High bit set in each byte of `x` equal to `b`; exact for the lowest such byte.
    @inline(__always)
    static func match(_ x: UInt64, _ b: UInt8) -> UInt64 {
        let v = x ^ (ones &* UInt64(b))
        return (v &- ones) & ~v & highs
    }

    /// First index ≥ `p` holding the delimiter, LF or CR (or `n`).
    @inline(__always)
    static func skipPlain(_ buf: UnsafeMutablePointer<UInt8>, _ p0: Int, _ n: Int, _ delim: UInt8)
        -> Int
    {
        var p = p0
        let raw = UnsafeRawPointer(buf)
        while p + 8 <= n {
            let x = raw.loadUnaligned(fromByteOffset: p, as: UInt64.self)
            let m = match(x, delim) | match(x, 10) | match(x, 13)
            if m != 0 { return p + m.trailingZeroBitCount >> 3 }
            p += 8
        }
        while p < n {
            let c = buf[p]
            if c == delim || c == 10 || c == 13 { return p }
            p += 1
        }
        return n
    }

    /// First index ≥ `p` holding a quote (or `n`), counting the LFs passed.
    @inline(__always)
    static func skipQuoted(
        _ buf: UnsafeMutablePointer<UInt8>, _ p0: Int, _ n: Int, _ lines: inout Int
    ) -> Int {
        var p = p0
        let raw = UnsafeRawPointer(buf)
        while p + 8 <= n {
            let x = raw.loadUnaligned(fromByteOffset: p, as: UInt64.self)
            let q = match(x, UInt8(ascii: "\""))
            let lf = match(x, 10)
            if q | lf == 0 {
                p += 8
                continue
            }
            // Bytes before the first quote: count their LFs exactly, one by one.
            let stop = q == 0 ? 8 : q.trailingZeroBitCount >> 3
            for k in 0..<stop where buf[p + k] == 10 { lines += 1 }
            if q != 0 { return p + stop }
            p += 8
        }
        while p < n {
            let c = buf[p]
            if c == UInt8(ascii: "\"") { return p }
            if c == 10 { lines += 1 }
            p += 1
        }
        return n
    }
}
