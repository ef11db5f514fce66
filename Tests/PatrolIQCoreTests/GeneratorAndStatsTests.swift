import Foundation
import Testing

@testable import PatrolIQCore

@Suite struct GeneratorAndStatsTests {
    let dir = TempDir()

    @Test func generatorIsDeterministic() throws {
        let a = DemoGenerator(rows: 3000, seed: 7).bytes()
        let b = DemoGenerator(rows: 3000, seed: 7).bytes()
        let c = DemoGenerator(rows: 3000, seed: 8).bytes()
        #expect(a == b)
        #expect(a != c)
        let p = dir.file("g.csv")
        try DemoGenerator(rows: 3000, seed: 7).write(to: p)
        #expect(try Array(Data(contentsOf: URL(fileURLWithPath: p))) == a)
    }

    @Test func generatorWritesThePortalFormat() throws {
        let p = dir.write("g.csv", bytes: DemoGenerator(rows: 5000, seed: 1).bytes())
        let rows = try readCSV(p)
        #expect(rows[0].joined(separator: ",") == chicagoHeader)
        let full = rows.dropFirst().filter { $0.count == 22 }
        #expect(full.count > 4950)
        let dated = full.filter { TimestampFormat.chicago.parse($0[2]) != nil }
        #expect(dated.count > 4950)
        let located = full.filter { !$0[19].isEmpty }
        #expect(Double(located.count) / Double(full.count) > 0.97)
        for r in located.prefix(200) where r[19] != "N/A" {
            #expect(r[21] == "(\(r[19]), \(r[20]))")
            #expect(r[8] == "true" || r[8] == "false")
        }
        #expect(Set(full.map { $0[5] }).count >= 25)
    }

    @Test func ingestThenStatsRoundTrip() throws {
        let p = dir.file("demo.csv")
        // Enough malformed rows that every kind occurs (at the default 0.2 % a kind can miss by chance).
        var g = DemoGenerator(rows: 20_000, seed: 3)
        g.malformedShare = 0.01
        try g.write(to: p)
        let ws = dir.file("ws.sqlite")
        let r = try Ingest.run(file: p, workspace: ws)
        #expect(r.report.rowsRead == 20_000)
        #expect(r.report.rowsKept + r.report.rowsRejected == 20_000)
        #expect(r.report.count(.missingCoordinates) > 150)
        for reason in [
            RejectReason.unparsableDate, .wrongFieldCount, .outsideExtent, .duplicateID,
            .unparsableCoordinates,
        ] {
            #expect(r.report.count(reason) > 0, "\(reason)")
        }
        let w = try Workspace(path: ws)
        let s = IncidentStatistics(try w.incidents(), dictionaries: try w.dictionaries())
        #expect(s.total == r.report.rowsKept)
        #expect(s.types.reduce(0) { $0 + $1.count } == s.total)
        #expect(s.byHour.reduce(0, +) == s.total && s.byWeekday.reduce(0, +) == s.total)
        #expect(s.byMonth.reduce(0, +) == s.total && s.districts.reduce(0) { $0 + $1.count } == s.total)
        #expect(s.types.first?.type == "THEFT")
        let narcotics = try #require(s.types.first { $0.type == "NARCOTICS" })
        #expect(narcotics.arrestRate > 0.9)
        // JSON round trip.
        let data = try JSONEncoder().encode(s)
        #expect(try JSONDecoder().decode(IncidentStatistics.self, from: data) == s)
        // Reading a subset of columns gives the same values.
        let part = try w.incidents(columns: ["time", "id"])
        #expect(part.time == (try w.incidents()).time && part.id.count == s.total)
    }

    @Test(
        .enabled(
            if: realChicagoSample != nil,
            "real City of Chicago extract not found beside the project (../shared/data/chicago)"))
    func realChicagoExtract() throws {
        let p = try #require(realChicagoSample)
        let r = try Ingest.run(file: p, workspace: dir.file("real.sqlite"))
        // SOURCES.md: 47,523 rows, 898 without coordinates.
        #expect(r.report.rowsRead == 47_523)
        #expect(r.report.count(.missingCoordinates) == 898)
        #expect(r.report.rowsKept == 47_523 - 898)
        let w = try Workspace(path: dir.file("real.sqlite"))
        let s = IncidentStatistics(try w.incidents(), dictionaries: try w.dictionaries())
        // Every Primary Type among rows with coordinates, counted independently of ingest.
        let rows = try readCSV(p).dropFirst()
        let expected = Dictionary(grouping: rows.filter { !$0[19].isEmpty }, by: { $0[5] }).mapValues(
            \.count)
        #expect(Dictionary(uniqueKeysWithValues: s.types.map { ($0.type, $0.count) }) == expected)
        #expect(s.types.count >= 30)
    }
}
