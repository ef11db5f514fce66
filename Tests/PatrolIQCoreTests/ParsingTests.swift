import Foundation
import Testing

@testable import PatrolIQCore

@Suite struct ParsingTests {
    func t(_ y: Int, _ mo: Int, _ d: Int, _ h: Int = 0, _ mi: Int = 0, _ s: Int = 0) -> Int64 {
        Int64(CivilDate.daysFromCivil(year: y, month: mo, day: d)) * 86400
            + Int64(h * 3600 + mi * 60 + s)
    }

    @Test func chicagoDatesIncludingMidnightAndNoon() {
        let f = TimestampFormat.chicago
        #expect(f.parse("03/18/2015 10:45:00 PM") == t(2015, 3, 18, 22, 45))
        #expect(f.parse("01/01/2001 12:00:00 AM") == t(2001, 1, 1, 0, 0))
        #expect(f.parse("01/01/2001 12:30:00 PM") == t(2001, 1, 1, 12, 30))
        #expect(f.parse("01/01/2001 12:59:59 AM") == t(2001, 1, 1, 0, 59, 59))
        #expect(f.parse("07/04/2024 01:05:09 am") == t(2024, 7, 4, 1, 5, 9))
        #expect(f.parse("1/7/2014 2:00:00 AM") == t(2014, 1, 7, 2))
    }

    @Test func invalidDatesAreRejected() {
        let f = TimestampFormat.chicago
        for bad in [
            "", "13/45/2024 25:00:00 PM", "02/30/2023 01:00:00 AM", "00/10/2023 01:00:00 AM",
            "03/18/2015 13:45:00 PM", "03/18/2015 00:45:00 AM", "03/18/2015 10:45:00", "N/A",
            "03/18/2015 10:45:00 PMX",
        ] {
            #expect(f.parse(bad) == nil, "\(bad)")
        }
        #expect(f.parse("02/29/2024 01:00:00 AM") == t(2024, 2, 29, 1))
        #expect(f.parse("02/29/2023 01:00:00 AM") == nil)
    }

    @Test func otherLayouts() throws {
        let iso = try TimestampFormat("%Y-%m-%dT%H:%M:%S%f%z")
        #expect(iso.parse("2018-12-01T13:05:00.000Z") == t(2018, 12, 1, 13, 5))
        #expect(iso.parse("2018-12-01T13:05:00-06:00") == t(2018, 12, 1, 13, 5))
        let dateOnly = try TimestampFormat("%Y-%m-%d")
        #expect(dateOnly.parse("2019-06-18") == t(2019, 6, 18))
        #expect(throws: TimestampFormat.FormatError.self) { try TimestampFormat("%H:%M") }
        #expect(throws: TimestampFormat.FormatError.self) { try TimestampFormat("%Y-%m-%d %Q") }
    }

    /// The portal layout's positional fast path agrees with the general parser on valid dates and on
    /// near-misses (a digit, separator or AM/PM byte changed anywhere).
    @Test func chicagoFastPathAgreesWithTheGeneralParser() {
        var general = TimestampFormat.chicago
        general.isChicagoLayout = false
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789/: APMapm-x".utf8)
        for _ in 0..<20_000 {
            let y = Int.random(in: 1790...2210, using: &rng)
            let base = String(
                format: "%02d/%02d/%04d %02d:%02d:%02d %@", Int.random(in: 0...13, using: &rng),
                Int.random(in: 0...32, using: &rng), y, Int.random(in: 0...13, using: &rng),
                Int.random(in: 0...60, using: &rng), Int.random(in: 0...61, using: &rng), Bool.random() ? "AM" : "pm")
            var bytes = Array(base.utf8)
            if Bool.random(using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = alphabet.randomElement(using: &rng)!
            }
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(TimestampFormat.chicago.parse(text) == general.parse(text), "\(text)")
        }
    }

    @Test func civilDateRoundTrip() {
        for d in stride(from: -800_000, to: 800_000, by: 997) {
            let c = CivilDate.civil(fromDays: d)
            #expect(CivilDate.daysFromCivil(year: c.year, month: c.month, day: c.day) == d)
        }
        #expect(CivilDate.iso(t(2025, 2, 28, 2, 38)) == "2025-02-28T02:38:00")
    }

