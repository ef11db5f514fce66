/// Validates one CSV record and appends it, with its features, to an `IncidentTable`.
///
/// Categorical columns are interned into byte dictionaries; nothing allocates per row once the
/// dictionaries have seen each value.
struct RowBuilder {
    let fieldCount: Int
    let projection: LocalProjection
    let grid: SquareGrid
    let extent: GeoBounds
    let options: IngestOptions
    private(set) var timeFormat: TimestampFormat?

    // Column indices, −1 when the field is not in the file.
    let iID, iCase, iTime, iBlock, iIUCR, iType, iDesc, iLocDesc, iArrest, iDomestic: Int
    let iBeat, iDistrict, iWard, iCommunity, iFBI, iLat, iLon: Int

    var blocks = ByteDictionary(capacity: 1 << 14)
    var iucrs = ByteDictionary()
    var types = ByteDictionary()
    var descriptions = ByteDictionary(capacity: 1024)
    var locations = ByteDictionary(capacity: 512)
    var fbiCodes = ByteDictionary()
    var ids = IDSet()
    /// Severity per (type code, FBI code) pair, computed once per pair.
    var severityCache: [Int64: UInt8] = [:]
    /// Per type code: kept by `--types`?
    var typeAllowed: [Bool] = []
    var failedDetections = 0

    init(
        mapping: ColumnMapping, fieldCount: Int, projection: LocalProjection, grid: SquareGrid, extent: GeoBounds,
        options: IngestOptions
    ) {
        self.fieldCount = fieldCount
        self.projection = projection
        self.grid = grid
        self.extent = extent
        self.options = options
        timeFormat = options.timeFormat ?? (mapping.isChicago ? .chicago : nil)
        func ix(_ f: IncidentField) -> Int { mapping.index[f] ?? -1 }
        iID = ix(.id)
        iCase = ix(.caseNumber)
        iTime = ix(.time)
        iBlock = ix(.block)
        iIUCR = ix(.iucr)
        iType = ix(.type)
        iDesc = ix(.description)
        iLocDesc = ix(.locationDescription)
        iArrest = ix(.arrest)
        iDomestic = ix(.domestic)
        iBeat = ix(.beat)
        iDistrict = ix(.district)
        iWard = ix(.ward)
        iCommunity = ix(.communityArea)
        iFBI = ix(.fbiCode)
        iLat = ix(.latitude)
        iLon = ix(.longitude)
    }

    var dictionaries: IncidentDictionaries {
        var d = IncidentDictionaries()
        d.block = blocks.strings
        d.iucr = iucrs.strings
        d.type = types.strings
        d.description = descriptions.strings
        d.locationDescription = locations.strings
        d.fbiCode = fbiCodes.strings
        return d
    }

