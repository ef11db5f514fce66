import Foundation
import Testing

@testable import PatrolIQCore

/// A generated history and a day's file: new incidents, re-sent rows with changed content (updates),
/// and re-sent rows as they were.
struct DailyFiles {
    let dir = TempDir()
    let history: String
    let day: String
    /// The final data as one file: the history with the changed rows in place, then the new rows.
    let final: String
    let changedIDs: Set<String>

    init(historyRows: Int = 2400, newRows: Int = 600, changed: Int = 30, resent: Int = 10, seed: UInt64 = 5) throws {
        let text = String(decoding: DemoGenerator(rows: historyRows + newRows, seed: seed).bytes(), as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        let header = lines[0]
        let hist = Array(lines[1...historyRows])
        let new = Array(lines[(historyRows + 1)...])
        func id(_ l: String) -> String { String(l.prefix { $0 != "," }) }
        // The generator repeats some IDs on purpose; changed and re-sent rows are taken among unique ones.
        var count: [String: Int] = [:]
        for l in hist { count[id(l), default: 0] += 1 }
        // Changed: a THEFT becomes a ROBBERY (other content, same ID), spread over the history.
        var changedLines: [Int: String] = [:]
        var ids = Set<String>()
        for (i, l) in hist.enumerated()
        where changedLines.count < changed && i % 7 == 3 && l.contains(",THEFT,") && count[id(l)] == 1 {
            changedLines[i] = l.replacingOccurrences(of: ",THEFT,", with: ",ROBBERY,")
            ids.insert(id(l))
        }
        let resentLines = hist.enumerated().filter {
            $0.offset % 11 == 5 && changedLines[$0.offset] == nil && count[id($0.element)] == 1
        }.prefix(resent).map(\.element)
        history = dir.write("history.csv", ([header] + hist).joined(separator: "\n") + "\n")
        day = dir.write(
            "day.csv",
            ([header] + new + changedLines.keys.sorted().map { changedLines[$0]! } + resentLines).joined(
                separator: "\n")
                + "\n")
        // The final data: an ID already present is replaced where it stands (its last row), others follow.
        var finalHist = hist.indices.map { changedLines[$0] ?? hist[$0] }
        var last: [String: Int] = [:]
        for (i, l) in hist.enumerated() { last[id(l)] = i }
        var appended: [String] = []
        var newIDs: [String: Int] = [:]  // the day's repeated IDs: its last row counts
        for l in new { newIDs[id(l)] = (newIDs[id(l)] ?? 0) + 1 }
        var seen: [String: Int] = [:]
        for l in new {
            seen[id(l), default: 0] += 1
            guard seen[id(l)] == newIDs[id(l)] else { continue }
            if let i = last[id(l)] { finalHist[i] = l } else { appended.append(l) }
        }
        final = dir.write("final.csv", ([header] + finalHist + appended).joined(separator: "\n") + "\n")
        changedIDs = ids
    }
}

/// Columns compared as text (dictionary codes differ between workspaces built in other orders).
func decoded(_ w: Workspace) throws -> [[String]] {
    let t = try w.incidents()
    let d = try w.dictionaries()
    func name(_ dict: [String], _ c: Int32) -> String { c >= 0 && Int(c) < dict.count ? dict[Int(c)] : "" }
    return (0..<t.count).map { i in
        [
            t.id[i], t.caseNumber[i], String(t.time[i]), name(d.block, t.block[i]), name(d.type, t.type[i]),
            name(d.description, t.description[i]), name(d.locationDescription, t.locationDescription[i]),
            String(t.arrest[i]), String(t.latitude[i]), String(t.longitude[i]), String(t.x[i]), String(t.cell[i]),
            String(t.hour[i]), String(t.severity[i]), String(t.district[i]),
        ]
    }
}

@Suite struct AppendTests {
    @Test func appendEqualsIngestingTheFinalFile() throws {
        let f = try DailyFiles()
        let ws = f.dir.file("ws.sqlite")
        _ = try Ingest.run(file: f.history, workspace: ws)
        let before = try Workspace(path: ws).info()
        let r = try Ingest.append(file: f.day, workspace: ws)
        let full = f.dir.file("full.sqlite")
        let fullResult = try Ingest.run(file: f.final, workspace: full)

        // Changed rows that were rejected (no coordinates, …) stay rejected; the day's IDs already in the
        // history are updates too.
        #expect(r.record.updated >= f.changedIDs.count - 3)
        #expect(r.record.unchanged == 10)
        #expect(r.record.added + before.rowCount == fullResult.info.rowCount)
        #expect(r.info.rowCount == fullResult.info.rowCount)
        #expect(r.record.rowsBefore == before.rowCount)
        #expect(r.record.changed.count == r.record.added + 2 * r.record.updated)
        #expect(r.record.changed.allSatisfy { $0.count == 5 })
        #expect(try decoded(Workspace(path: ws)) == decoded(Workspace(path: full)))
        let w = try Workspace(path: ws)
        #expect(try w.info().fingerprint != before.fingerprint)
        #expect(try w.appendLog().map(\.fingerprintAfter) == [r.info.fingerprint])
        #expect(try w.info().timeMax == fullResult.info.timeMax)
        #expect(try w.info().projection == before.projection)

        // The same day again: nothing new, nothing changed.
        let again = try Ingest.append(file: f.day, workspace: ws)
        #expect(again.record.added == 0 && again.record.updated == 0)
        #expect(again.info.rowCount == r.info.rowCount)
        #expect(try decoded(Workspace(path: ws)) == decoded(Workspace(path: full)))
    }

