/// Per-record results of the stateless half of validation, computed on the reading thread so the
/// building thread only interns, de-duplicates and appends.
struct PreparedRows {
    /// nil when the record passed; else why it was rejected.
    var reject: [RejectReason?] = []
    var time: [Int64] = []
    var lat: [Double] = []
    var lon: [Double] = []
    var xy: [SIMD2<Double>] = []
    var features: [TimeFeatures] = []
    var cell: [Int32] = []
    /// Beat, district, ward, community area (−1 when missing).
    var areas: [SIMD4<Int32>] = []
    /// Arrest, domestic (1, 0, −1 unknown).
    var flags: [SIMD2<Int8>] = []

    mutating func clear() {
        areas.removeAll(keepingCapacity: true)
        flags.removeAll(keepingCapacity: true)
        reject.removeAll(keepingCapacity: true)
        time.removeAll(keepingCapacity: true)
        lat.removeAll(keepingCapacity: true)
        lon.removeAll(keepingCapacity: true)
        xy.removeAll(keepingCapacity: true)
        features.removeAll(keepingCapacity: true)
        cell.removeAll(keepingCapacity: true)
    }
}

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

    mutating func prepare(_ batch: CSVBatch) {
        var p = batch.prepared
        p.clear()
        let n = batch.count
        p.reject.reserveCapacity(n)
        for r in 0..<n {
            let rec = batch.record(r)
            let (reason, time, lat, lon) = check(rec)
            p.reject.append(reason)
            p.time.append(time)
            p.lat.append(lat)
            p.lon.append(lon)
            if reason == nil {
                let xy = projection.project(lon: lon, lat: lat)
                p.xy.append(xy)
                p.features.append(TimeFeatures(time))
                p.cell.append(grid.cell(xy))
                p.areas.append(
                    SIMD4(area(rec, iBeat), area(rec, iDistrict), area(rec, iWard), area(rec, iCommunity)))
                p.flags.append(SIMD2(flag(rec, iArrest), flag(rec, iDomestic)))
            } else {
                p.xy.append(.zero)
                p.features.append(TimeFeatures(0))
                p.cell.append(-1)
                p.areas.append(SIMD4(repeating: -1))
                p.flags.append(SIMD2(repeating: -1))
            }
        }
        batch.prepared = p
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
