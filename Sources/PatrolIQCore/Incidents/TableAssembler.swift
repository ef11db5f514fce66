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
        batch.lines.withUnsafeBufferPointer { lines in
            lines.withMemoryRebound(to: Int64.self) { l in
                for r in runs {
                    t.line.append(contentsOf: UnsafeBufferPointer(rebasing: l[Int(r.x)..<Int(r.x + r.y)]))
                }
            }
        }
        c.kept.withUnsafeBufferPointer { k in
            let kept = UnsafeBufferPointer(rebasing: k[range])
            if iID >= 0 {
                t.id.append(fields: iID, of: kept, in: batch)
            } else {
                for ri in kept {
                    var s = String(batch.lines[Int(ri)])
                    s.withUTF8 { t.id.append($0) }
                }
            }
            if iCase >= 0 {
                t.caseNumber.append(fields: iCase, of: kept, in: batch)
            } else {
                t.caseNumber.offsets.append(
                    contentsOf: repeatElement(UInt32(truncatingIfNeeded: t.caseNumber.bytes.count), count: kept.count))
            }
        }
    }
}

extension StringColumn {
    /// Appends field `column` (trimmed) of each record in `records`: lengths first, then one copy per
    /// value into storage grown once, instead of two checked array appends per value.
    mutating func append(fields column: Int, of records: UnsafeBufferPointer<Int32>, in batch: CSVBatch) {
        var total = 0
        for ri in records { total += ByteParsing.trim(batch.record(Int(ri)).field(column)).count }
        var at = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: total))
        let firstOffset = offsets.count
        offsets.append(contentsOf: repeatElement(0, count: records.count))
        bytes.withUnsafeMutableBufferPointer { out in
            offsets.withUnsafeMutableBufferPointer { offs in
                for (k, ri) in records.enumerated() {
                    let f = ByteParsing.trim(batch.record(Int(ri)).field(column))
                    if let src = f.baseAddress, f.count > 0 {
                        (out.baseAddress! + at).update(from: src, count: f.count)
                    }
                    at += f.count
                    offs[firstOffset + k] = UInt32(truncatingIfNeeded: at)
                }
            }
        }
    }
}
