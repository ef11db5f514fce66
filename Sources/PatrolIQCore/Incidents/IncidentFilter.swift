/// Which incidents an analysis counts: one syntax for every command (and, later, every URL).
///
/// `types` (Primary Types, case-insensitive), `since` / `until` (YYYY-MM-DD, until exclusive),
/// `hours` (`22-4` wraps midnight: 22:00 to 03:59), `days` (`fri,sat`, `weekend`, `weekdays`).
public struct IncidentFilter: Sendable, Equatable {
    public var types: Set<String>?
    public var since: Int64?
    public var until: Int64?
    /// Hours of the day kept (0–23), nil for all.
    public var hours: Set<UInt8>?
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

    /// `A-B` with A, B in 0–23; B < A wraps midnight; `A-A` is the one hour A.
    public static func parseHours(_ s: String) throws -> Set<UInt8> {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let a = UInt8(parts[0]), let b = UInt8(parts[1]), a < 24, b < 24 else {
            throw Invalid(parameter: "hours", message: "'\(s)' is not START-END with hours 0–23 (e.g. 22-4)")
        }
        var out: Set<UInt8> = []
        var h = a
        while true {
            out.insert(h)
            if h == b { break }
            h = (h + 1) % 24
        }
        return out
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
            if let days, !days.contains(t.weekday[i]) { return false }
            return true
        }
    }
}
