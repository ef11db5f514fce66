/// Finds the columns that say when an incident happened, from the values as well as the names.
///
/// Portals name them anything (`Date`, `OCCURRED_ON`, `dispatch_date_time`, `CrimeDate` +
/// `CrimeTime`, `rpt_dt`), and many publish the date and the time of day in separate columns. So
/// each column of the first rows is classified by what its values are: a date with a time of day,
/// a date alone (every time midnight), or a time of day (`14:30`, `2:30 PM`; an `HHMM` integer only
/// in a column whose name says time or hour, since beats and wards are small integers too). Among
/// columns of a kind, the name decides: occurrence words win over report words, because a planner
/// needs when the crime happened, not when it was filed.
public enum TimeColumns {
    /// What the first rows of a column hold.
    public enum Kind: Equatable, Sendable {
        case dateTime, date, timeOfDay, other
    }

    /// Classifies a column from its non-empty sample values.
    public static func kind(values: [String], name: String) -> Kind {
        let sample = values.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        guard !sample.isEmpty else { return .other }
        let needed = max(1, sample.count * 9 / 10)
        var dates = 0
        var withTime = 0
        var clocks = 0
        var hhmm = 0
        for v in sample {
            if let p = FlexibleTime.parse(v) {
                dates += 1
                if p.hasTime && p.seconds % 86400 != 0 { withTime += 1 }
            } else if FlexibleTime.timeOfDay(v, hhmm: false) != nil {
                clocks += 1
            } else if FlexibleTime.timeOfDay(v, hhmm: true) != nil {
                hhmm += 1
            }
        }
        if dates >= needed { return withTime > 0 ? .dateTime : .date }
        if clocks >= needed { return .timeOfDay }
        let n = name.lowercased()
        if clocks + hhmm >= needed, n.contains("time") || n.contains("hour") || n.hasSuffix("tm") { return .timeOfDay }
        return .other
    }

    /// How strongly a column name speaks of the occurrence (positive) or of the report (negative).
    public static func nameScore(_ name: String) -> Int {
        let n = name.lowercased()
        var s = 0
        for w in ["occur", "crime", "incident", "offense", "offence", "event", "from", "start", "begin"]
        where n.contains(w) {
            s += 2
        }
        if n.contains("dispatch") { s += 1 }
        if n.contains("date") || n.contains("time") { s += 1 }
        for w in [
            "report", "rpt", "updated", "update", "entered", "modified", "created", "end", "to_", "through", "clear",
        ]
        where n.contains(w) {
            s -= 3
        }
        return s
    }

    /// The time column and the time-of-day column (if any) for `header` given sample rows
    /// (`samples[c]` holds column c's first values). `mapped` are the columns the user or the
    /// names fixed already; they are kept.
    public static func choose(
        header: [String], samples: [[String]], mappedTime: Int?, mappedTimeOfDay: Int?, explicitTime: Bool
    ) -> (time: Int?, timeOfDay: Int?) {
        let kinds = header.indices.map { kind(values: samples[$0], name: header[$0]) }
        func best(_ k: Kind, excluding: Set<Int> = []) -> Int? {
            header.indices.filter { kinds[$0] == k && !excluding.contains($0) }
                .max { (nameScore(header[$0]), -$0) < (nameScore(header[$1]), -$1) }
        }
        var time = mappedTime
        // A name match that holds no dates (a `Date` column of text, say) yields to the values,
        // unless the user named it.
        let hasValues = { (c: Int) in samples[c].contains { !$0.trimmingCharacters(in: .whitespaces).isEmpty } }
        if let t = time, !explicitTime, kinds[t] != .dateTime, kinds[t] != .date, hasValues(t) {
            time = nil
        }
        if time == nil { time = best(.dateTime) ?? best(.date) }
        guard let t = time else { return (nil, mappedTimeOfDay) }
        if let tod = mappedTimeOfDay { return (t, tod) }
        guard kinds[t] == .date else { return (t, nil) }
        // A date alone: find its time of day, preferring the column named like it (CrimeDate → CrimeTime).
        let twin = header[t].lowercased().replacingOccurrences(of: "date", with: "time")
        let candidates = header.indices.filter { kinds[$0] == .timeOfDay && $0 != t }
        if let same = candidates.first(where: { header[$0].lowercased() == twin }) { return (t, same) }
        return (t, candidates.max { (nameScore(header[$0]), -$0) < (nameScore(header[$1]), -$1) })
    }
}
