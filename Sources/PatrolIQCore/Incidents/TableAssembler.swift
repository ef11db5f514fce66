/// Copies the kept records of ingest batches into `IncidentTable` chunks, a run of consecutive records
/// at a time for the fixed-width columns.
struct TableAssembler {
    /// Column indices of the ID and case number, −1 when absent.
    let iID: Int
    let iCase: Int
    /// (first record, length) of each run of consecutive kept records.
    private var runs: [SIMD2<Int32>] = []

    init(mapping: ColumnMapping) {
        iID = mapping.index[.id] ?? -1
        iCase = mapping.index[.caseNumber] ?? -1
    }

    /// Appends the records listed in `batch.columns.kept[range]` to `t`.
    mutating func append(_ batch: CSVBatch, kept range: Range<Int>, to t: inout IncidentTable) {
        let c = batch.columns
        runs.removeAll(keepingCapacity: true)
        c.kept.withUnsafeBufferPointer { k in
            var i = range.lowerBound
            while i < range.upperBound {
                let start = k[i]
                var end = start + 1
                i += 1
                while i < range.upperBound && k[i] == end {
                    end += 1
                    i += 1
                }
                runs.append(SIMD2(start, end - start))
            }
        }
        t.time.append(runs: runs, of: c.time)
        t.block.append(runs: runs, of: c.block)
        t.iucr.append(runs: runs, of: c.iucr)
        t.type.append(runs: runs, of: c.type)
        t.description.append(runs: runs, of: c.description)
        t.locationDescription.append(runs: runs, of: c.locationDescription)
        t.fbiCode.append(runs: runs, of: c.fbiCode)
        t.arrest.append(runs: runs, of: c.arrest)
        t.domestic.append(runs: runs, of: c.domestic)
        t.beat.append(runs: runs, of: c.beat)
        t.district.append(runs: runs, of: c.district)
        t.ward.append(runs: runs, of: c.ward)
        t.communityArea.append(runs: runs, of: c.communityArea)
        t.latitude.append(runs: runs, of: c.latitude)
        t.longitude.append(runs: runs, of: c.longitude)
        t.x.append(runs: runs, of: c.x)
        t.y.append(runs: runs, of: c.y)
        t.hour.append(runs: runs, of: c.hour)
        t.weekday.append(runs: runs, of: c.weekday)
        t.month.append(runs: runs, of: c.month)
        t.weekend.append(runs: runs, of: c.weekend)
        t.season.append(runs: runs, of: c.season)
        t.severity.append(runs: runs, of: c.severity)
        t.cell.append(runs: runs, of: c.cell)
        for i in range {
            let r = batch.record(Int(c.kept[i]))
            if iID >= 0 {
                t.id.append(ByteParsing.trim(r.field(iID)))
            } else {
                var s = String(r.line)
                s.withUTF8 { t.id.append($0) }
            }
            t.caseNumber.append(
                iCase >= 0 ? ByteParsing.trim(r.field(iCase)) : UnsafeBufferPointer(start: nil, count: 0))
            t.line.append(Int64(r.line))
        }
    }
}
