/// Checks field count, time and coordinates of each record and derives time features and metres.
struct RowPreparer {
    let fieldCount: Int
    let iTime: Int
    /// A separate time-of-day column (−1: none).
    let iTimeOfDay: Int
    let iLat: Int
    let iLon: Int
    let iBeat, iDistrict, iWard, iCommunity, iArrest, iDomestic: Int
    let extent: GeoBounds
    let projection: LocalProjection
    let grid: SquareGrid
    /// Fixed by the user, by the schema, or detected from the first value that fits a common layout.
    private(set) var timeFormat: TimestampFormat?
    /// The user gave the layout: values that do not fit it are rejected, not read another way.
    let strictFormat: Bool
    /// The first time value that could not be read, and its line, for the error when none can be.
    private(set) var firstUnreadTime: (value: String, line: Int)?

    init(
        mapping: ColumnMapping, fieldCount: Int, extent: GeoBounds, projection: LocalProjection,
        grid: SquareGrid,
        timeFormat: TimestampFormat?
    ) {
        self.fieldCount = fieldCount
        iTime = mapping.index[.time] ?? 0
        iTimeOfDay = mapping.index[.timeOfDay] ?? -1
        strictFormat = timeFormat != nil
        iLat = mapping.index[.latitude] ?? 0
        iLon = mapping.index[.longitude] ?? 0
        iBeat = mapping.index[.beat] ?? -1
        iDistrict = mapping.index[.district] ?? -1
        iWard = mapping.index[.ward] ?? -1
        iCommunity = mapping.index[.communityArea] ?? -1
        iArrest = mapping.index[.arrest] ?? -1
        iDomestic = mapping.index[.domestic] ?? -1
        self.extent = extent
        self.projection = projection
        self.grid = grid
        self.timeFormat = timeFormat ?? (mapping.isChicago ? .chicago : nil)
    }

    /// The wall-clock time of a value: the user's layout strictly; otherwise the layout detected
    /// from the first value, and for values that do not fit it (a column may mix layouts) every
    /// layout `FlexibleTime` knows, value by value.
    private mutating func parseTime(_ f: UnsafeBufferPointer<UInt8>) -> Int64? {
        if let fmt = timeFormat, let t = fmt.parse(f) { return t }
        if strictFormat { return nil }
        if timeFormat == nil {
            for fmt in TimestampFormat.common {
                if let t = fmt.parse(f) {
                    timeFormat = fmt
                    return t
                }
            }
        }
        return FlexibleTime.parse(f)?.seconds
    }

    private mutating func noteUnread(_ f: UnsafeBufferPointer<UInt8>, _ r: CSVRecord) {
        if firstUnreadTime == nil { firstUnreadTime = (String(decoding: f, as: UTF8.self), r.line) }
    }

    /// Fills the batch's validation status, time, coordinates, metres, features, areas and flags.
    mutating func prepare(_ batch: CSVBatch) {
        let c = batch.columns
        let n = batch.count
        c.reserve(n)
        for r in 0..<n {
            let rec = batch.record(r)
            let (reason, time, lat, lon) = check(rec)
            c.time[r] = time
            c.latitude[r] = lat
            c.longitude[r] = lon
            if let reason {
                c.status[r] = Self.statusCode[reason] ?? 1
                continue
            }
            c.status[r] = 0
            let xy = projection.project(lon: lon, lat: lat)
            c.x[r] = xy.x
            c.y[r] = xy.y
            let f = TimeFeatures(time)
            c.hour[r] = f.hour
            c.weekday[r] = f.weekday
            c.month[r] = f.month
            c.weekend[r] = f.weekend ? 1 : 0
            c.season[r] = f.season
            c.cell[r] = grid.cell(xy)
            c.beat[r] = area(rec, iBeat)
            c.district[r] = area(rec, iDistrict)
            c.ward[r] = area(rec, iWard)
            c.communityArea[r] = area(rec, iCommunity)
            c.arrest[r] = flag(rec, iArrest)
            c.domestic[r] = flag(rec, iDomestic)
        }
    }

    private static let reasons = RejectReason.allCases
    /// `BatchColumns.status` of each reason.
    private static let statusCode: [RejectReason: UInt8] = Dictionary(
        uniqueKeysWithValues: reasons.enumerated().map { ($1, UInt8($0 + 1)) })

    /// The reason a status code stands for (nil for 0, a record that passed).
    @inline(__always)
    static func reason(_ status: UInt8) -> RejectReason? {
        status == 0 ? nil : reasons[Int(status) - 1]
    }

    /// An integer area code, −1 when the column is absent, empty or not a number.
    @inline(__always)
    private func area(_ r: CSVRecord, _ i: Int) -> Int32 {
        guard i >= 0, let v = ByteParsing.int(r.field(i)), v >= Int64(Int32.min), v <= Int64(Int32.max) else {
            return -1
        }
        return Int32(v)
    }

    @inline(__always)
    private func flag(_ r: CSVRecord, _ i: Int) -> Int8 {
        guard i >= 0, let b = ByteParsing.bool(r.field(i)) else { return -1 }
        return b ? 1 : 0
    }

    @inline(__always)
    private mutating func check(_ r: CSVRecord) -> (RejectReason?, Int64, Double, Double) {
        guard r.count == fieldCount else { return (.wrongFieldCount, 0, 0, 0) }
        let tf = ByteParsing.trim(r.field(iTime))
        if tf.isEmpty { return (.missingDate, 0, 0, 0) }
        guard var time = parseTime(tf) else {
            noteUnread(tf, r)
            return (.unparsableDate, 0, 0, 0)
        }
        if iTimeOfDay >= 0 {
            let todF = ByteParsing.trim(r.field(iTimeOfDay))
            if todF.isEmpty { return (.missingTime, 0, 0, 0) }
            guard let tod = FlexibleTime.timeOfDay(todF) else {
                noteUnread(todF, r)
                return (.unparsableTime, 0, 0, 0)
            }
            // The date's own time (midnight, as such portals write it) gives way to the time column.
            let day = time >= 0 ? time / 86400 : (time - 86399) / 86400
            time = day * 86400 + Int64(tod)
        }
        let latF = ByteParsing.trim(r.field(iLat))
        let lonF = ByteParsing.trim(r.field(iLon))
        if latF.isEmpty || lonF.isEmpty { return (.missingCoordinates, time, 0, 0) }
        guard let lat = ByteParsing.double(latF), let lon = ByteParsing.double(lonF) else {
            return (.unparsableCoordinates, time, 0, 0)
        }
        // (0, 0) is how many systems write "no location": missing, not a place in the Atlantic.
        if lat == 0 && lon == 0 { return (.zeroCoordinates, time, 0, 0) }
        guard extent.contains(lon: lon, lat: lat) else { return (.outsideExtent, time, lat, lon) }
        return (nil, time, lat, lon)
    }
}
