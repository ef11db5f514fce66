import Foundation

/// Which incidents an analysis counts: one syntax for every command (and, later, every URL).
///
/// `types` (Primary Types, case-insensitive), `since` / `until` (YYYY-MM-DD, until exclusive),
/// `hours` (`START-END`, end exclusive as a shift is: `22-4` is 22:00 to 03:59 and wraps midnight),
/// `days` (`fri,sat`, `weekend`, `weekdays`).
///
/// A window that wraps midnight belongs to the day it starts on, as a night shift does: with
/// `--days fri --hours 22-6` an incident at 02:00 on Saturday is in Friday's shift, one at 02:00 on
/// Friday is not.
public struct IncidentFilter: Sendable, Equatable {
    public var types: Set<String>?
    public var since: Int64?
    public var until: Int64?
    /// Hours of the day kept (0–23), nil for all.
    public var hours: Set<UInt8>?
    /// The hour a window that wraps midnight starts at: hours below it count for the previous day.
    public var shiftStart: UInt8?
    /// Weekdays kept (0 = Monday … 6 = Sunday), nil for all.
    public var days: Set<UInt8>?
    /// Months kept (1–12), nil for all.
    public var months: Set<UInt8>?
    public var arrest: Bool?
    public var domestic: Bool?
    public var districts: Set<Int32>?
    public var beats: Set<Int32>?
    public var communityAreas: Set<Int32>?
    /// Lowest severity kept (1–10, see `Severity`).
    public var minSeverity: UInt8?

    public init() {}

    public var isEmpty: Bool { self == IncidentFilter() }

    /// The filter's names, as URL parameters and in `--filter`, with the form each takes.
    public static let parameters: [(name: String, form: String)] = [
        ("types", "Primary Types, comma separated"), ("since", "YYYY-MM-DD"), ("until", "YYYY-MM-DD, excluded"),
        ("hours", "START-END, end excluded, e.g. 22-4"), ("days", "mon,…,sun, weekend or weekdays"),
        ("months", "1–12 or jan…dec, comma separated, ranges like 6-8"), ("arrest", "true or false"),
        ("domestic", "true or false"), ("district", "numbers, comma separated"), ("beat", "numbers, comma separated"),
        ("community_area", "numbers, comma separated"), ("min_severity", "1–10"),
    ]

    /// The columns `rows` reads.
    public var columns: Set<String> {
        var c: Set<String> = ["time", "type", "hour", "weekday"]
        if months != nil { c.insert("month") }
        if arrest != nil { c.insert("arrest") }
        if domestic != nil { c.insert("domestic") }
        if districts != nil { c.insert("district") }
        if beats != nil { c.insert("beat") }
        if communityAreas != nil { c.insert("community_area") }
        if minSeverity != nil { c.insert("severity") }
        return c
    }

    /// A filter from `name=value` pairs (URL parameters, or `--filter 'types=ROBBERY&hours=22-4'`).
    /// Empty values are ignored; an unknown name or a malformed value names the parameter and its form.
    public init(pairs: [(String, String)]) throws {
        for (rawName, rawValue) in pairs {
            let name = rawName.trimmingCharacters(in: .whitespaces).lowercased()
            let value = rawValue.trimmingCharacters(in: .whitespaces)
            guard !value.isEmpty else { continue }
            switch name {
            case "types":
                types = Self.parseTypes(value)
            case "since": since = try Self.parseDate(value, "since")
            case "until": until = try Self.parseDate(value, "until")
            case "hours": try setHours(value)
            case "days": days = try Self.parseDays(value)
            case "months": months = try Self.parseMonths(value)
            case "arrest": arrest = try Self.parseBool(value, name)
            case "domestic": domestic = try Self.parseBool(value, name)
            case "district": districts = try Self.parseNumbers(value, name)
            case "beat": beats = try Self.parseNumbers(value, name)
            case "community_area": communityAreas = try Self.parseNumbers(value, name)
            case "min_severity":
                guard let v = UInt8(value), (1...10).contains(v) else {
                    throw Invalid(parameter: name, message: "'\(value)' is not a severity 1–10")
                }
                minSeverity = v
            default:
                throw Invalid(
                    parameter: name,
                    message: "is not a filter (use \(Self.parameters.map(\.name).joined(separator: ", ")))")
            }
        }
        if let since, let until, since >= until {
            throw Invalid(parameter: "until", message: "must be after since")
        }
    }

    /// `--filter` text: `name=value` pairs separated by `&` or `;`.
    public init(text: String) throws {
        let pairs = try text.split(whereSeparator: { $0 == "&" || $0 == ";" }).map { part -> (String, String) in
            guard let eq = part.firstIndex(of: "=") else {
                throw Invalid(parameter: String(part), message: "is not name=value (e.g. types=ROBBERY&hours=22-4)")
            }
            return (String(part[..<eq]), String(part[part.index(after: eq)...]))
        }
        try self.init(pairs: pairs)
    }