    @Test func aFailedAppendLeavesTheWorkspaceAsItWas() throws {
        let f = try DailyFiles(historyRows: 500, newRows: 100)
        let ws = f.dir.file("ws.sqlite")
        _ = try Ingest.run(file: f.history, workspace: ws)
        let before = try decoded(Workspace(path: ws))
        let bad = f.dir.write("bad.csv", "ID,Date\n1,yesterday\n")
        #expect(throws: InputError.self) { try Ingest.append(file: bad, workspace: ws) }
        #expect(throws: InputError.self) { try Ingest.append(file: f.day, workspace: f.dir.file("none.sqlite")) }
        #expect(try decoded(Workspace(path: ws)) == before)
        #expect(try Workspace(path: ws).appendLog().isEmpty)
    }

    /// Stores after `tiles --update` hold exactly the tiles and metadata of a full render of the same data.
    @Test(arguments: [(600, 30), (3, 1)])
    func tileUpdateEqualsAFullRender(newRows: Int, changed: Int) throws {
        let f = try DailyFiles(historyRows: 3000, newRows: newRows, changed: changed)
        let ws = f.dir.file("ws.sqlite")
        _ = try Ingest.run(file: f.history, workspace: ws)
        var o = TileOptions()
        o.minZoom = 10
        o.maxZoom = 14
        func render(_ path: String) throws -> (TileSummary, WorkspaceInfo) {
            let w = try Workspace(path: ws)
            let t = try w.incidents(columns: ["latitude", "longitude"])
            let info = try w.info()
            let s = try TileRenderer.render(
                layer: .all, lon: t.longitude, lat: t.latitude, centerLat: info.projection.originLat,
                bounds: bounds(t), to: path, options: o, description: "d", sourceFingerprint: info.fingerprint)
            return (s, info)
        }
        let updated = f.dir.file("updated.mbtiles")
        let (first, _) = try render(updated)
        _ = try Ingest.append(file: f.day, workspace: ws)
        let w = try Workspace(path: ws)
        let info = try w.info()
        let meta = try MBTilesReader(path: updated).metadata()
        let legend = try JSONDecoder().decode(TileLegend.Metadata.self, from: Data(meta["json"]!.utf8)).patroliq
        let changes = try #require(
            TileUpdate.changes(since: legend.sourceFingerprint!, log: w.appendLog(), current: info.fingerprint))
        #expect(!changes.isEmpty)
        let t = try w.incidents(columns: ["latitude", "longitude"])
        let s = try TileUpdate.update(
            path: updated, legend: legend, layer: .all, lon: t.longitude, lat: t.latitude,
            centerLat: info.projection.originLat, bounds: bounds(t), options: o, description: "d",
            sourceFingerprint: info.fingerprint, changed: changes)
        let (full, _) = try render(f.dir.file("full.mbtiles"))
        #expect(try tiles(updated) == tiles(f.dir.file("full.mbtiles")))
        #expect(
            try MBTilesReader(path: updated).metadata() == MBTilesReader(path: f.dir.file("full.mbtiles")).metadata())
        if newRows < 10 {
            // A handful of incidents: the caps stay on their steps at most zooms and few tiles are redone.
            #expect(s.recoloured.count < 5)
            #expect(s.rendered < first.tiles)
        }
        #expect(full.tiles > 0)
        // Up to date now: nothing changed since.
        #expect(TileUpdate.changes(since: info.fingerprint, log: try w.appendLog(), current: info.fingerprint) == [])
        #expect(TileUpdate.changes(since: "0123456789abcdef", log: try w.appendLog(), current: info.fingerprint) == nil)
    }

    func bounds(_ t: IncidentTable) -> GeoBounds {
        GeoBounds(
            minLon: t.longitude.min()!, minLat: t.latitude.min()!, maxLon: t.longitude.max()!,
            maxLat: t.latitude.max()!)
    }

    func tiles(_ path: String) throws -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        try MBTilesReader(path: path).forEach { z, x, y, d in out["\(z)/\(x)/\(y)"] = d }
        return out
    }

    /// A layer redoes only the tiles its own changed incidents reach; with none, only its metadata.
    @Test func layersRedoOnlyWhatTheirIncidentsTouch() throws {
        let f = try DailyFiles(historyRows: 3000, newRows: 40, changed: 0)
        let ws = f.dir.file("ws.sqlite")
        _ = try Ingest.run(file: f.history, workspace: ws)
        _ = try Ingest.append(file: f.day, workspace: ws)
        let w = try Workspace(path: ws)
        let names = try w.dictionaries().type
        let changed = try w.appendLog().last!.changed
        let theft = Int32(names.firstIndex(of: "THEFT")!)
        let touched = TileLayer.type("THEFT").touched(by: changed, typeCode: theft)
        #expect(touched.count == changed.filter { Int32($0[2]) == theft }.count)
        #expect(touched.count < changed.count)
        #expect(TileLayer.all.touched(by: changed, typeCode: nil).count == changed.count)
        #expect(TileLayer.weekend.touched(by: changed, typeCode: nil).allSatisfy { $0[4] == 1 })
        // Places alone (older logs) touch every layer.
        #expect(TileLayer.weekend.touched(by: [[-87.6, 41.8]], typeCode: nil).count == 1)
        // A layer none of whose incidents changed keeps its tiles; only the metadata is new.
        let t = try w.incidents(columns: ["latitude", "longitude", "type"])
        let info = try w.info()
        var o = TileOptions()
        o.minZoom = 10
        o.maxZoom = 12
        // A type with incidents in the history and none among the day's.
        let quiet = try #require(
            names.indices.map(Int32.init).first { code in
                t.type.filter { $0 == code }.count > 1
                    && TileLayer.type(names[Int(code)]).touched(by: changed, typeCode: code).isEmpty
            })
        let layer = TileLayer.type(names[Int(quiet)])
        let keep = (0..<t.count).filter { t.type[$0] == quiet }
        let lon = keep.map { t.longitude[$0] }
        let lat = keep.map { t.latitude[$0] }
        let b = GeoBounds(minLon: lon.min()!, minLat: lat.min()!, maxLon: lon.max()!, maxLat: lat.max()!)
        let path = f.dir.file("quiet.mbtiles")
        _ = try TileRenderer.render(
            layer: layer, lon: lon, lat: lat, centerLat: info.projection.originLat, bounds: b, to: path,
            options: o, description: "d", sourceFingerprint: "0000000000000001")
        let before = try tiles(path)
        let legend = try JSONDecoder().decode(
            TileLegend.Metadata.self, from: Data(MBTilesReader(path: path).metadata()["json"]!.utf8)
        ).patroliq
        let s = try TileUpdate.update(
            path: path, legend: legend, layer: layer, lon: lon, lat: lat,
            centerLat: info.projection.originLat, bounds: b, options: o, description: "d",
            sourceFingerprint: info.fingerprint, changed: [])
        #expect(s.rendered == 0)
        #expect(try tiles(path) == before)
        let full = f.dir.file("quiet-full.mbtiles")
        _ = try TileRenderer.render(
            layer: layer, lon: lon, lat: lat, centerLat: info.projection.originLat, bounds: b, to: full,
            options: o, description: "d", sourceFingerprint: info.fingerprint)
        #expect(try MBTilesReader(path: path).metadata() == MBTilesReader(path: full).metadata())
    }

    @Test func layerNamesReadBack() {
        let types = ["THEFT", "CRIMINAL DAMAGE", "BATTERY"]
        for l: TileLayer in [
            .all, .weekend, .pattern(2), .type("CRIMINAL DAMAGE"), .hours(name: "night", from: 22, to: 6),
            TileLayer(parsing: "hours:7-9")!,
        ] {
            #expect(TileLayer(name: l.name, types: types) == l, "\(l.name)")
        }
        #expect(TileLayer(name: "type-arson", types: types) == nil)
    }
}

