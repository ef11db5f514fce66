/// A date-time layout in strftime notation, parsed byte by byte.
///
/// Supported: `%Y` year, `%m` month, `%d` day, `%H` 24-hour, `%I` 12-hour, `%M` minute, `%S` second,
/// `%p` AM/PM, `%f` fractional seconds (ignored), `%z` / `Z` zone suffix (ignored: times are kept as the
/// local wall clock the source wrote), `%%`. Numeric fields accept 1 or 2 digits (4 for `%Y`), so
/// `1/7/2014 2:00:00 AM` parses with the same layout as `01/07/2014 02:00:00 AM`. A layout may end
/// early: `%Y-%m-%d` alone reads midnight.
public struct TimestampFormat: Sendable, Equatable, CustomStringConvertible {
    enum Token: Sendable, Equatable {
        case year, month, day, hour24, hour12, minute, second, ampm, fraction, zone
        case literal(UInt8)
    }
    let tokens: [Token]
    public let description: String
    /// The portal's fixed-width `MM/DD/YYYY hh:mm:ss AM`, read by position before the general parser.
    var isChicagoLayout: Bool

    /// The City of Chicago portal's layout, `03/18/2015 10:45:00 PM`.
    public static let chicago = try! TimestampFormat("%m/%d/%Y %I:%M:%S %p")

    /// `2024-04-05`, for command-line dates.
    public static let isoDate = try! TimestampFormat("%Y-%m-%d")

    /// Layouts tried, in order, when none is given.
    public static let common: [TimestampFormat] = [
        chicago,
        try! TimestampFormat("%Y-%m-%dT%H:%M:%S%f%z"),
        try! TimestampFormat("%Y-%m-%d %H:%M:%S%f%z"),
        try! TimestampFormat("%Y/%m/%d %H:%M:%S"),
        try! TimestampFormat("%m/%d/%Y %H:%M:%S"),
        try! TimestampFormat("%m/%d/%Y %H:%M"),
        try! TimestampFormat("%Y-%m-%d"),
        try! TimestampFormat("%m/%d/%Y"),
    ]

    public struct FormatError: Error, CustomStringConvertible {
        public let description: String
    }

