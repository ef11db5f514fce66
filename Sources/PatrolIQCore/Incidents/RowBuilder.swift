/// Applies the filters and the duplicate-ID check, and interns the categorical columns of each record.
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
    /// The same for the common small codes, flat: `[type * 128 + fbi]`, 0 until scored (scores are 1–10).
    var severityTable: [UInt8] = []
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

    /// Applies the filters and the duplicate-ID check to every record of `batch` that passed
    /// `RowPreparer`, writes the dictionary codes and severity of each, and lists the kept records.
    mutating func build(_ batch: CSVBatch, report: inout QualityReport) {
        let c = batch.columns
        c.kept.removeAll(keepingCapacity: true)
        c.kept.reserveCapacity(batch.count)
        report.rowsRead += batch.count
        for ri in 0..<batch.count {
            let r = batch.record(ri)
            if let reason = RowPreparer.reason(c.status[ri]) {
                report.reject(reason, line: r.line)
                continue
            }
            let time = c.time[ri]
            if let s = options.since, time < s {
                report.exclude(.beforeSince, line: r.line)
                continue
            }
            if let u = options.until, time >= u {
                report.exclude(.afterUntil, line: r.line)
                continue
            }
            let typeCode = types.intern(iType >= 0 ? field(r, iType) : Self.unspecified).code
            if let wanted = options.types {
                while typeAllowed.count < types.count {
                    typeAllowed.append(wanted.contains(types.string(Int32(typeAllowed.count)).uppercased()))
                }
                if !typeAllowed[Int(typeCode)] {
                    report.exclude(.typeNotSelected, line: r.line)
                    continue
                }
            }
            if iID >= 0 {
                switch ids.insert(field(r, iID), content: r.contentHash) {
                case .new: break
                case .sameRecord:
                    report.reject(.duplicateID, line: r.line)
                    continue
                case .otherRecord: report.noteRepeatedID(line: r.line)
                }
            }
            c.type[ri] = typeCode
            c.block[ri] = blocks.intern(field(r, iBlock)).code
            c.iucr[ri] = iucrs.intern(field(r, iIUCR)).code
            c.description[ri] = descriptions.intern(field(r, iDesc)).code
            c.locationDescription[ri] = locations.intern(field(r, iLocDesc)).code
            let fbi = fbiCodes.intern(field(r, iFBI)).code
            c.fbiCode[ri] = fbi
            c.severity[ri] = severity(type: typeCode, fbi: fbi)
            c.kept.append(Int32(ri))
        }
    }

    /// Severity of a (type, FBI code) pair, scored once per pair.
    @inline(__always)
    private mutating func severity(type: Int32, fbi: Int32) -> UInt8 {
        let flat = fbi < 128 && type < 4096 ? Int(type) << 7 | Int(fbi) : -1
        if flat >= 0 && flat < severityTable.count && severityTable[flat] != 0 { return severityTable[flat] }
        let key = Int64(type) << 32 | Int64(fbi)
        if let known = severityCache[key] { return known }
        let s = Severity.score(fbiCode: iFBI >= 0 ? fbiCodes.string(fbi) : nil, type: types.string(type))
        severityCache[key] = s
        if flat >= 0 {
            if flat >= severityTable.count {
                severityTable += [UInt8](repeating: 0, count: (Int(type) + 1) << 7 - severityTable.count)
            }
            severityTable[flat] = s
        }
        return s
    }

    /// The type of records from sources without a type column.
    nonisolated(unsafe) private static let unspecified: UnsafeBufferPointer<UInt8> = {
        let b = Array("UNSPECIFIED".utf8)
        let p = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: b.count)
        _ = p.initialize(from: b)
        return UnsafeBufferPointer(p)
    }()
}
