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

    public init() {}

    public var isEmpty: Bool { types == nil && since == nil && until == nil && hours == nil && days == nil }

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
        return (0..<t.count).map { i in
            if let typeOK, !typeOK[Int(t.type[i])] { return false }
            if let since, t.time[i] < since { return false }
            if let until, t.time[i] >= until { return false }
            if let hours, !hours.contains(t.hour[i]) { return false }
            if let days {
                var d = t.weekday[i]
                if let s = shiftStart, t.hour[i] < s { d = (d + 6) % 7 }
                if !days.contains(d) { return false }
            }
            return true
        }
    }
}