    /// One text per filter, the same for equal filters: cache keys, ETags and links.
    public var normalized: String {
        func list<T: Comparable & CustomStringConvertible>(_ s: Set<T>?) -> String? {
            s.map { $0.sorted().map(\.description).joined(separator: ",") }
        }
        var parts: [String] = []
        func add(_ name: String, _ v: String?) { if let v { parts.append(name + "=" + v) } }
        add("types", list(types))
        add("since", since.map { String(CivilDate.iso($0).prefix(10)) })
        add("until", until.map { String(CivilDate.iso($0).prefix(10)) })
        add("hours", list(hours))
        add("shift_start", shiftStart.map(String.init))
        add("days", list(days))
        add("months", list(months))
        add("arrest", arrest.map(String.init))
        add("domestic", domestic.map(String.init))
        add("district", list(districts))
        add("beat", list(beats))
        add("community_area", list(communityAreas))
        add("min_severity", minSeverity.map(String.init))
        return parts.joined(separator: "&")
    }

    /// URL query text of the filter, in the names and forms `init(pairs:)` reads.
    public var query: String {
        func list<T: Comparable & CustomStringConvertible>(_ s: Set<T>?) -> String? {
            s.map { $0.sorted().map(\.description).joined(separator: ",") }
        }
        var parts: [(String, String?)] = [("types", types.map { $0.sorted().joined(separator: ",") })]
        parts.append(("since", since.map { String(CivilDate.iso($0).prefix(10)) }))
        parts.append(("until", until.map { String(CivilDate.iso($0).prefix(10)) }))
        parts.append(("hours", hoursText))
        parts.append(("days", days.map { $0.sorted().map { Self.dayNames[Int($0)] }.joined(separator: ",") }))
        parts.append(("months", list(months)))
        parts.append(("arrest", arrest.map(String.init)))
        parts.append(("domestic", domestic.map(String.init)))
        parts.append(("district", list(districts)))
        parts.append(("beat", list(beats)))
        parts.append(("community_area", list(communityAreas)))
        parts.append(("min_severity", minSeverity.map(String.init)))
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+?")
        return parts.compactMap { k, v in
            v.map { k + "=" + ($0.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0) }
        }.joined(separator: "&")
    }

    /// `hours` back as `START-END` (the window's first hour to one past its last).
    var hoursText: String? {
        guard let hours, !hours.isEmpty else { return nil }
        // The start is the hour whose predecessor is not in the window.
        guard let a = (0..<24).map(UInt8.init).first(where: { hours.contains($0) && !hours.contains(($0 + 23) % 24) })
        else { return nil }
        var b = a
        while hours.contains(b % 24) && b < a + 24 { b += 1 }
        let end = b % 24 == 0 ? 24 : Int(b % 24)
        return "\(a)-\(end)"
    }

    static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    public static func parseMonths(_ s: String) throws -> Set<UInt8> {
        func month(_ t: Substring) -> UInt8? {
            let w = t.trimmingCharacters(in: .whitespaces).lowercased()
            if let n = UInt8(w), (1...12).contains(n) { return n }
            if w.count >= 3, let i = monthNames.firstIndex(where: { w.hasPrefix($0) }) { return UInt8(i + 1) }
            return nil
        }
        var out: Set<UInt8> = []
        for part in s.split(separator: ",") {
            let ends = part.split(separator: "-")
            guard (1...2).contains(ends.count), let a = month(ends[0]), let b = month(ends[ends.count - 1]) else {
                throw Invalid(
                    parameter: "months", message: "'\(part)' is not a month 1–12 or jan…dec (ranges like 6-8)")
            }
            var m = a
            while true {
                out.insert(m)
                if m == b { break }
                m = m % 12 + 1
            }
        }
        guard !out.isEmpty else { throw Invalid(parameter: "months", message: "no month given") }
        return out
    }

    static func parseBool(_ s: String, _ parameter: String) throws -> Bool {
        switch s.lowercased() {
        case "true", "1", "yes", "y": return true
        case "false", "0", "no", "n": return false
        default: throw Invalid(parameter: parameter, message: "'\(s)' is not true or false")
        }
    }

    static func parseNumbers(_ s: String, _ parameter: String) throws -> Set<Int32> {
        let parts = s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parts.compactMap { Int32($0) }
        guard !values.isEmpty, values.count == parts.count else {
            throw Invalid(parameter: parameter, message: "'\(s)' is not a list of numbers (e.g. 11,12)")
        }
        return Set(values)
    }

    /// Errors name the parameter and the form it takes.
    public struct Invalid: Error, CustomStringConvertible, Sendable {
        public let parameter: String
        public let message: String
        public var description: String { "\(parameter): \(message)" }
    }

