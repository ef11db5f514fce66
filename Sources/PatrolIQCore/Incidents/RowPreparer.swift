/// Checks field count, time and coordinates of each record and derives time features and metres.
struct RowPreparer {
    let fieldCount: Int
    let iTime: Int
    let iLat: Int
    let iLon: Int
    let iBeat, iDistrict, iWard, iCommunity, iArrest, iDomestic: Int
    let extent: GeoBounds
    let projection: LocalProjection
    let grid: SquareGrid
    /// Fixed by the user, by the schema, or detected from the first value that fits a common layout.
    private(set) var timeFormat: TimestampFormat?

    init(
        mapping: ColumnMapping, fieldCount: Int, extent: GeoBounds, projection: LocalProjection,
        grid: SquareGrid,
        timeFormat: TimestampFormat?
    ) {
        self.fieldCount = fieldCount
        iTime = mapping.index[.time] ?? 0
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

    private mutating func parseTime(_ f: UnsafeBufferPointer<UInt8>) -> Int64? {
        if let fmt = timeFormat { return fmt.parse(f) }
        for fmt in TimestampFormat.common {
            if let t = fmt.parse(f) {
                timeFormat = fmt
                return t
            }
        }
        return nil
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
        guard let time = parseTime(tf) else { return (.unparsableDate, 0, 0, 0) }
        let latF = ByteParsing.trim(r.field(iLat))
        let lonF = ByteParsing.trim(r.field(iLon))
        if latF.isEmpty || lonF.isEmpty { return (.missingCoordinates, time, 0, 0) }
        guard let lat = ByteParsing.double(latF), let lon = ByteParsing.double(lonF) else {
            return (.unparsableCoordinates, time, 0, 0)
        }
        guard extent.contains(lon: lon, lat: lat) else { return (.outsideExtent, time, lat, lon) }
        return (nil, time, lat, lon)
    }
}
