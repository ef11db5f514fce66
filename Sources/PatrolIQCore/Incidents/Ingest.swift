import Foundation

/// What to read and keep.
public struct IngestOptions: Sendable {
    /// Field → column name, for non-Chicago headers.
    public var mapping: [IncidentField: String] = [:]
    /// Layout of the time column; detected from the data when nil.
    public var timeFormat: TimestampFormat?
    /// Plausible extent; Chicago's for the Chicago schema, otherwise ±0.5° about the median of the
    /// first 10 000 coordinates when nil.
    public var extent: GeoBounds?
    /// Keep only the N most recent records.
    public var recent: Int?
    /// Keep records at or after / before this wall-clock time (seconds since 1970).
    public var since: Int64?
    public var until: Int64?
    /// Keep only these types (compared case-insensitively).
    public var types: Set<String>?
    /// Side of a grid cell in metres.
    public var cellSize: Double = 500
    public var delimiter: UInt8 = UInt8(ascii: ",")
    /// Keep the replaced workspace as `WORKSPACE.previous` until the next ingest.
    public var keepPrevious = true

    public init() {}
}

/// The result of an ingest.
public struct IngestResult: Sendable {
    public var report: QualityReport
    public var info: WorkspaceInfo
    public var seconds: Double
}

/// Progress callback: (rows read, bytes of the file consumed, file size).
public typealias IngestProgress = @Sendable (Int, Int, Int) -> Void

/// Reads a crime CSV into a new workspace: validates, derives features, and commits atomically.
public enum Ingest {
    /// Rows sampled from the head of the file to place a mapped data set's extent.
    static let extentSampleRows = 10_000