    public init(_ pattern: String) throws {
        var t: [Token] = []
        let b = Array(pattern.utf8)
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "%") {
                guard i + 1 < b.count else { throw FormatError(description: "time format ends with '%'") }
                switch b[i + 1] {
                case UInt8(ascii: "Y"): t.append(.year)
                case UInt8(ascii: "m"): t.append(.month)
                case UInt8(ascii: "d"): t.append(.day)
                case UInt8(ascii: "H"): t.append(.hour24)
                case UInt8(ascii: "I"): t.append(.hour12)
                case UInt8(ascii: "M"): t.append(.minute)
                case UInt8(ascii: "S"): t.append(.second)
                case UInt8(ascii: "p"): t.append(.ampm)
                case UInt8(ascii: "f"): t.append(.fraction)
                case UInt8(ascii: "z"): t.append(.zone)
                case UInt8(ascii: "%"): t.append(.literal(UInt8(ascii: "%")))
                default:
                    throw FormatError(
                        description:
                            "unsupported time format directive '%\(Character(Unicode.Scalar(b[i + 1])))'"
                    )
                }
                i += 2
            } else {
                t.append(.literal(b[i]))
                i += 1
            }
        }
        guard t.contains(.year), t.contains(.month), t.contains(.day) else {
            throw FormatError(description: "time format '\(pattern)' needs %Y, %m and %d")
        }
        tokens = t
        description = pattern
        isChicagoLayout = pattern == "%m/%d/%Y %I:%M:%S %p"
    }

    /// Seconds since 1970-01-01T00:00 of the wall-clock time, or nil when the text does not fit.
    public func parse(_ raw: UnsafeBufferPointer<UInt8>) -> Int64? {
        let f = ByteParsing.trim(raw)
        let n = f.count
        if n == 0 { return nil }
        if isChicagoLayout, n == 22, let t = Self.parseChicago(f) { return t }
        var i = 0
        var year = 0
        var month = 0
        var day = 0
        var hour = 0
        var minute = 0
        var second = 0
        var pm: Bool? = nil
        var twelve = false

        @inline(__always) func number(_ maxDigits: Int) -> Int? {
            var v = 0
            var k = 0
            while k < maxDigits, i < n, f[i] >= 48, f[i] <= 57 {
                v = v * 10 + Int(f[i] - 48)
                i += 1
                k += 1
            }
            return k == 0 ? nil : v
        }

        for tok in tokens {
            if i >= n {
                // Trailing time parts may be absent (date-only values); the date itself may not.
                switch tok {
                case .year, .month, .day: return nil
                default: break
                }
                break
            }
            switch tok {
            case .year:
                guard let v = number(4) else { return nil }
                year = v
            case .month:
                guard let v = number(2) else { return nil }
                month = v
            case .day:
                guard let v = number(2) else { return nil }
                day = v
            case .hour24:
                guard let v = number(2) else { return nil }
                hour = v
            case .hour12:
                guard let v = number(2) else { return nil }
                hour = v
                twelve = true
            case .minute:
                guard let v = number(2) else { return nil }
                minute = v
            case .second:
                guard let v = number(2) else { return nil }
                second = v
            case .ampm:
                guard i + 1 < n else { return nil }
                let a = f[i] | 0x20
                let m = f[i + 1] | 0x20
                guard m == UInt8(ascii: "m") else { return nil }
                if a == UInt8(ascii: "a") {
                    pm = false
                } else if a == UInt8(ascii: "p") {
                    pm = true
                } else {
                    return nil
                }
                i += 2
            case .fraction:
                if f[i] == UInt8(ascii: ".") || f[i] == UInt8(ascii: ",") {
                    i += 1
                    while i < n, f[i] >= 48, f[i] <= 57 { i += 1 }
                }
            case .zone:
                // Z, +hh:mm, -hhmm: accepted and ignored.
                if f[i] == UInt8(ascii: "Z") || f[i] == UInt8(ascii: "z") {
                    i += 1
                } else if f[i] == UInt8(ascii: "+") || f[i] == UInt8(ascii: "-") {
                    i += 1
                    while i < n, (f[i] >= 48 && f[i] <= 57) || f[i] == UInt8(ascii: ":") { i += 1 }
                }
            case .literal(let c):
                guard f[i] == c else { return nil }
                i += 1
            }
        }
        guard i == n else { return nil }
        if twelve {
            guard let pm, let h = Self.hour24(hour, pm: pm) else { return nil }
            hour = h
        }
        return Self.seconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    /// A 12-hour clock's hour (1–12) on the 24-hour clock: 12 AM is midnight, 12 PM is noon.
    @inline(__always)
    static func hour24(_ hour: Int, pm: Bool) -> Int? {
        guard hour >= 1, hour <= 12 else { return nil }
        return hour % 12 + (pm ? 12 : 0)
    }

    /// Seconds since 1970 of a checked wall-clock time (years 1800–2200, leap second allowed); nil when
    /// a part is out of range. Both parsers end here, so they accept exactly the same times.
    @inline(__always)
    static func seconds(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Int64? {
        guard month >= 1, month <= 12, day >= 1, day <= CivilDate.daysIn(month: month, year: year),
            hour < 24, minute < 60, second < 61, year >= 1800, year <= 2200
        else { return nil }
        let days = CivilDate.daysFromCivil(year: year, month: month, day: day)
        return Int64(days) * 86400 + Int64(hour * 3600 + minute * 60 + second)
    }

    /// `MM/DD/YYYY hh:mm:ss AM` by position, with the general parser's checks; nil sends the value
    /// through the general parser (which then decides), so both always agree.
    @inline(__always)
    static func parseChicago(_ f: UnsafeBufferPointer<UInt8>) -> Int64? {
        @inline(__always) func digit(_ i: Int) -> Int? {
            let c = f[i] &- 48
            return c < 10 ? Int(c) : nil
        }
        let ap = f[20] | 0x20
        guard f[2] == UInt8(ascii: "/"), f[5] == UInt8(ascii: "/"), f[10] == UInt8(ascii: " "),
            f[13] == UInt8(ascii: ":"), f[16] == UInt8(ascii: ":"), f[19] == UInt8(ascii: " "),
            f[21] | 0x20 == UInt8(ascii: "m"), ap == UInt8(ascii: "a") || ap == UInt8(ascii: "p"),
            let m1 = digit(0), let m2 = digit(1), let d1 = digit(3), let d2 = digit(4), let y1 = digit(6),
            let y2 = digit(7), let y3 = digit(8), let y4 = digit(9), let h1 = digit(11), let h2 = digit(12),
            let i1 = digit(14), let i2 = digit(15), let s1 = digit(17), let s2 = digit(18)
        else { return nil }
        guard let hour = hour24(h1 * 10 + h2, pm: ap == UInt8(ascii: "p")) else { return nil }
        return seconds(
            year: y1 * 1000 + y2 * 100 + y3 * 10 + y4, month: m1 * 10 + m2, day: d1 * 10 + d2, hour: hour,
            minute: i1 * 10 + i2, second: s1 * 10 + s2)
    }

    public func parse(_ s: String) -> Int64? {
        var s = s
        return s.withUTF8 { parse($0) }
    }
}

/// Proleptic Gregorian calendar arithmetic on day numbers (days since 1970-01-01), after
/// Howard Hinnant's `days_from_civil`.
public enum CivilDate {
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// (year, month 1–12, day 1–31) of a day number.
    public static func civil(fromDays z0: Int) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    public static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Formats seconds since the epoch as `YYYY-MM-DDTHH:MM:SS` (no zone: local wall clock).
    public static func iso(_ t: Int64) -> String {
        let days = Int((t >= 0 ? t : t - 86399) / 86400)
        let secs = Int(t - Int64(days) * 86400)
        let (y, m, d) = civil(fromDays: days)
        func p(_ v: Int, _ w: Int = 2) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(p(y, 4))-\(p(m))-\(p(d))T\(p(secs / 3600)):\(p(secs / 60 % 60)):\(p(secs % 60))"
    }
}