    public static func parseTypes(_ s: String) -> Set<String> {
        Set(s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() }.filter { !$0.isEmpty })
    }

    public static func parseDate(_ s: String, _ parameter: String) throws -> Int64 {
        guard let t = TimestampFormat.isoDate.parse(s), s.count == 10 else {
            throw Invalid(parameter: parameter, message: "'\(s)' is not a date YYYY-MM-DD")
        }
        return t
    }

    /// `A-B`: from hour A (0–23) up to, not including, hour B (1–24); B < A wraps midnight.
    public static func parseHours(_ s: String) throws -> Set<UInt8> {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let a = UInt8(parts[0]), let b = UInt8(parts[1]), a < 24, b <= 24, a != b % 24
        else {
            throw Invalid(
                parameter: "hours", message: "'\(s)' is not START-END, hours 0–24, end excluded (e.g. 22-4, 8-16)")
        }
        var out: Set<UInt8> = []
        var h = a
        while h != b % 24 {
            out.insert(h)
            h = (h + 1) % 24
        }
        return out
    }

    /// Sets `hours` from `A-B` and remembers where a wrapping window starts.
    public mutating func setHours(_ s: String) throws {
        hours = try Self.parseHours(s)
        let a = UInt8(s.split(separator: "-")[0]) ?? 0
        shiftStart = hours?.contains(23) == true && hours?.contains(0) == true && a > 0 ? a : nil
    }

    static let dayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    public static func parseDays(_ s: String) throws -> Set<UInt8> {
        var out: Set<UInt8> = []
        for raw in s.lowercased().split(separator: ",") {
            let d = raw.trimmingCharacters(in: .whitespaces)
            if d == "weekend" {
                out.formUnion([5, 6])
            } else if d == "weekdays" {
                out.formUnion([0, 1, 2, 3, 4])
            } else if let i = dayNames.firstIndex(where: { d.hasPrefix($0) && d.count >= 3 }) {
                out.insert(UInt8(i))
            } else {
                throw Invalid(parameter: "days", message: "'\(d)' is not a weekday (mon…sun, weekend, weekdays)")
            }
        }
        guard !out.isEmpty else { throw Invalid(parameter: "days", message: "no weekday given") }
        return out
    }

    /// Shifts in [from, to) (seconds): the days whose weekday passes `days` (every day when nil).
    public func shifts(from: Int64, to: Int64) -> Int {
        let first = Int((from / 86_400))
        let last = Int(((to + 86_399) / 86_400))
        return (first..<max(first, last)).filter { d in days.map { $0.contains(UInt8((d + 3) % 7)) } ?? true }.count
    }

    /// The rows of `t` that pass, given the type names of the workspace; unknown types are an error.
    public func rows(_ t: IncidentTable, typeNames: [String]) throws -> [Bool] {
        var typeOK: [Bool]?
        if let types {
            let upper = typeNames.map { $0.uppercased() }
            let unknown = types.subtracting(upper)
            guard unknown.isEmpty else {
                throw Invalid(
                    parameter: "types", message: "no incidents of type \(unknown.sorted().joined(separator: ", "))")
            }
            typeOK = upper.map { types.contains($0) }
        }
        // Column by column with lookup tables: one pass per condition over contiguous arrays.
        let n = t.count
        var keep = [Bool](repeating: true, count: n)
        func table(_ set: Set<UInt8>?, _ size: Int) -> [Bool]? {
            set.map { s in (0..<size).map { s.contains(UInt8($0)) } }
        }
        if let typeOK {
            for i in 0..<n { keep[i] = Int(t.type[i]) < typeOK.count && typeOK[Int(t.type[i])] }
        }
        if let ok = table(hours, 24) { for i in 0..<n where keep[i] { keep[i] = ok[Int(t.hour[i]) % 24] } }
        if let ok = table(days, 7) {
            let start = shiftStart ?? 0
            for i in 0..<n where keep[i] {
                let d = Int(t.weekday[i]) % 7
                keep[i] = ok[t.hour[i] < start ? (d + 6) % 7 : d]
            }
        }
        if let ok = table(months, 13) { for i in 0..<n where keep[i] { keep[i] = ok[Int(t.month[i]) % 13] } }
        if let since { for i in 0..<n where keep[i] { keep[i] = t.time[i] >= since } }
        if let until { for i in 0..<n where keep[i] { keep[i] = t.time[i] < until } }
        if let arrest { for i in 0..<n where keep[i] { keep[i] = (t.arrest[i] == 1) == arrest } }
        if let domestic { for i in 0..<n where keep[i] { keep[i] = (t.domestic[i] == 1) == domestic } }
        if let districts { for i in 0..<n where keep[i] { keep[i] = districts.contains(t.district[i]) } }
        if let beats { for i in 0..<n where keep[i] { keep[i] = beats.contains(t.beat[i]) } }
        if let communityAreas {
            for i in 0..<n where keep[i] { keep[i] = communityAreas.contains(t.communityArea[i]) }
        }
        if let minSeverity { for i in 0..<n where keep[i] { keep[i] = t.severity[i] >= minSeverity } }
        return keep
    }
}
