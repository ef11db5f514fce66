import Foundation

/// One `ingest --append`: what it added and changed, and where (for `tiles --update`).
public struct AppendRecord: Codable, Sendable, Equatable {
    public var file: String
    public var appendedAt: String
    public var fingerprintBefore: String
    public var fingerprintAfter: String
    /// Rows of the workspace before; the new incidents are rows `rowsBefore..<rowsBefore + added`.
    public var rowsBefore: Int
    public var rowsRead: Int
    public var rejected: Int
    public var added: Int
    /// Rows whose ID was already in the workspace, with other content: replaced in place.
    public var updated: Int
    /// Rows whose ID was already there with the same content: nothing to do.
    public var unchanged: Int
    /// Longitude, latitude, type code, hour and weekend (0/1) of every incident whose place in the
    /// density changed — new incidents, and both the old and the new version of updated ones — so
    /// `tiles --update` redoes only the layers each belongs to (older logs hold the place alone).
    public var changed: [[Double]]

    enum CodingKeys: String, CodingKey {
        case file, rejected, added, updated, unchanged, changed
        case appendedAt = "appended_at"
        case fingerprintBefore = "fingerprint_before"
        case fingerprintAfter = "fingerprint_after"
        case rowsBefore = "rows_before"
        case rowsRead = "rows_read"
    }
}

/// The result of `Ingest.append`.
public struct AppendResult: Sendable {
    /// The appended file's own quality report (its line numbers).
    public var report: QualityReport
    public var record: AppendRecord
    public var info: WorkspaceInfo
    public var seconds: Double
}

extension Ingest {
    /// Appends records kept by this many appends, for `tiles --update`; older stores are re-rendered.
    public static let appendLogLength = 60

