/// Per-record values of one `CSVBatch`, in the workspace's column layout, filled by index as the batch
/// moves through the ingest pipeline: `RowPreparer` writes validation results and features, `RowBuilder`
/// the dictionary codes and the list of kept records, and `TableAssembler` copies the kept runs into an
/// `IncidentTable` column by column.
///
/// Fixed-capacity buffers written by index cost no bookkeeping per value, unlike an `Array.append`,
/// which checks uniqueness and capacity on every call; with about 30 values per record that check was
/// a quarter of an ingest's time.
final class BatchColumns {
    /// 0 when the record passed the checks, else 1 + the index of its `RejectReason` in `allCases`.
    var status = Scratch<UInt8>()
    var time = Scratch<Int64>()
    var latitude = Scratch<Double>()
    var longitude = Scratch<Double>()
    var x = Scratch<Double>()
    var y = Scratch<Double>()
    var hour = Scratch<UInt8>()
    var weekday = Scratch<UInt8>()
    var month = Scratch<UInt8>()
    var weekend = Scratch<UInt8>()
    var season = Scratch<UInt8>()
    var cell = Scratch<Int32>()
    var beat = Scratch<Int32>()
    var district = Scratch<Int32>()
    var ward = Scratch<Int32>()
    var communityArea = Scratch<Int32>()
    var arrest = Scratch<Int8>()
    var domestic = Scratch<Int8>()
    // Filled by `RowBuilder`.
    var block = Scratch<Int32>()
    var iucr = Scratch<Int32>()
    var type = Scratch<Int32>()
    var description = Scratch<Int32>()
    var locationDescription = Scratch<Int32>()
    var fbiCode = Scratch<Int32>()
    var severity = Scratch<UInt8>()
    /// Records kept, in file order.
    var kept: [Int32] = []

    /// Makes room for `n` records (previous values are not kept).
    func reserve(_ n: Int) {
        guard n > status.capacity else { return }
        let c = max(n, status.capacity * 2)
        status.reallocate(c)
        time.reallocate(c)
        latitude.reallocate(c)
        longitude.reallocate(c)
        x.reallocate(c)
        y.reallocate(c)
        hour.reallocate(c)
        weekday.reallocate(c)
        month.reallocate(c)
        weekend.reallocate(c)
        season.reallocate(c)
        cell.reallocate(c)
        beat.reallocate(c)
        district.reallocate(c)
        ward.reallocate(c)
        communityArea.reallocate(c)
        arrest.reallocate(c)
        domestic.reallocate(c)
        block.reallocate(c)
        iucr.reallocate(c)
        type.reallocate(c)
        description.reallocate(c)
        locationDescription.reallocate(c)
        fbiCode.reallocate(c)
        severity.reallocate(c)
    }

    deinit {
        for p in [
            status.raw, time.raw, latitude.raw, longitude.raw, x.raw, y.raw, hour.raw, weekday.raw, month.raw,
            weekend.raw, season.raw, cell.raw, beat.raw, district.raw, ward.raw, communityArea.raw, arrest.raw,
            domestic.raw, block.raw, iucr.raw, type.raw, description.raw, locationDescription.raw, fbiCode.raw,
            severity.raw,
        ] { p?.deallocate() }
    }
}

/// An uninitialised buffer of trivial values, written and read by index; its owner frees it.
struct Scratch<T: BitwiseCopyable> {
    private(set) var base = UnsafeMutablePointer<T>(bitPattern: MemoryLayout<T>.alignment)!
    private(set) var capacity = 0

    var raw: UnsafeMutableRawPointer? { capacity > 0 ? UnsafeMutableRawPointer(base) : nil }

    mutating func reallocate(_ n: Int) {
        if capacity > 0 { base.deallocate() }
        base = .allocate(capacity: n)
        capacity = n
    }

    @inline(__always)
    subscript(i: Int) -> T {
        get { base[i] }
        nonmutating set { base[i] = newValue }
    }
}

extension Array where Element: BitwiseCopyable {
    /// Appends `src[start ..< start + count]` for each run: the kept records of a batch, copied a run at a time.
    @inline(__always)
    mutating func append(runs: [SIMD2<Int32>], of src: Scratch<Element>) {
        for r in runs {
            append(contentsOf: UnsafeBufferPointer(start: src.base + Int(r.x), count: Int(r.y)))
        }
    }
}