    public static func run(
        file: String, workspace: String, options: IngestOptions = IngestOptions(),
        progress: IngestProgress? = nil
    ) throws -> IngestResult {
        let start = Date()
        let reader = try CSVReader(source: ByteSource(path: file), delimiter: options.delimiter)
        let firstBatch = CSVBatch(capacity: 1 << 21)
        guard try reader.read(into: firstBatch) else {
            throw InputError(file: file, line: 1, "empty file: no header row")
        }
        let header = firstBatch.record(0).strings
        firstBatch.dropFirst(1)
        var found = try ColumnMapping(header: header, map: options.mapping, file: file, requireTime: false)
        if !found.isChicago { try chooseTimeColumns(&found, batch: firstBatch, options: options, file: file) }
        let mapping = found
        var report = QualityReport(file: file)
        report.schema = mapping.isChicago ? "chicago" : "mapped"

        let extent: GeoBounds
        if let e = options.extent {
            extent = e
        } else if mapping.isChicago {
            extent = .chicago
        } else {
            extent = try sampleExtent(file: file, mapping: mapping, delimiter: options.delimiter)
        }
        report.extent = extent
        let c = extent.center
        let projection = LocalProjection(originLon: c.lon, originLat: c.lat)
        let grid = SquareGrid(bounds: extent, projection: projection, cellSize: options.cellSize)
        let writer = try Workspace.create(at: workspace, keepPrevious: options.keepPrevious)

        // Three stages: read and split CSV (thread) → check, derive features, filter, de-duplicate and
        // intern (thread) → assemble column chunks and write them (this thread). Batches carry every
        // stage's results.
        let batches = BlockingQueue<CSVBatch>(limit: 4)
        let built = BlockingQueue<CSVBatch>(limit: 4)
        // Batches go back to the reading stage: recycled pages cost no page faults.
        let freeBatches = BlockingQueue<CSVBatch>(limit: 16)
        for _ in 0..<7 { freeBatches.push(CSVBatch(capacity: 1 << 21)) }
        let first = Unchecked<CSVBatch?>(firstBatch)
        let readerBox = Unchecked(reader)
        let preparer = Unchecked(
            RowPreparer(
                mapping: mapping, fieldCount: header.count, extent: extent, projection: projection,
                grid: grid,
                timeFormat: options.timeFormat))
        let readStage = Worker("ingest-read") {
            do {
                var rows = 0
                while true {
                    let b: CSVBatch
                    if let f = first.value {
                        b = f
                        first.value = nil
                    } else {
                        guard let f = try freeBatches.pop() else { break }
                        guard try readerBox.value.read(into: f) else { break }
                        b = f
                    }
                    rows += b.count
                    progress?(rows, readerBox.value.progressOffset, readerBox.value.fileSize)
                    guard batches.push(b) else { break }
                }
                batches.close()
            } catch {
                batches.close(error: error)
            }
        }
        let builderResult = Unchecked<(RowBuilder, QualityReport)?>(nil)
        let initialReport = report
        let buildStage = Worker("ingest-build") {
            var builder = RowBuilder(mapping: mapping, options: options)
            var report = initialReport
            do {
                while let batch = try batches.pop() {
                    preparer.value.prepare(batch)
                    builder.build(batch, report: &report)
                    guard built.push(batch) else { return }
                }
                builderResult.value = (builder, report)
                built.close()
            } catch {
                built.close(error: error)
            }
        }

        var fingerprint = Fingerprint()
        var kept = 0
        var tmin = Int64.max
        var tmax = Int64.min
        var notRecent = 0
        func write(_ t: IncidentTable) throws {
            fingerprint.add(t)
            kept += t.count
            if let a = t.time.min() { tmin = min(tmin, a) }
            if let b = t.time.max() { tmax = max(tmax, b) }
            try writer.write(t)
        }
        do {
            var assembler = TableAssembler(mapping: mapping)
            var table = IncidentTable(reserving: Workspace.chunkRows)
            let recent = options.recent
            while let batch = try built.pop() {
                let keptRows = batch.columns.kept.count
                var k = 0
                while k < keptRows {
                    // Without --recent, the table is cut into chunks exactly; with it, it holds up to twice
                    // the sample before being cut back to the newest.
                    let end = recent == nil ? min(keptRows, k + Workspace.chunkRows - table.count) : keptRows
                    assembler.append(batch, kept: k..<end, to: &table)
                    k = end
                    if let n = recent {
                        guard table.count >= max(n * 2, Workspace.chunkRows) else { continue }
                        let keep = mostRecent(table, n)
                        notRecent += table.count - keep.count
                        table = table.select(keep)
                    } else if table.count >= Workspace.chunkRows {
                        try write(table)
                        table.removeAll()
                    }
                }
                freeBatches.push(batch)
            }
            if let n = recent {
                var keep = mostRecent(table, n)
                notRecent += table.count - keep.count
                // Store the sample in time order.
                keep.sort { (table.time[$0], table.line[$0]) < (table.time[$1], table.line[$1]) }
                table = table.select(keep)
            }
            try write(table)
        } catch {
            built.close()
            batches.close()
            freeBatches.close()
            buildStage.join()
            readStage.join()
            throw error
        }
        freeBatches.close()
        buildStage.join()
        readStage.join()
        guard let (builder, finalReport) = builderResult.value else {
            throw InputError(file: file, "ingest stopped before the end of the file")
        }
        report = finalReport
        if options.recent != nil { report.exclude(.notRecent, line: 0, count: notRecent) }
        if kept == 0, let unread = preparer.value.firstUnreadTime,
            report.count(.unparsableDate) + report.count(.unparsableTime) + report.count(.missingDate)
                + report.count(.missingTime) + report.count(.wrongFieldCount) == report.rowsRead
        {
            let column = header[mapping.index[.time] ?? 0]
            let tod = mapping.index[.timeOfDay].map { " with time of day from '\(header[$0])'" } ?? ""
            throw InputError(
                file: file, line: unread.line, field: column,
                "no row's date could be read (column '\(column)'\(tod); first value \"\(unread.value)\"); "
                    + "give its layout with --time-format, e.g. --time-format '%d.%m.%Y %H:%M'")
        }
        guard kept > 0 else {
            throw InputError(
                file: file,
                "no usable rows: \(report.rowsRead) read, all rejected or excluded\n" + report.text)
        }
        report.rowsKept = kept
        report.timeFormat = preparer.value.timeFormat?.description
        try writer.writeDictionaries(builder.dictionaries)
        let info = WorkspaceInfo(
            source: (file as NSString).lastPathComponent, rowCount: kept, extent: extent,
            projection: projection,
            grid: grid, fingerprint: fingerprint.hex,
            ingestedAt: ISO8601DateFormatter().string(from: Date()),
            timeMin: tmin, timeMax: tmax)
        try writer.commit(info: info, report: report)
        return IngestResult(report: report, info: info, seconds: Date().timeIntervalSince(start))
    }