    private static var empty: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: nil, count: 0) }

    @inline(__always)
    private func field(_ r: CSVRecord, _ i: Int) -> UnsafeBufferPointer<UInt8> {
        i >= 0 ? ByteParsing.trim(r.field(i)) : Self.empty
    }

    private mutating func parseTime(_ f: UnsafeBufferPointer<UInt8>) -> Int64? {
        if let fmt = timeFormat { return fmt.parse(f) }
        // Detect the layout from the first value that fits one of the common layouts.
        for fmt in TimestampFormat.common {
            if let t = fmt.parse(f) {
                timeFormat = fmt
                return t
            }
        }
        return nil
    }

    @inline(__always)
    private static func intOrMissing(_ f: UnsafeBufferPointer<UInt8>) -> Int32 {
        guard let v = ByteParsing.int(f), v >= Int64(Int32.min), v <= Int64(Int32.max) else { return -1 }
        return Int32(v)
    }

    @inline(__always)
    private static func flag(_ f: UnsafeBufferPointer<UInt8>) -> Int8 {
        guard let b = ByteParsing.bool(f) else { return -1 }
        return b ? 1 : 0
    }

    /// Validates `r`; appends it to `t` or records why not in `report`.
    mutating func add(_ r: CSVRecord, to t: inout IncidentTable, report: inout QualityReport) {
        let line = r.line
        guard r.count == fieldCount else {
            report.reject(.wrongFieldCount, line: line)
            return
        }
        let tf = field(r, iTime)
        if tf.isEmpty {
            report.reject(.missingDate, line: line)
            return
        }
        guard let time = parseTime(tf) else {
            report.reject(.unparsableDate, line: line)
            return
        }
        let latF = field(r, iLat)
        let lonF = field(r, iLon)
        if latF.isEmpty || lonF.isEmpty {
            report.reject(.missingCoordinates, line: line)
            return
        }
        guard let lat = ByteParsing.double(latF), let lon = ByteParsing.double(lonF) else {
            report.reject(.unparsableCoordinates, line: line)
            return
        }
        guard extent.contains(lon: lon, lat: lat) else {
            report.reject(.outsideExtent, line: line)
            return
        }
        if let s = options.since, time < s {
            report.exclude(.beforeSince, line: line)
            return
        }
        if let u = options.until, time >= u {
            report.exclude(.afterUntil, line: line)
            return
        }
        let typeCode = types.intern(iType >= 0 ? field(r, iType) : Self.unspecified).code
        if let wanted = options.types {
            while typeAllowed.count < types.count {
                typeAllowed.append(wanted.contains(types.string(Int32(typeAllowed.count)).uppercased()))
            }
            if !typeAllowed[Int(typeCode)] {
                report.exclude(.typeNotSelected, line: line)
                return
            }
        }
        if iID >= 0 {
            guard ids.insert(field(r, iID)) else {
                report.reject(.duplicateID, line: line)
                return
            }
            t.id.append(field(r, iID))
        } else {
            var s = String(line)
            s.withUTF8 { t.id.append($0) }
        }
        t.caseNumber.append(field(r, iCase))
        t.time.append(time)
        t.block.append(blocks.intern(field(r, iBlock)).code)
        t.iucr.append(iucrs.intern(field(r, iIUCR)).code)
        t.type.append(typeCode)
        t.description.append(descriptions.intern(field(r, iDesc)).code)
        t.locationDescription.append(locations.intern(field(r, iLocDesc)).code)
        let fbi = fbiCodes.intern(field(r, iFBI)).code
        t.fbiCode.append(fbi)
        t.arrest.append(Self.flag(field(r, iArrest)))
        t.domestic.append(Self.flag(field(r, iDomestic)))
        t.beat.append(Self.intOrMissing(field(r, iBeat)))
        t.district.append(Self.intOrMissing(field(r, iDistrict)))
        t.ward.append(Self.intOrMissing(field(r, iWard)))
        t.communityArea.append(Self.intOrMissing(field(r, iCommunity)))
        t.latitude.append(lat)
        t.longitude.append(lon)
        let p = projection.project(lon: lon, lat: lat)
        t.x.append(p.x)
        t.y.append(p.y)
        let tf2 = TimeFeatures(time)
        t.hour.append(tf2.hour)
        t.weekday.append(tf2.weekday)
        t.month.append(tf2.month)
        t.weekend.append(tf2.weekend ? 1 : 0)
        t.season.append(tf2.season)
        let key = Int64(typeCode) << 32 | Int64(fbi)
        if let s = severityCache[key] {
            t.severity.append(s)
        } else {
            let fbiText = iFBI >= 0 ? fbiCodes.string(fbi) : nil
            let s = Severity.score(fbiCode: fbiText, type: types.string(typeCode))
            severityCache[key] = s
            t.severity.append(s)
        }
        t.cell.append(grid.cell(p))
        t.line.append(Int64(line))
    }

    /// The type of records from sources without a type column.
    nonisolated(unsafe) private static let unspecified: UnsafeBufferPointer<UInt8> = {
        let b = Array("UNSPECIFIED".utf8)
        let p = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: b.count)
        _ = p.initialize(from: b)
        return UnsafeBufferPointer(p)
    }()
}
