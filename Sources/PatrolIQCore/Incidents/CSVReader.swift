import Foundation

/// A batch of CSV records: unescaped field bytes laid end to end, with each field's end offset.
///
/// Batches move whole between pipeline threads, so the reader never allocates per row.
public final class CSVBatch: @unchecked Sendable {
    var bytes: UnsafeMutablePointer<UInt8>
    var capacity: Int
    var length = 0
    /// End offset (into `bytes`) of every field of every record.
    var ends: [Int] = []
    /// Record r's fields are `ends[fieldStart[r] ..< fieldStart[r + 1]]`.
    var fieldStart: [Int] = [0]
    /// Byte offset where record r starts.
    var byteStart: [Int] = []
    /// 1-based physical line on which record r starts.
    var lines: [Int] = []

    public init(capacity: Int = 1 << 16) {
        self.capacity = capacity
        bytes = .allocate(capacity: capacity)
    }
    deinit { bytes.deallocate() }

    public var count: Int { lines.count }

    /// A view of record `r`, valid while the batch is alive and unchanged.
    @inline(__always)
    public func record(_ r: Int) -> CSVRecord {
        ends.withUnsafeBufferPointer { e in
            CSVRecord(
                base: UnsafePointer(bytes), ends: UnsafeBufferPointer(rebasing: e[fieldStart[r]..<fieldStart[r + 1]]),
                start: byteStart[r], line: lines[r])
        }
    }

    @inline(__always)
    func reserve(_ extra: Int) {
        if length + extra > capacity {
            var c = capacity * 2
            while c < length + extra { c *= 2 }
            let n = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
            n.update(from: bytes, count: length)
            bytes.deallocate()
            bytes = n
            capacity = c
        }
    }

    @inline(__always)
    func append(_ b: UInt8) {
        if length == capacity { reserve(1) }
        bytes[length] = b
        length += 1
    }

    @inline(__always)
    func append(_ p: UnsafePointer<UInt8>, _ n: Int) {
        reserve(n)
        (bytes + length).update(from: p, count: n)
        length += n
    }

    func clear() {
        length = 0
        ends.removeAll(keepingCapacity: true)
        fieldStart.removeAll(keepingCapacity: true)
        fieldStart.append(0)
        byteStart.removeAll(keepingCapacity: true)
        lines.removeAll(keepingCapacity: true)
    }
}

/// One record of a `CSVBatch`.
public struct CSVRecord {
    let base: UnsafePointer<UInt8>
    let ends: UnsafeBufferPointer<Int>
    let start: Int
    /// 1-based physical line on which the record starts.
    public let line: Int

    public var count: Int { ends.count }

    /// The unescaped bytes of field `i`.
    @inline(__always)
    public func field(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        let s = i == 0 ? start : ends[i - 1]
        return UnsafeBufferPointer(start: base + s, count: ends[i] - s)
    }

    public func string(_ i: Int) -> String { String(decoding: field(i), as: UTF8.self) }

    public var strings: [String] { (0..<count).map(string) }
}

/// A streaming RFC 4180 reader over bytes: quoted fields, doubled quotes, embedded delimiters and
/// newlines, CRLF or LF endings, and a leading UTF-8 BOM. Blank lines are skipped.
///
/// It never builds a `String` per field; callers decode only the fields they need.
public final class CSVReader {
    private let source: ByteSource
    private let delimiter: UInt8
    private let buffer: UnsafeMutablePointer<UInt8>
    private let bufferSize: Int
    private var pos = 0
    private var end = 0
    private var eof = false
    private var line = 1
    private var started = false
    public var path: String { source.path }
    public var progressOffset: Int { source.rawOffset }
    public var fileSize: Int { source.fileSize }

    public init(source: ByteSource, delimiter: UInt8 = UInt8(ascii: ","), bufferSize: Int = 1 << 20) {
        self.source = source
        self.delimiter = delimiter
        self.bufferSize = bufferSize
        buffer = .allocate(capacity: bufferSize)
    }

