/// Calendar features of a wall-clock timestamp.
public struct TimeFeatures: Sendable, Equatable {
    public var hour: UInt8
    /// 0 = Monday … 6 = Sunday.
    public var weekday: UInt8
    /// 1–12.
    public var month: UInt8
    public var weekend: Bool
    /// 0 winter (Dec–Feb), 1 spring (Mar–May), 2 summer (Jun–Aug), 3 autumn (Sep–Nov).
    public var season: UInt8

    public static let seasonNames = ["winter", "spring", "summer", "autumn"]
    public static let weekdayNames = [
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
    ]
    public static let monthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September",
        "October",
        "November", "December",
    ]

    /// Month of each day from 1970 to 2149, looked up instead of converting every record's day.
    static let monthOfDay: [UInt8] = (0..<65536).map { UInt8(CivilDate.civil(fromDays: $0).month) }

    @inline(__always)
    public init(_ t: Int64) {
        let days = t >= 0 ? t / 86400 : (t - 86399) / 86400
        let secs = t - days * 86400
        hour = UInt8(secs / 3600)
        // 1970-01-01 was a Thursday (ISO weekday 3 when Monday is 0).
        let wd = ((days + 3) % 7 + 7) % 7
        weekday = UInt8(wd)
        weekend = wd >= 5
        let m =
            days >= 0 && days < Int64(Self.monthOfDay.count)
            ? Int(Self.monthOfDay[Int(days)]) : CivilDate.civil(fromDays: Int(days)).month
        month = UInt8(m)
        season = UInt8((m % 12) / 3)
    }
}
