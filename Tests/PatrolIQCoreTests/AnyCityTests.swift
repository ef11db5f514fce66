import Foundation
import Testing

@testable import PatrolIQCore

/// Other cities' files: time layouts found without `--time-format`, dates and times in separate
/// columns, repeated IDs, unknown places.
@Suite struct AnyCityTests {
    let dir = TempDir()

    @Test(arguments: [
        ("03/18/2015 10:45:00 PM", "2015-03-18T22:45:00"),
        ("3/8/2015 9:05 am", "2015-03-08T09:05:00"),
        ("03/18/2015 22:45", "2015-03-18T22:45:00"),
        ("03-18-2015 22:45:10", "2015-03-18T22:45:10"),
        ("03/18/15", "2015-03-18T00:00:00"),
        ("2015-03-18", "2015-03-18T00:00:00"),
        ("2015/03/18 22:45:00", "2015-03-18T22:45:00"),
        ("2015-03-18T22:45:00.000", "2015-03-18T22:45:00"),
        ("2015-03-18T22:45:00Z", "2015-03-18T22:45:00"),
        ("2015-03-18T22:45:00-05:00", "2015-03-18T22:45:00"),
        ("2015-03-18 22:45:00+00", "2015-03-18T22:45:00"),
        ("2015-03-18 10:45:00.123 P.M.", "2015-03-18T22:45:00"),
        ("20150318", "2015-03-18T00:00:00"),
        ("2015-03-18 12:00:00 AM", "2015-03-18T00:00:00"),
        ("2015-03-18 12:30 PM", "2015-03-18T12:30:00"),
        ("2015-03-18 00:30 AM", "2015-03-18T00:30:00"),
    ])
    func layoutsReadWithoutBeingTold(_ value: String, _ iso: String) throws {
        let t = try #require(FlexibleTime.parse(value), "\(value)")
        #expect(CivilDate.iso(t.seconds) == iso)
    }

    @Test(arguments: [
        "13/45/2024", "2024-02-30", "2015-03-18 25:00", "2015-03-18 13:00 PM", "yesterday", "03/18", "2015-03-18 10:4",
    ])
    func impossibleTimesAreRejected(_ value: String) {
        #expect(FlexibleTime.parse(value) == nil)
    }

    @Test func timesOfDay() {
        #expect(FlexibleTime.timeOfDay("15:30") == 15 * 3600 + 30 * 60)
        #expect(FlexibleTime.timeOfDay("3:30:15 PM") == 15 * 3600 + 30 * 60 + 15)
        #expect(FlexibleTime.timeOfDay("1530") == 15 * 3600 + 30 * 60)
        #expect(FlexibleTime.timeOfDay("5") == 5 * 60)
        #expect(FlexibleTime.timeOfDay("0") == 0)
        #expect(FlexibleTime.timeOfDay("2360") == nil)
        #expect(FlexibleTime.timeOfDay("2400") == nil)
        #expect(FlexibleTime.timeOfDay("1530", hhmm: false) == nil)
    }