@Suite struct WarmStartTests {
    /// From a converged run's centres, Lloyd stays where it is: same labels and inertia, at once.
    @Test func startingFromConvergedCentresKeepsTheFit() {
        var rng = SeededRandom(seed: 3)
        var data: [Double] = []
        for c in 0..<6 {
            for _ in 0..<4000 {
                data.append(Double(c % 3) * 1000 + rng.gaussian() * 120)
                data.append(Double(c / 3) * 1000 + rng.gaussian() * 120)
            }
        }
        let x = Matrix(rows: data.count / 2, cols: 2, data: data)
        let cold = KMeans(k: 6, restarts: 10, seed: 1).fit(x)
        var warm = KMeans(k: 6, restarts: 10, seed: 1)
        warm.initial = (0..<6).map { Array(cold.centers.data[($0 * 2)..<($0 * 2 + 2)]) }
        let w = warm.fit(x)
        #expect(w.labels == cold.labels)
        #expect(abs(w.inertia - cold.inertia) <= 1e-9 * cold.inertia)
        #expect(w.iterations <= 2)
        // Centres of the wrong shape are ignored: the ordinary restarts run.
        var bad = KMeans(k: 6, restarts: 10, seed: 1)
        bad.initial = [[0, 0]]
        #expect(bad.fit(x).labels == cold.labels)
    }
}

@Suite struct HotJournalTests {
    /// A workspace and its journal as a kill in the middle of an append leaves them: a read-only open
    /// (what the server does) heals it and reads the incidents from before the append.
    @Test func aReadOnlyOpenHealsAJournalAKilledAppendLeft() throws {
        let f = try DailyFiles(historyRows: 3000, newRows: 10)
        let ws = f.dir.file("ws.sqlite")
        _ = try Ingest.run(file: f.history, workspace: ws)
        let before = try decoded(Workspace(path: ws))
        let a = try SQLiteDatabase(path: ws)
        // A tiny page cache makes SQLite write changed pages into the file before the commit.
        try a.execute("PRAGMA cache_size = 1; BEGIN IMMEDIATE; DELETE FROM incident_chunks;")
        let dead = f.dir.file("dead.sqlite")
        try FileManager.default.copyItem(atPath: ws, toPath: dead)
        try FileManager.default.copyItem(atPath: ws + "-journal", toPath: dead + "-journal")
        try a.execute("ROLLBACK")
        #expect(FileManager.default.fileExists(atPath: dead + "-journal"))
        #expect(try decoded(Workspace(path: dead)) == before)
        #expect(!FileManager.default.fileExists(atPath: dead + "-journal"))
    }
}
