import Foundation
import Testing

@testable import PatrolIQCore

@Suite struct IngestTests {
    let dir = TempDir()

    /// A Chicago-format row; `date`, `lat` and `lon` vary per test.
    func row(
        id: String, date: String = "03/18/2015 10:45:00 PM", type: String = "BATTERY",
        fbi: String = "08B",
        arrest: String = "false", lat: String = "41.833031236", lon: String = "-87.665624176",
        district: String = "009"
    ) -> String {
        "\(id),JA\(id),\(date),033XX S ASHLAND AVE,0486,\(type),DOMESTIC BATTERY SIMPLE,\"SCHOOL, PUBLIC, BUILDING\",\(arrest),true,0912,\(district),11,59,\(fbi),1166216,1882454,2015,03/08/2025 03:41:07 PM,\(lat),\(lon),\"(\(lat), \(lon))\""
    }

    @Test func featuresOfAHandCheckedRow() throws {
        let p = dir.write("one.csv", chicagoHeader + "\n" + row(id: "100", arrest: "true") + "\n")
        let ws = dir.file("ws.sqlite")
        let r = try Ingest.run(file: p, workspace: ws)
        #expect(r.report.rowsRead == 1 && r.report.rowsKept == 1)
        let w = try Workspace(path: ws)
        let t = try w.incidents()
        let d = try w.dictionaries()
        #expect(t.count == 1)
        #expect(t.id[0] == "100" && t.caseNumber[0] == "JA100")
        #expect(
            t.hour[0] == 22 && t.weekday[0] == 2 && t.month[0] == 3 && t.weekend[0] == 0
                && t.season[0] == 1)
        #expect(t.severity[0] == 4)
        #expect(t.arrest[0] == 1 && t.domestic[0] == 1)
        #expect(t.district[0] == 9 && t.beat[0] == 912 && t.ward[0] == 11 && t.communityArea[0] == 59)
        #expect(d.type[Int(t.type[0])] == "BATTERY")
        #expect(d.locationDescription[Int(t.locationDescription[0])] == "SCHOOL, PUBLIC, BUILDING")
        #expect(t.latitude[0] == 41.833031236 && t.longitude[0] == -87.665624176)
        let proj = r.info.projection
        let xy = proj.project(lon: -87.665624176, lat: 41.833031236)
        #expect(t.x[0] == xy.x && t.y[0] == xy.y)
        #expect(t.cell[0] == r.info.grid.cell(xy))
        #expect(t.line[0] == 2)
        #expect(r.info.projection.originLat == 41.85)
    }

    @Test func columnsLoadWholeAsTheyWereStoredChunkByChunk() throws {
        // Two chunks and a part: every column, and any subset, as decoding chunk by chunk gives it.
        let p = dir.write("g.csv", bytes: DemoGenerator(rows: 2 * Workspace.chunkRows + 6000, seed: 3).bytes())
        let ws = dir.file("chunks.sqlite")
        _ = try Ingest.run(file: p, workspace: ws)
        let w = try Workspace(path: ws)
        var reference = IncidentTable()
        let s = try w.db.prepare("SELECT name, data FROM incident_chunks ORDER BY chunk, name")
        while try s.step() { IncidentColumnCodec.decode(s.string(0), s, column: 1, into: &reference) }
        let t = try w.incidents()
        #expect(reference.count > 2 * Workspace.chunkRows && t.count == reference.count)
        #expect(t.latitude == reference.latitude && t.longitude == reference.longitude && t.time == reference.time)
        #expect(t.type == reference.type && t.hour == reference.hour && t.arrest == reference.arrest)
        #expect(t.line == reference.line && t.cell == reference.cell && t.x == reference.x)
        #expect(t.id.count == reference.id.count && t.id[t.count - 1] == reference.id[t.count - 1])
        let some = try w.incidents(columns: ["latitude", "hour"])
        #expect(some.latitude == reference.latitude && some.hour == reference.hour)
        #expect(some.type.isEmpty && some.longitude.isEmpty && some.id.count == 0)
        // A destination of another size than the BLOB is an error, not a short or overlong copy.
        let rowid = try w.db.prepare("SELECT rowid, length(data) FROM incident_chunks WHERE name = 'hour' LIMIT 1")
        #expect(try rowid.step())
        let reader = SQLiteBlobReader(w.db, table: "incident_chunks", column: "data")
        var buffer = [UInt8](repeating: 0, count: rowid.int(1) - 1)
        #expect(throws: SQLiteError.self) {
            try buffer.withUnsafeMutableBytes { try reader.read(rowid: rowid.int64(0), into: $0) }
        }
    }

    @Test func qualityReportCountsAndLineNumbers() throws {
        let lines = [
            chicagoHeader,
            row(id: "1"),  // line 2: kept
            row(id: "2", lat: "", lon: ""),  // 3: missing coordinates
            row(id: "3", lat: "N/A"),  // 4: unparsable coordinates
            row(id: "4", lat: "36.619446", lon: "-91.686566"),  // 5: outside extent
            row(id: "5", date: "13/45/2024 25:00:00 PM"),  // 6: unparsable date
            row(id: "6", date: ""),  // 7: missing date
            row(id: "1"),  // 8: duplicate ID
            "7,JA7,03/18/2015 10:45:00 PM,short row",  // 9: wrong field count
            row(id: "8", lat: "0", lon: "0"),  // 10: (0, 0): place unknown
            row(id: "9"),  // 11: kept
        ]
        let p = dir.write("bad.csv", lines.joined(separator: "\n") + "\n")
        let r = try Ingest.run(file: p, workspace: dir.file("ws.sqlite"))
        let q = r.report
        #expect(q.rowsRead == 10 && q.rowsKept == 2 && q.rowsRejected == 8)
        #expect(q.rejected["missing_coordinates"]?.firstLines == [3])
        #expect(q.rejected["unparsable_coordinates"]?.firstLines == [4])
        #expect(q.rejected["outside_extent"]?.firstLines == [5])
        #expect(q.rejected["zero_coordinates"]?.firstLines == [10])
        #expect(q.rejected["unparsable_date"]?.firstLines == [6])
        #expect(q.rejected["missing_date"]?.firstLines == [7])
        #expect(q.rejected["duplicate_id"]?.firstLines == [8])
        #expect(q.rejected["wrong_field_count"]?.firstLines == [9])
        #expect(q.rowsRead == q.rowsKept + q.rowsRejected + q.rowsExcluded)
        // The report is stored with the workspace.
        #expect(try Workspace(path: dir.file("ws.sqlite")).qualityReport() == q)
    }

    @Test func filtersSinceUntilTypesAndRecent() throws {
        var lines = [chicagoHeader]
        for i in 1...30 {
            let day = String(format: "%02d", i)
            lines.append(
                row(id: "\(i)", date: "04/\(day)/2024 01:00:00 PM", type: i % 3 == 0 ? "THEFT" : "BATTERY"))
        }
        let p = dir.write("f.csv", lines.joined(separator: "\n"))
        var o = IngestOptions()
        o.since = TimestampFormat.isoDate.parse("2024-04-05")
        o.until = TimestampFormat.isoDate.parse("2024-04-25")
        o.types = ["THEFT"]
        let r = try Ingest.run(file: p, workspace: dir.file("a.sqlite"), options: o)
        #expect(r.report.count(.beforeSince) == 4)
        #expect(r.report.count(.afterUntil) == 6)
        // Days 5…24 hold 20 rows, of which days 6, 9, …, 24 (7) are thefts.
        #expect(r.report.count(.typeNotSelected) == 13)
        #expect(r.report.rowsKept == 7)

        var o2 = IngestOptions()
        o2.recent = 5
        let r2 = try Ingest.run(file: p, workspace: dir.file("b.sqlite"), options: o2)
        #expect(r2.report.rowsKept == 5 && r2.report.count(.notRecent) == 25)
        let t = try Workspace(path: dir.file("b.sqlite")).incidents()
        #expect(t.id.count == 5 && (0..<5).map { t.id[$0] } == ["26", "27", "28", "29", "30"])
    }

    @Test func columnMappingOnANonChicagoHeader() throws {
        let csv = """
            INCIDENT_ID,OFFENSE_ID,OFFENSE_CATEGORY_ID,FIRST_OCCURRENCE_DATE,GEO_LON,GEO_LAT,DISTRICT_ID
            1,10,larceny,1/7/2014 2:00:00 AM,-104.99,39.74,6
            2,11,aggravated-assault,6/18/2019 11:30:00 PM,-105.01,39.70,3
            3,12,larceny,6/18/2019 11:30:00 PM,,,3
            4,13,larceny,6/18/2019 11:30:00 PM,-87.6,41.8,3

            """
        let p = dir.write("denver.csv", csv)
        var o = IngestOptions()
        o.mapping = try ColumnMapping.parse(
            "latitude=GEO_LAT,longitude=GEO_LON,time=FIRST_OCCURRENCE_DATE,type=OFFENSE_CATEGORY_ID,id=OFFENSE_ID",
            file: p)
        let r = try Ingest.run(file: p, workspace: dir.file("d.sqlite"), options: o)
        #expect(r.report.schema == "mapped")
        #expect(r.report.rowsKept == 2)
        #expect(r.report.count(.missingCoordinates) == 1)
        #expect(r.report.count(.outsideExtent) == 1)
        let w = try Workspace(path: dir.file("d.sqlite"))
        let t = try w.incidents()
        let d = try w.dictionaries()
        #expect(t.hour[0] == 2 && t.hour[1] == 23)
        #expect(t.district[0] == 6)
        #expect(d.type == ["larceny", "aggravated-assault"])
        #expect(t.severity[1] == 8)
        #expect(t.id[0] == "10")
    }

    @Test func badMappingsAndHeadersNameTheFileLineAndField() throws {
        let p = dir.write("x.csv", "A,B,C\n1,2,3\n")
        #expect(
            throws: InputError(
                file: p, line: 1, field: "latitude",
                "no latitude column in the header; name it with --map latitude=COLUMN")
        ) {
            try Ingest.run(file: p, workspace: dir.file("x.sqlite"))
        }
        let map = try ColumnMapping.parse("latitude=Lat,longitude=B,time=C", file: p)
        #expect(
            throws: InputError(
                file: p, line: 1, field: "Lat", "--map latitude=Lat: no such column in the header")
        ) {
            try Ingest.run(
                file: p, workspace: dir.file("x.sqlite"),
                options: {
                    var o = IngestOptions()
                    o.mapping = map
                    return o
                }())
        }
        #expect(throws: InputError.self) { try ColumnMapping.parse("colour=Lat", file: p) }
        #expect(throws: InputError.self) { try ColumnMapping.parse("latitude", file: p) }
        let empty = dir.write("empty.csv", "")
        #expect(throws: InputError(file: empty, line: 1, "empty file: no header row")) {
            try Ingest.run(file: empty, workspace: dir.file("x.sqlite"))
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("x.sqlite")))
    }

    @Test func failedIngestLeavesThePreviousWorkspace() throws {
        let good = dir.write(
            "good.csv", chicagoHeader + "\n" + row(id: "1") + "\n" + row(id: "2") + "\n")
        let ws = dir.file("ws.sqlite")
        _ = try Ingest.run(file: good, workspace: ws)
        let before = try Data(contentsOf: URL(fileURLWithPath: ws))
        // Every row rejected: an error, and the old workspace stays.
        let bad = dir.write("bad.csv", chicagoHeader + "\n" + row(id: "1", lat: "", lon: "") + "\n")
        #expect(throws: InputError.self) { try Ingest.run(file: bad, workspace: ws) }
        let unterminated = dir.write("u.csv", chicagoHeader + "\n" + row(id: "1") + "\n5,\"open\n")
        #expect(throws: InputError.self) { try Ingest.run(file: unterminated, workspace: ws) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: ws)) == before)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter {
            $0.contains(".tmp-")
        }
        #expect(leftovers.isEmpty)
        #expect(try Workspace(path: ws).info().rowCount == 2)
    }

    @Test func replacedWorkspaceIsKeptAsPreviousUntilTheNextIngest() throws {
        let ws = dir.file("gen.sqlite")
        let previous = Workspace.previousPath(of: ws)
        var sizes: [Int] = []
        for n in 1...3 {
            let f = dir.write(
                "gen\(n).csv", chicagoHeader + "\n" + (1...n).map { row(id: "\($0)") }.joined(separator: "\n") + "\n")
            _ = try Ingest.run(file: f, workspace: ws)
            sizes.append(try Workspace(path: ws).info().rowCount)
            if n == 1 {
                #expect(!FileManager.default.fileExists(atPath: previous))
            } else {
                // The workspace the ingest replaced, whole: the one before it is gone.
                #expect(try Workspace(path: previous).info().rowCount == n - 1)
            }
        }
        #expect(sizes == [1, 2, 3])
        var o = IngestOptions()
        o.keepPrevious = false
        _ = try Ingest.run(file: dir.file("gen1.csv"), workspace: ws, options: o)
        #expect(try Workspace(path: ws).info().rowCount == 1)
        #expect(try Workspace(path: previous).info().rowCount == 2)  // untouched without keepPrevious
    }
}