    /// Adds a day's file to an existing workspace: new IDs become new rows at the end (in file order),
    /// IDs already present replace their row where the content differs. All of it or nothing: one
    /// SQLite transaction (a copy renamed over the workspace, as ingest writes, would cost a flush of the
    /// whole 1.2 GB file at 8 M rows; the transaction writes a few chunks).
    ///
    /// The file is read exactly as `run` reads it (same checks, features, mapping options), with the
    /// workspace's extent, projection and grid, so its rows are the rows a full ingest would make.
    /// Only the chunks holding updated rows and the last (partial) chunk are rewritten.
    public static func append(
        file: String, workspace path: String, options: IngestOptions = IngestOptions(),
        progress: IngestProgress? = nil
    ) throws -> AppendResult {
        let start = Date()
        let w = try Workspace(path: path, readOnly: false)
        let info = try w.info()
        var o = options
        o.extent = try w.qualityReport()?.extent ?? info.extent
        o.cellSize = info.grid.cellSize
        o.keepPrevious = false
        o.recent = nil
        // The day's rows, read by the ordinary ingest into a scratch workspace.
        let scratch = TemporaryFile.beside(path) + "-append"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let day = try run(file: file, workspace: scratch, options: o, progress: progress)
        guard day.info.projection == info.projection, day.info.grid == info.grid else {
            throw InputError(file: file, "cannot append: the file's extent differs from the workspace's")
        }
        let dayWorkspace = try Workspace(path: scratch)
        var new = try dayWorkspace.incidents()
        var dictionaries = try w.dictionaries()
        let added = remap(&new, from: try dayWorkspace.dictionaries(), into: &dictionaries)

        // Which IDs are already present, and where: one pass over the ID column.
        let existing = try w.rowsOf(ids: new.id)
        // The last row of each ID in the day's file is the one that counts.
        var lastRow: [ArraySlice<UInt8>: Int] = [:]
        for j in 0..<new.count { lastRow[new.id.slice(j)] = j }
        let kept = Set(lastRow.values)
        var appendRows: [Int] = []
        var replace: [Int: Int] = [:]  // workspace row → new row
        var unchanged = 0
        let old = try w.rows(Array(Set(existing.values)).sorted())
        for j in 0..<new.count where kept.contains(j) {
            guard let g = existing[j] else {
                appendRows.append(j)
                continue
            }
            if let k = old.index[g], old.table.sameContent(k, as: new, j) { unchanged += 1 } else { replace[g] = j }
        }
        func entry(_ t: IncidentTable, _ i: Int) -> [Double] {
            [t.longitude[i], t.latitude[i], Double(t.type[i]), Double(t.hour[i]), Double(t.weekend[i])]
        }
        var changed: [[Double]] = appendRows.map { entry(new, $0) }
        for (g, j) in replace.sorted(by: { $0.key < $1.key }) {
            if let k = old.index[g] { changed.append(entry(old.table, k)) }
            changed.append(entry(new, j))
        }

        var fingerprint = Fingerprint(hex: info.fingerprint)
        fingerprint.add(new.select(appendRows))
        fingerprint.add(new.select(replace.keys.sorted().compactMap { replace[$0] }))
        let toAppend = new.select(appendRows)
        var newInfo = info
        newInfo.rowCount = info.rowCount + appendRows.count
        newInfo.fingerprint = fingerprint.hex
        if let a = toAppend.time.min() { newInfo.timeMin = min(info.timeMin, a) }
        if let b = toAppend.time.max() { newInfo.timeMax = max(info.timeMax, b) }
        for j in replace.values {
            newInfo.timeMin = min(newInfo.timeMin, new.time[j])
            newInfo.timeMax = max(newInfo.timeMax, new.time[j])
        }
        let record = AppendRecord(
            file: (file as NSString).lastPathComponent, appendedAt: ISO8601DateFormatter().string(from: Date()),
            fingerprintBefore: info.fingerprint, fingerprintAfter: newInfo.fingerprint, rowsBefore: info.rowCount,
            rowsRead: day.report.rowsRead, rejected: day.report.rowsRejected, added: appendRows.count,
            updated: replace.count, unchanged: unchanged, changed: changed)

        // One transaction in place: only the chunks holding updated rows and the last chunk are written,
        // and SQLite's journal undoes a killed append (see `Workspace.init`, which lets readers heal it).
        try w.db.execute("BEGIN IMMEDIATE")
        do {
            try w.addDictionaryEntries(added)
            try w.replaceRows(replace, from: new)
            try w.appendRows(toAppend)
            var log = try w.appendLog()
            log.append(record)
            try w.setAppendLog(Array(log.suffix(appendLogLength)))
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            try w.setMeta("info", String(decoding: try enc.encode(newInfo), as: UTF8.self))
            try w.db.execute("COMMIT")
        } catch {
            try? w.db.execute("ROLLBACK")
            throw error
        }
        return AppendResult(report: day.report, record: record, info: newInfo, seconds: Date().timeIntervalSince(start))
    }

    /// Recodes `t`'s dictionary columns from `from` into `into`, extending it; returns the entries added
    /// as (dictionary name, code, value).
    static func remap(_ t: inout IncidentTable, from: IncidentDictionaries, into: inout IncidentDictionaries)
        -> [(String, Int, String)]
    {
        var added: [(String, Int, String)] = []
        func recode(_ codes: inout [Int32], _ source: [String], _ target: inout [String], _ name: String) {
            var index: [String: Int32] = [:]
            for (i, v) in target.enumerated() where index[v] == nil { index[v] = Int32(i) }
            var map = [Int32](repeating: -1, count: source.count)
            for (i, v) in source.enumerated() {
                if let c = index[v] {
                    map[i] = c
                } else {
                    let c = Int32(target.count)
                    target.append(v)
                    index[v] = c
                    added.append((name, Int(c), v))
                    map[i] = c
                }
            }
            for k in codes.indices where codes[k] >= 0 && Int(codes[k]) < map.count { codes[k] = map[Int(codes[k])] }
        }
        recode(&t.block, from.block, &into.block, "block")
        recode(&t.iucr, from.iucr, &into.iucr, "iucr")
        recode(&t.type, from.type, &into.type, "type")
        recode(&t.description, from.description, &into.description, "description")
        recode(&t.locationDescription, from.locationDescription, &into.locationDescription, "location_description")
        recode(&t.fbiCode, from.fbiCode, &into.fbiCode, "fbi_code")
        return added
    }
}

