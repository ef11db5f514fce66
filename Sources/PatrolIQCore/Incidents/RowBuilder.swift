/// Validates one CSV record and appends it, with its features, to an `IncidentTable`.
///
/// Categorical columns are interned into byte dictionaries; nothing allocates per row once the
/// dictionaries have seen each value.
struct RowBuilder {
    let options: IngestOptions

    // Column indices, −1 when the field is not in the file.
    let iID, iCase, iBlock, iIUCR, iType, iDesc, iLocDesc, iFBI: Int

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

    init(mapping: ColumnMapping, options: IngestOptions) {
        self.options = options
        func ix(_ f: IncidentField) -> Int { mapping.index[f] ?? -1 }
        iID = ix(.id)
        iCase = ix(.caseNumber)
        iBlock = ix(.block)
        iIUCR = ix(.iucr)
        iType = ix(.type)
        iDesc = ix(.description)
        iLocDesc = ix(.locationDescription)
        iFBI = ix(.fbiCode)
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

    /// why not.
    mutating func add(
        _ batch: CSVBatch, _ ri: Int, to t: inout IncidentTable, report: inout QualityReport
    ) {
        let r = batch.record(ri)
        let line = r.line
        if let reason = batch.prepared.reject[ri] {
            report.reject(reason, line: line)
            return
        }
        let time = batch.prepared.time[ri]
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
        let flags = batch.prepared.flags[ri]
        t.arrest.append(flags.x)
        t.domestic.append(flags.y)
        let areas = batch.prepared.areas[ri]
        t.beat.append(areas.x)
        t.district.append(areas.y)
        t.ward.append(areas.z)
        t.communityArea.append(areas.w)
        t.latitude.append(batch.prepared.lat[ri])
        t.longitude.append(batch.prepared.lon[ri])
        let p = batch.prepared.xy[ri]
        t.x.append(p.x)
        t.y.append(p.y)
        let tf2 = batch.prepared.features[ri]
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
        t.cell.append(batch.prepared.cell[ri])
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