    /// Rows of the first batch read to classify columns (see `TimeColumns`).
    static let timeSampleRows = 500

    /// Fixes the time (and time-of-day) columns from names and values; errors when there is none.
    static func chooseTimeColumns(
        _ mapping: inout ColumnMapping, batch: CSVBatch, options: IngestOptions, file: String
    ) throws {
        let header = mapping.header
        var samples = [[String]](repeating: [], count: header.count)
        for r in 0..<min(batch.count, timeSampleRows) {
            let rec = batch.record(r)
            guard rec.count == header.count else { continue }
            for c in header.indices { samples[c].append(rec.string(c)) }
        }
        let chosen = TimeColumns.choose(
            header: header, samples: samples, mappedTime: mapping.index[.time],
            mappedTimeOfDay: mapping.index[.timeOfDay], explicitTime: options.mapping[.time] != nil)
        guard let time = chosen.time else {
            throw InputError(
                file: file, line: 1, field: "time",
                "no column holds dates (by name or by value); name it with --map time=COLUMN, or --map date=COLUMN,time_of_day=COLUMN when the time of day has its own column"
            )
        }
        mapping.setTime(time, timeOfDay: chosen.timeOfDay)
    }

    /// Indices of the `n` most recent rows (ties broken by earlier line).
    static func mostRecent(_ t: IncidentTable, _ n: Int) -> [Int] {
        var idx = Array(0..<t.count)
        if idx.count <= n { return idx }
        idx.sort { (t.time[$0], -t.line[$0]) > (t.time[$1], -t.line[$1]) }
        return Array(idx.prefix(n))
    }

    /// Median of the first rows' coordinates ± 0.5°, for data sets without a known extent.
    static func sampleExtent(file: String, mapping: ColumnMapping, delimiter: UInt8) throws
        -> GeoBounds
    {
        let reader = try CSVReader(source: ByteSource(path: file), delimiter: delimiter)
        guard let iLat = mapping.index[.latitude], let iLon = mapping.index[.longitude] else {
            throw InputError(file: file, line: 1, "no coordinate columns")
        }
        let batch = CSVBatch()
        var sample: [(Double, Double)] = []
        var rowsSeen = -1  // the header
        while sample.count < extentSampleRows, try reader.read(into: batch) {
            for r in 0..<batch.count {
                rowsSeen += 1
                guard rowsSeen > 0 else { continue }
                let rec = batch.record(r)
                guard rec.count > max(iLat, iLon), let la = ByteParsing.double(rec.field(iLat)),
                    let lo = ByteParsing.double(rec.field(iLon)), abs(la) <= 90, abs(lo) <= 180,
                    !(la == 0 && lo == 0)
                else { continue }
                sample.append((la, lo))
            }
        }
        guard !sample.isEmpty else {
            throw InputError(
                file: file, field: mapping.header[iLat],
                "no valid coordinates in the first \(max(rowsSeen, 0)) rows; give the extent with --extent minLon,minLat,maxLon,maxLat"
            )
        }
        var lats = sample.map(\.0)
        var lons = sample.map(\.1)
        lats.sort()
        lons.sort()
        let la = lats[lats.count / 2]
        let lo = lons[lons.count / 2]
        return GeoBounds(minLon: lo - 0.5, minLat: la - 0.5, maxLon: lo + 0.5, maxLat: la + 0.5)
    }
}

/// A 64-bit hash of rows' time and coordinate bits (word-wise multiply–xorshift, order-sensitive).
struct Fingerprint {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    @inline(__always)
    mutating func mix(_ v: UInt64) {
        h = (h ^ v) &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 29
    }
    mutating func add(_ t: IncidentTable) {
        for i in 0..<t.count {
            mix(UInt64(bitPattern: t.time[i]))
            mix(t.latitude[i].bitPattern)
            mix(t.longitude[i].bitPattern)
        }
    }
    var hex: String {
        let s = String(h, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