extension StringColumn {
    /// The bytes of row `i`.
    func slice(_ i: Int) -> ArraySlice<UInt8> { bytes[Int(offsets[i])..<Int(offsets[i + 1])] }
}

extension IncidentTable {
    /// Row `i` equals row `j` of `o` in every stored column but the source line.
    func sameContent(_ i: Int, as o: IncidentTable, _ j: Int) -> Bool {
        id.slice(i) == o.id.slice(j) && caseNumber.slice(i) == o.caseNumber.slice(j) && time[i] == o.time[j]
            && block[i] == o.block[j] && iucr[i] == o.iucr[j] && type[i] == o.type[j]
            && description[i] == o.description[j] && locationDescription[i] == o.locationDescription[j]
            && fbiCode[i] == o.fbiCode[j] && arrest[i] == o.arrest[j] && domestic[i] == o.domestic[j]
            && beat[i] == o.beat[j] && district[i] == o.district[j] && ward[i] == o.ward[j]
            && communityArea[i] == o.communityArea[j] && latitude[i] == o.latitude[j]
            && longitude[i] == o.longitude[j]
    }
}

extension Fingerprint {
    init(hex: String) {
        self.init()
        if let v = UInt64(hex, radix: 16) { h = v }
    }
}

extension Workspace {
    /// The appends since the workspace was ingested (the last `Ingest.appendLogLength`).
    public func appendLog() throws -> [AppendRecord] {
        guard let j = try meta("appends") else { return [] }
        return (try? JSONDecoder().decode([AppendRecord].self, from: Data(j.utf8))) ?? []
    }