    public convenience init(path: String) throws {
        try self.init(source: ByteSource(path: path))
    }

    deinit { buffer.deallocate() }

    private func refill() throws -> Bool {
        if eof { return false }
        let n = try source.read(into: buffer, count: bufferSize)
        pos = 0
        end = n
        if n == 0 {
            eof = true
            return false
        }
        if !started {
            started = true
            // A NUL in the first block means this is not a text file.
            if memchr(buffer, 0, min(n, 8192)) != nil {
                throw InputError(file: source.path, line: 1, "binary data, not a CSV text file")
            }
            if n >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { pos = 3 }
        }
        return true
    }

    /// Reads records into `batch` (cleared first) until it holds `maxRecords` or input ends;
    /// returns false when no record was read.
    public func read(into batch: CSVBatch, maxRecords: Int) throws -> Bool {
        batch.clear()
        while batch.count < maxRecords, try next(into: batch) {}
        return batch.count > 0
    }

    /// Reads all records of a small file (tests, headers).
    public func readAll() throws -> [[String]] {
        let b = CSVBatch()
        var out: [[String]] = []
        while try read(into: b, maxRecords: 1024) { out += (0..<b.count).map { b.record($0).strings } }
        return out
    }

    private enum State { case fieldStart, unquoted, quoted, quoteInQuoted }

    /// Appends the next record to `batch`; returns false at end of input.
    public func next(into batch: CSVBatch) throws -> Bool {
        while true {
            let recordLine = line
            let recordStart = batch.length
            let firstField = batch.ends.count
            var state = State.fieldStart
            var sawAny = false
            var done = false
            while !done {
                if pos >= end {
                    if try !refill() {
                        if !sawAny { return false }
                        if state == .quoted {
                            throw InputError(
                                file: source.path, line: recordLine, "unterminated quoted field at end of file")
                        }
                        batch.ends.append(batch.length)
                        done = true
                        break
                    }
                }
                let delim = delimiter
                let buf = buffer
                var i = pos
                let e = end
                scan: while i < e {
                    switch state {
                    case .fieldStart:
                        sawAny = true
                        if buf[i] == UInt8(ascii: "\"") {
                            state = .quoted
                            i += 1
                            continue scan
                        }
                        state = .unquoted
                        fallthrough
                    case .unquoted:
                        // Copy the run of plain bytes up to a delimiter, quote or line end in one go.
                        var j = i
                        while j < e {
                            let c = buf[j]
                            if c == delim || c == 10 || c == 13 { break }
                            j += 1
                        }
                        if j > i { batch.append(buf + i, j - i) }
                        i = j
                        if i == e { break scan }
                        let c = buf[i]
                        i += 1
                        batch.ends.append(batch.length)
                        if c == delim {
                            state = .fieldStart
                            continue scan
                        }
                        if c == 10 {
                            line += 1
                        } else if i < e, buf[i] == 10 {
                            i += 1
                            line += 1
                        }
                        done = true
                        break scan
                    case .quoted:
                        var j = i
                        while j < e && buf[j] != UInt8(ascii: "\"") {
                            if buf[j] == 10 { line += 1 }
                            j += 1
                        }
                        if j > i { batch.append(buf + i, j - i) }
                        i = j
                        if i < e {
                            state = .quoteInQuoted
                            i += 1
                        }
                    case .quoteInQuoted:
                        if buf[i] == UInt8(ascii: "\"") {
                            batch.append(UInt8(ascii: "\""))
                            state = .quoted
                            i += 1
                        } else {
                            // The closing quote; any text after it up to the delimiter is kept.
                            state = .unquoted
                        }
                    }
                }
                pos = i
            }
            // Skip blank lines (a single empty field).
            if batch.ends.count == firstField + 1 && batch.length == recordStart {
                batch.ends.removeLast()
                continue
            }
            batch.fieldStart.append(batch.ends.count)
            batch.byteStart.append(recordStart)
            batch.lines.append(recordLine)
            return true
        }
    }
}
