/// Date-time values in the layouts US police portals publish, read without being told the layout.
///
/// Dates: year-first (`2024-03-05`, `2024/3/5`) or month-first (`03/05/2024`, `3-5-24`), with `/`,
/// `-` or `.` between the parts, or compact `20240305`. A time of day may follow after a space, `T`
/// or a comma: `H:MM`, `H:MM:SS`, fractions (`.123`), a 12-hour clock (`AM`, `pm`, `a.m.`) and a zone
/// (`Z`, `+01:00`, `-0500`, `UTC`: accepted, and ignored, since PatrolIQ keeps the wall clock the
/// source wrote). Each value is read on its own, so one column may mix layouts.
public enum FlexibleTime {
    /// Seconds since 1970 of the wall clock, and whether the value held a time of day.
    public static func parse(_ raw: UnsafeBufferPointer<UInt8>) -> (seconds: Int64, hasTime: Bool)? {
        var s = Scanner(ByteParsing.trim(raw))
        guard let date = s.date() else { return nil }
        if s.atEnd {
            guard
                let t = TimestampFormat.seconds(year: date.y, month: date.m, day: date.d, hour: 0, minute: 0, second: 0)
            else { return nil }
            return (t, false)
        }
        guard s.skip(UInt8(ascii: "T")) || s.skip(UInt8(ascii: ",")) || s.peek == UInt8(ascii: " ") else { return nil }
        s.skipSpaces()
        guard let tod = s.clock(), s.zone(), s.atEnd else { return nil }
        guard
            let t = TimestampFormat.seconds(
                year: date.y, month: date.m, day: date.d, hour: tod / 3600, minute: tod / 60 % 60, second: tod % 60)
        else { return nil }
        return (t, true)
    }

    public static func parse(_ s: String) -> (seconds: Int64, hasTime: Bool)? {
        var s = s
        return s.withUTF8 { parse($0) }
    }

    /// Seconds since midnight of a time of day: `H:MM[:SS[.fff]]` with an optional 12-hour marker and
    /// zone, or, with `hhmm`, an integer `HHMM` (`0`, `45`, `930`, `2359`) as some portals write it.
    public static func timeOfDay(_ raw: UnsafeBufferPointer<UInt8>, hhmm: Bool = true) -> Int? {
        let f = ByteParsing.trim(raw)
        guard !f.isEmpty else { return nil }
        if hhmm, f.count <= 4, f.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
            var v = 0
            for c in f { v = v * 10 + Int(c - 48) }
            let h = v / 100
            let m = v % 100
            guard h < 24, m < 60 else { return nil }
            return h * 3600 + m * 60
        }
        var s = Scanner(f)
        guard let t = s.clock(), s.zone(), s.atEnd else { return nil }
        return t
    }

    public static func timeOfDay(_ s: String, hhmm: Bool = true) -> Int? {
        var s = s
        return s.withUTF8 { timeOfDay($0, hhmm: hhmm) }
    }

    /// A cursor over the bytes of one value.
    struct Scanner {
        let b: UnsafeBufferPointer<UInt8>
        var i = 0

        init(_ b: UnsafeBufferPointer<UInt8>) { self.b = b }

        var atEnd: Bool { i >= b.count }
        var peek: UInt8? { i < b.count ? b[i] : nil }

        mutating func skip(_ c: UInt8) -> Bool {
            guard peek == c else { return false }
            i += 1
            return true
        }

        mutating func skipSpaces() { while peek == UInt8(ascii: " ") { i += 1 } }

        /// Up to `max` digits: (value, digit count), nil when none.
        mutating func number(max: Int) -> (Int, Int)? {
            var v = 0
            var k = 0
            while k < max, let c = peek, c >= 48, c <= 57 {
                v = v * 10 + Int(c - 48)
                i += 1
                k += 1
            }
            return k == 0 ? nil : (v, k)
        }

        mutating func date() -> (y: Int, m: Int, d: Int)? {
            let start = i
            guard let (a, na) = number(max: 8) else { return nil }
            if na == 8 { return (a / 10000, a / 100 % 100, a % 100) }
            guard let sep = peek, sep == UInt8(ascii: "/") || sep == UInt8(ascii: "-") || sep == UInt8(ascii: ".")
            else {
                i = start
                return nil
            }
            i += 1
            guard let (b2, _) = number(max: 2), skip(sep), let (c, nc) = number(max: 4) else { return nil }
            if na == 4 {
                guard nc <= 2 else { return nil }
                return (a, b2, c)
            }
            guard na <= 2 else { return nil }
            // Two-digit years: 00–68 are 2000–2068, 69–99 are 1969–1999 (POSIX strptime's pivot).
            let year = nc == 4 ? c : nc == 2 ? (c <= 68 ? 2000 + c : 1900 + c) : -1
            guard year >= 0 else { return nil }
            return (year, a, b2)
        }

        /// `H:MM[:SS[.fff]] [AM|PM]`: seconds since midnight.
        mutating func clock() -> Int? {
            guard let (h, _) = number(max: 2), skip(UInt8(ascii: ":")), let (m, nm) = number(max: 2), nm == 2 else {
                return nil
            }
            var sec = 0
            if skip(UInt8(ascii: ":")) {
                guard let (v, nv) = number(max: 2), nv == 2 else { return nil }
                sec = v
                if let c = peek, c == UInt8(ascii: ".") || c == UInt8(ascii: ",") {
                    i += 1
                    guard number(max: 9) != nil else { return nil }
                }
            }
            let mark = i
            skipSpaces()
            var hour = h
            if let c = peek, c | 0x20 == UInt8(ascii: "a") || c | 0x20 == UInt8(ascii: "p") {
                let pm = c | 0x20 == UInt8(ascii: "p")
                i += 1
                _ = skip(UInt8(ascii: "."))
                guard let m2 = peek, m2 | 0x20 == UInt8(ascii: "m") else { return nil }
                i += 1
                _ = skip(UInt8(ascii: "."))
                // 0:30 AM is written by some systems for half past midnight.
                if h == 0 && !pm {
                    hour = 0
                } else {
                    guard let h24 = TimestampFormat.hour24(h, pm: pm) else { return nil }
                    hour = h24
                }
            } else {
                i = mark
            }
            guard hour < 24, m < 60, sec < 61 else { return nil }
            return hour * 3600 + m * 60 + min(sec, 59)
        }

        /// An optional zone: `Z`, `+hh[:mm]`, `-hhmm`, or a name such as `UTC`; true when the rest fits.
        mutating func zone() -> Bool {
            skipSpaces()
            guard let c = peek else { return true }
            if c == UInt8(ascii: "Z") || c == UInt8(ascii: "z") {
                i += 1
                return true
            }
            if c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
                i += 1
                guard number(max: 2) != nil else { return false }
                _ = skip(UInt8(ascii: ":"))
                _ = number(max: 2)
                return true
            }
            var k = 0
            while let l = peek, (l | 0x20) >= UInt8(ascii: "a"), (l | 0x20) <= UInt8(ascii: "z") {
                i += 1
                k += 1
            }
            return k >= 2 && k <= 5
        }
    }
}