    func setAppendLog(_ log: [AppendRecord]) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        try setMeta("appends", String(decoding: try enc.encode(log), as: UTF8.self))
    }

    /// (rows, first row) of every chunk, in order.
    func chunks() throws -> [(chunk: Int, rows: Int, first: Int)] {
        let s = try db.prepare("SELECT chunk, rows FROM incident_chunks WHERE name = 'time' ORDER BY chunk")
        var out: [(Int, Int, Int)] = []
        var first = 0
        while try s.step() {
            out.append((s.int(0), s.int(1), first))
            first += s.int(1)
        }
        return out
    }

    /// Every column of one chunk.
    func chunk(_ c: Int) throws -> IncidentTable {
        var t = IncidentTable()
        let s = try db.prepare("SELECT name, data FROM incident_chunks WHERE chunk = ? ORDER BY name")
        try s.bind(1, c)
        while try s.step() { IncidentColumnCodec.decode(s.string(0), s, column: 1, into: &t) }
        return t
    }

    func writeChunk(_ c: Int, _ t: IncidentTable) throws {
        let d = try db.prepare("DELETE FROM incident_chunks WHERE chunk = ?")
        try d.bind(1, c)
        try d.step()
        let insert = try db.prepare("INSERT INTO incident_chunks(chunk, name, rows, data) VALUES(?,?,?,?)")
        try IncidentColumnCodec.encode(t) { name, bytes in
            try insert.bind(1, c)
            try insert.bind(2, name)
            try insert.bind(3, t.count)
            try insert.bind(4, blob: bytes)
            try insert.step()
            insert.reset()
        }
    }

    /// For each row of `ids` whose ID the workspace holds: its row (the last one, if repeated).
    func rowsOf(ids: StringColumn) throws -> [Int: Int] {
        let n = ids.offsets.count - 1
        guard n > 0 else { return [:] }
        // The day's IDs interned (a byte hash, no `Hashable` slice per row): the scan over every
        // workspace ID is one cheap lookup each, a fifth of what a dictionary of slices cost on 8 M.
        var wanted = ByteDictionary(capacity: max(16, 2 * n))
        var rowsOfCode: [[Int]] = []
        ids.bytes.withUnsafeBufferPointer { b in
            for j in 0..<n {
                let (code, isNew) = wanted.intern(
                    UnsafeBufferPointer(rebasing: b[Int(ids.offsets[j])..<Int(ids.offsets[j + 1])]))
                if isNew { rowsOfCode.append([]) }
                rowsOfCode[Int(code)].append(j)
            }
        }
        var out: [Int: Int] = [:]
        let all = try incidents(columns: ["id"]).id
        all.bytes.withUnsafeBufferPointer { b in
            all.offsets.withUnsafeBufferPointer { o in
                for g in 0..<(o.count - 1) {
                    guard let code = wanted.lookup(UnsafeBufferPointer(rebasing: b[Int(o[g])..<Int(o[g + 1])])) else {
                        continue
                    }
                    for j in rowsOfCode[Int(code)] { out[j] = g }
                }
            }
        }
        return out
    }

    /// The rows `rows` (sorted) with every column, and where each landed.
    func rows(_ rows: [Int]) throws -> (table: IncidentTable, index: [Int: Int]) {
        var out = IncidentTable()
        var index: [Int: Int] = [:]
        guard !rows.isEmpty else { return (out, index) }
        var k = 0
        for c in try chunks() where k < rows.count && rows[k] < c.first + c.rows {
            let t = try chunk(c.chunk)
            var pick: [Int] = []
            while k < rows.count && rows[k] < c.first + c.rows {
                index[rows[k]] = out.count + pick.count
                pick.append(rows[k] - c.first)
                k += 1
            }
            out.append(contentsOf: t.select(pick))
        }
        return (out, index)
    }

    func addDictionaryEntries(_ entries: [(String, Int, String)]) throws {
        let s = try db.prepare("INSERT INTO dictionaries(name, code, value) VALUES(?,?,?)")
        for (name, code, value) in entries {
            try s.bind(1, name)
            try s.bind(2, code)
            try s.bind(3, value)
            try s.step()
            s.reset()
        }
    }

    /// Replaces workspace rows (keys) by rows of `source` (values), chunk by chunk.
    func replaceRows(_ replace: [Int: Int], from source: IncidentTable) throws {
        guard !replace.isEmpty else { return }
        for c in try chunks() {
            let mine = replace.filter { $0.key >= c.first && $0.key < c.first + c.rows }
            guard !mine.isEmpty else { continue }
            var t = try chunk(c.chunk)
            let base = t.count
            let order = mine.keys.sorted()
            t.append(contentsOf: source.select(order.map { mine[$0]! }))
            var pick = Array(0..<base)
            for (k, g) in order.enumerated() { pick[g - c.first] = base + k }
            try writeChunk(c.chunk, t.select(pick))
        }
    }

    /// Adds rows at the end: the last chunk is filled up to `chunkRows`, then new chunks follow.
    func appendRows(_ t: IncidentTable) throws {
        guard t.count > 0 else { return }
        let all = try chunks()
        var next = (all.last?.chunk ?? -1) + 1
        var start = 0
        if let last = all.last, last.rows < Workspace.chunkRows {
            var tail = try chunk(last.chunk)
            let take = min(Workspace.chunkRows - last.rows, t.count)
            tail.append(contentsOf: t.select(Array(0..<take)))
            try writeChunk(last.chunk, tail)
            start = take
        }
        while start < t.count {
            let end = min(start + Workspace.chunkRows, t.count)
            try writeChunk(next, t.select(Array(start..<end)))
            next += 1
            start = end
        }
    }
}