    /// A column mixing layouts: no row is rejected because the first row used another one.
    @Test func aColumnMayMixLayouts() throws {
        let rows = [
            "id,occurred,type,latitude,longitude",
            "1,01/05/2024 10:00:00 PM,THEFT,41.88,-87.63",
            "2,01/06/2024,THEFT,41.88,-87.63",
            "3,2024-01-07T08:30:00-06:00,THEFT,41.88,-87.63",
            "4,1/8/2024 14:05,THEFT,41.88,-87.63",
        ]
        let p = dir.write("mixed.csv", rows.joined(separator: "\n") + "\n")
        let r = try Ingest.run(file: p, workspace: dir.file("m.sqlite"))
        #expect(r.report.rowsKept == 4 && r.report.rowsRejected == 0)
        let t = try Workspace(path: dir.file("m.sqlite")).incidents()
        #expect(
            (0..<4).map { CivilDate.iso(t.time[$0]) } == [
                "2024-01-05T22:00:00", "2024-01-06T00:00:00", "2024-01-07T08:30:00", "2024-01-08T14:05:00",
            ])
    }

    /// Date and time of day in separate columns, found from their values; the occurrence date
    /// chosen over the report date; an HHMM integer time in a column named for time.
    @Test func separateDateAndTimeColumnsAreFoundFromValues() throws {
        let rows = [
            "CrimeCode,ReportDate,CrimeDate,CrimeTime,Beat,Description,Latitude,Longitude",
            "4E,2020-01-09T00:00:00,01/05/2020,15:30:00,111,COMMON ASSAULT,39.29,-76.61",
            "6D,2020-01-09T00:00:00,01/06/2020,0930,112,LARCENY,39.29,-76.61",
            "5A,2020-01-09T00:00:00,01/07/2020,7:05 PM,113,BURGLARY,39.30,-76.60",
        ]
        let p = dir.write("baltimore-like.csv", rows.joined(separator: "\n") + "\n")
        let r = try Ingest.run(file: p, workspace: dir.file("b.sqlite"))
        #expect(r.report.rowsKept == 3)
        let t = try Workspace(path: dir.file("b.sqlite")).incidents()
        #expect(
            (0..<3).map { CivilDate.iso(t.time[$0]) } == [
                "2020-01-05T15:30:00", "2020-01-06T09:30:00", "2020-01-07T19:05:00",
            ])

        // The same by name, and a date-time column preferred to separate ones; occurrence over report.
        let rows2 = [
            "dc_key,dispatch_date_time,dispatch_date,dispatch_time,reported_at,lat,lng",
            "1,2021-03-01 23:10:00,2021-03-01,23:10:00,2021-03-02 09:00:00,39.95,-75.16",
            "2,2021-03-02 01:00:00,2021-03-02,01:00:00,2021-03-02 10:00:00,39.95,-75.16",
        ]
        let p2 = dir.write("philly-like.csv", rows2.joined(separator: "\n") + "\n")
        _ = try Ingest.run(file: p2, workspace: dir.file("p.sqlite"))
        let t2 = try Workspace(path: dir.file("p.sqlite")).incidents()
        #expect((0..<2).map { CivilDate.iso(t2.time[$0]) } == ["2021-03-01T23:10:00", "2021-03-02T01:00:00"])

        // Named explicitly.
        let rows3 = [
            "when_d,when_t,y,x", "2022-06-01,2215,47.61,-122.33", "2022-06-02,5,47.61,-122.33",
        ]
        let p3 = dir.write("named.csv", rows3.joined(separator: "\n") + "\n")
        var o = IngestOptions()
        o.mapping = try ColumnMapping.parse("date=when_d,time_of_day=when_t,latitude=y,longitude=x", file: p3)
        _ = try Ingest.run(file: p3, workspace: dir.file("n.sqlite"), options: o)
        let t3 = try Workspace(path: dir.file("n.sqlite")).incidents()
        #expect((0..<2).map { CivilDate.iso(t3.time[$0]) } == ["2022-06-01T22:15:00", "2022-06-02T00:05:00"])
    }

    @Test func whenNoDateCanBeReadTheErrorSaysWhereAndWhatToDo() throws {
        let rows = ["id,when,latitude,longitude", "1,18.03.2015 22:45,41.88,-87.63", "2,19.03.2015 08:00,41.88,-87.63"]
        let p = dir.write("dotted.csv", rows.joined(separator: "\n") + "\n")
        var o = IngestOptions()
        o.mapping = [.time: "when"]
        do {
            _ = try Ingest.run(file: p, workspace: dir.file("d.sqlite"), options: o)
            Issue.record("expected an error")
        } catch let e as InputError {
            #expect(e.field == "when" && e.line == 2)
            #expect(e.message.contains("\"18.03.2015 22:45\"") && e.message.contains("--time-format"))
        }
        o.timeFormat = try TimestampFormat("%d.%m.%Y %H:%M")
        #expect(try Ingest.run(file: p, workspace: dir.file("d.sqlite"), options: o).report.rowsKept == 2)
    }

    /// One incident with several offences repeats its ID with other content: kept and counted. The
    /// same record twice is a duplicate.
    @Test func repeatedIDsWithOtherContentAreKept() throws {
        let rows = [
            "id,date,offense,latitude,longitude",
            "77,2024-01-05 10:00,ROBBERY,41.88,-87.63",
            "77,2024-01-05 10:00,BATTERY,41.88,-87.63",
            "77,2024-01-05 10:00,ROBBERY,41.88,-87.63",
            "ab-9,2024-01-06 10:00,THEFT,41.88,-87.63",
            "ab-9,2024-01-06 10:00,FRAUD,41.88,-87.63",
            "5,2024-01-07 10:00,THEFT,0,0",
            "6,2024-01-07 10:00,THEFT,0.0,0.000",
        ]
        let p = dir.write("multi.csv", rows.joined(separator: "\n") + "\n")
        let r = try Ingest.run(file: p, workspace: dir.file("r.sqlite"))
        #expect(r.report.rowsKept == 4)
        #expect(r.report.repeatedIDs.count == 2 && r.report.repeatedIDs.firstLines == [3, 6])
        #expect(r.report.rejected["duplicate_id"]?.firstLines == [4])
        #expect(r.report.rejected["zero_coordinates"]?.firstLines == [7, 8])
        #expect(r.report.text.contains("repeated ID with other content: 2"))
        let stored = try #require(try Workspace(path: dir.file("r.sqlite")).qualityReport())
        #expect(stored.repeatedIDs.count == 2)
    }

    @Test func boxesMustBeFourNumbers() {
        #expect(GeoBounds(parsing: "1,x,2,3") == nil)
        #expect(GeoBounds(parsing: "1,2,3") == nil)
        #expect(GeoBounds(parsing: "1,2,3,4,5") == nil)
        #expect(GeoBounds(parsing: "1,,2,3,4") == nil)
        #expect(GeoBounds(parsing: "inf,1,2,3") == nil)
        #expect(
            GeoBounds(parsing: "-87.9, 41.6, -87.5, 42.0")
                == GeoBounds(minLon: -87.9, minLat: 41.6, maxLon: -87.5, maxLat: 42.0))
    }
}