    @Test func numbers() {
        func d(_ s: String) -> Double? {
            var s = s
            return s.withUTF8 { ByteParsing.double($0) }
        }
        #expect(d("41.833031236") == 41.833031236)
        #expect(d("-87.665624176") == -87.665624176)
        #expect(d(" 12 ") == 12)
        #expect(d("1e3") == 1000)
        #expect(d("0.12345678901234567890") == 0.12345678901234567890)
        #expect(d("N/A") == nil)
        #expect(d("") == nil)
        #expect(d("-") == nil)
        #expect(d("1.2.3") == nil)
        func i(_ s: String) -> Int64? {
            var s = s
            return s.withUTF8 { ByteParsing.int($0) }
        }
        #expect(i("0412") == 412)
        #expect(i("-7") == -7)
        #expect(i("4x") == nil)
        func b(_ s: String) -> Bool? {
            var s = s
            return s.withUTF8 { ByteParsing.bool($0) }
        }
        #expect(
            b("true") == true && b("FALSE") == false && b("Y") == true && b("0") == false && b("") == nil)
    }

    @Test func timeFeaturesOnHandCheckedDates() {
        // 2015-03-18 was a Wednesday.
        let a = TimeFeatures(t(2015, 3, 18, 22, 45))
        #expect(a == TimeFeatures.make(hour: 22, weekday: 2, month: 3, weekend: false, season: 1))
        // 2024-12-01 was a Sunday: winter, weekend.
        let b = TimeFeatures(t(2024, 12, 1, 0, 0))
        #expect(b == TimeFeatures.make(hour: 0, weekday: 6, month: 12, weekend: true, season: 0))
        // 2023-07-15 was a Saturday.
        #expect(TimeFeatures(t(2023, 7, 15, 12)).weekday == 5)
        #expect(TimeFeatures(t(2023, 7, 15, 12)).season == 2)
        #expect(TimeFeatures(t(2023, 10, 2, 23, 59)).season == 3)
        // Before 1970: 1969-12-31 was a Wednesday.
        #expect(TimeFeatures(t(1969, 12, 31, 23)).weekday == 2)
        #expect(TimeFeatures(t(1969, 12, 31, 23)).hour == 23)
    }

    @Test func severityTable() {
        #expect(Severity.score(fbiCode: "01A", type: "HOMICIDE") == 10)
        #expect(Severity.score(fbiCode: "04A", type: "ASSAULT") == 8)
        #expect(Severity.score(fbiCode: "08B", type: "BATTERY") == 4)
        #expect(Severity.score(fbiCode: nil, type: "Aggravated Assault") == 8)
        #expect(Severity.score(fbiCode: nil, type: "larceny") == 4)
        #expect(Severity.score(fbiCode: "", type: "SOMETHING ELSE") == Severity.fallback)
    }

    @Test func projectionAndGrid() {
        let p = LocalProjection(originLon: -87.725, originLat: 41.85)
        #expect(p.project(lon: -87.725, lat: 41.85) == SIMD2(0, 0))
        let north = p.project(lon: -87.725, lat: 41.86)
        #expect(abs(north.y - 1111.95) < 0.01)
        let east = p.project(lon: -87.715, lat: 41.85)
        #expect(abs(east.x - 1111.95 * cos(41.85 * .pi / 180)) < 0.01)
        let back = p.unproject(SIMD2(1234, -567))
        #expect(abs(p.project(lon: back.lon, lat: back.lat).x - 1234) < 1e-6)
        let g = SquareGrid(bounds: .chicago, projection: p, cellSize: 500)
        #expect(g.cell(g.origin + SIMD2(10, 10)) == 0)
        #expect(g.cell(g.origin + SIMD2(510, 10)) == 1)
        #expect(g.cell(g.origin + SIMD2(10, 510)) == Int32(g.columns))
        #expect(g.center(of: Int32(g.columns + 1)) == g.origin + SIMD2(750, 750))
    }
}

extension TimeFeatures {
    static func make(hour: UInt8, weekday: UInt8, month: UInt8, weekend: Bool, season: UInt8)
        -> TimeFeatures
    {
        var f = TimeFeatures(0)
        f.hour = hour
        f.weekday = weekday
        f.month = month
        f.weekend = weekend
        f.season = season
        return f
    }
}
