/// Variable-length strings stored end to end: entry i is `bytes[offsets[i]..<offsets[i+1]]`.
public struct StringColumn: Sendable, Equatable {
    public var bytes: [UInt8] = []
    public var offsets: [UInt32] = [0]

    public init() {}
    public init(bytes: [UInt8], offsets: [UInt32]) {
        self.bytes = bytes
        self.offsets = offsets
    }

    public var count: Int { offsets.count - 1 }

    @inline(__always)
    public mutating func append(_ b: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: b)
        offsets.append(UInt32(truncatingIfNeeded: bytes.count))
    }

    public subscript(i: Int) -> String {
        String(decoding: bytes[Int(offsets[i])..<Int(offsets[i + 1])], as: UTF8.self)
    }

    /// Rows `indices`, in that order.
    public func select(_ indices: [Int]) -> StringColumn {
        var out = StringColumn()
        // A column not loaded stays empty.
        guard count > 0 else { return out }
        out.bytes.reserveCapacity(bytes.count * indices.count / max(count, 1))
        out.offsets.reserveCapacity(indices.count + 1)
        bytes.withUnsafeBufferPointer { b in
            for i in indices {
                out.append(UnsafeBufferPointer(rebasing: b[Int(offsets[i])..<Int(offsets[i + 1])]))
            }
        }
        return out
    }

    /// Appends all of `other`.
    public mutating func append(contentsOf other: StringColumn) {
        let base = UInt32(bytes.count)
        bytes.append(contentsOf: other.bytes)
        offsets.append(contentsOf: other.offsets.dropFirst().map { $0 + base })
    }
}

/// Incidents held column by column, with their derived features.
///
/// Categorical text (type, description, block, …) is dictionary-encoded: the row holds an `Int32` code
/// into `IncidentDictionaries`. Missing integers are −1; `arrest`/`domestic` are 1, 0, or −1 when unknown.
public struct IncidentTable: Sendable, Equatable {
    public var id = StringColumn()
    public var caseNumber = StringColumn()
    /// Local wall-clock seconds since 1970-01-01 (no time zone applied: the source's own clock).
    public var time: [Int64] = []
    public var block: [Int32] = []
    public var iucr: [Int32] = []
    public var type: [Int32] = []
    public var description: [Int32] = []
    public var locationDescription: [Int32] = []
    public var fbiCode: [Int32] = []
    public var arrest: [Int8] = []
    public var domestic: [Int8] = []
    public var beat: [Int32] = []
    public var district: [Int32] = []
    public var ward: [Int32] = []
    public var communityArea: [Int32] = []
    public var latitude: [Double] = []
    public var longitude: [Double] = []
    // Derived features.
    /// Projected metres east / north of the workspace origin (`LocalProjection`).
    public var x: [Double] = []
    public var y: [Double] = []
    public var hour: [UInt8] = []
    /// 0 = Monday … 6 = Sunday (ISO, as pandas' `dayofweek`).
    public var weekday: [UInt8] = []
    public var month: [UInt8] = []
    public var weekend: [UInt8] = []
    /// 0 winter (Dec–Feb), 1 spring, 2 summer, 3 autumn (meteorological seasons, northern hemisphere).
    public var season: [UInt8] = []
    /// 1–10, see `Severity`.
    public var severity: [UInt8] = []
    /// Cell id in the workspace's `SquareGrid`.
    public var cell: [Int32] = []
    /// Physical line in the source file where the record started.
    public var line: [Int64] = []

    public init() {}

    /// An empty table with room for `n` rows in every column.
    public init(reserving n: Int) {
        id.bytes.reserveCapacity(n * 9)
        id.offsets.reserveCapacity(n + 1)
        caseNumber.bytes.reserveCapacity(n * 9)
        caseNumber.offsets.reserveCapacity(n + 1)
        for k in [\IncidentTable.time, \.line] { self[keyPath: k].reserveCapacity(n) }
        for k in [
            \IncidentTable.block, \.iucr, \.type, \.description, \.locationDescription, \.fbiCode, \.beat,
            \.district, \.ward, \.communityArea, \.cell,
        ] { self[keyPath: k].reserveCapacity(n) }
        for k in [\IncidentTable.arrest, \.domestic] { self[keyPath: k].reserveCapacity(n) }
        for k in [\IncidentTable.hour, \.weekday, \.month, \.weekend, \.season, \.severity] {
            self[keyPath: k].reserveCapacity(n)
        }
        for k in [\IncidentTable.latitude, \.longitude, \.x, \.y] {
            self[keyPath: k].reserveCapacity(n)
        }
    }

    /// Rows held; works when only some columns were loaded.
    public var count: Int { Swift.max(time.count, latitude.count, x.count, id.count, type.count, hour.count) }

    /// Empties every column, keeping its storage for reuse.
    public mutating func removeAll() {
        Self.empty(&self)
    }

    private static func empty(_ t: inout IncidentTable) {
        t.id.bytes.removeAll(keepingCapacity: true)
        t.id.offsets.removeAll(keepingCapacity: true)
        t.id.offsets.append(0)
        t.caseNumber.bytes.removeAll(keepingCapacity: true)
        t.caseNumber.offsets.removeAll(keepingCapacity: true)
        t.caseNumber.offsets.append(0)
        for k in [\IncidentTable.time, \.line] { t[keyPath: k].removeAll(keepingCapacity: true) }
        for k in [
            \IncidentTable.block, \.iucr, \.type, \.description, \.locationDescription, \.fbiCode, \.beat,
            \.district, \.ward, \.communityArea, \.cell,
        ] { t[keyPath: k].removeAll(keepingCapacity: true) }
        for k in [\IncidentTable.arrest, \.domestic] { t[keyPath: k].removeAll(keepingCapacity: true) }
        for k in [\IncidentTable.hour, \.weekday, \.month, \.weekend, \.season, \.severity] {
            t[keyPath: k].removeAll(keepingCapacity: true)
        }
        for k in [\IncidentTable.latitude, \.longitude, \.x, \.y] {
            t[keyPath: k].removeAll(keepingCapacity: true)
        }
    }

    /// Projected points, for clustering and density.
    public var points: [SIMD2<Double>] { (0..<count).map { SIMD2(x[$0], y[$0]) } }

    /// Puts the rows in `order` (a permutation), one column at a time, so the extra memory is one
    /// column, not a second table.
    public mutating func permute(_ order: [Int32]) {
        func apply<T>(_ a: inout [T]) {
            guard !a.isEmpty else { return }
            let old = a
            a = []
            a = order.map { old[Int($0)] }
        }
        let ints = order.map { Int($0) }
        id = id.select(ints)
        caseNumber = caseNumber.select(ints)
        apply(&time)
        apply(&block)
        apply(&iucr)
        apply(&type)
        apply(&description)
        apply(&locationDescription)
        apply(&fbiCode)
        apply(&arrest)
        apply(&domestic)
        apply(&beat)
        apply(&district)
        apply(&ward)
        apply(&communityArea)
        apply(&latitude)
        apply(&longitude)
        apply(&x)
        apply(&y)
        apply(&hour)
        apply(&weekday)
        apply(&month)
        apply(&weekend)
        apply(&season)
        apply(&severity)
        apply(&cell)
        apply(&line)
    }

    /// Rows `indices`, in that order; columns that were not loaded stay empty.
    public func select(_ indices: [Int]) -> IncidentTable {
        var t = IncidentTable()
        func pick<T>(_ a: [T]) -> [T] { a.isEmpty ? [] : indices.map { a[$0] } }
        t.id = id.select(indices)
        t.caseNumber = caseNumber.select(indices)
        t.time = pick(time)
        t.block = pick(block)
        t.iucr = pick(iucr)
        t.type = pick(type)
        t.description = pick(description)
        t.locationDescription = pick(locationDescription)
        t.fbiCode = pick(fbiCode)
        t.arrest = pick(arrest)
        t.domestic = pick(domestic)
        t.beat = pick(beat)
        t.district = pick(district)
        t.ward = pick(ward)
        t.communityArea = pick(communityArea)
        t.latitude = pick(latitude)
        t.longitude = pick(longitude)
        t.x = pick(x)
        t.y = pick(y)
        t.hour = pick(hour)
        t.weekday = pick(weekday)
        t.month = pick(month)
        t.weekend = pick(weekend)
        t.season = pick(season)
        t.severity = pick(severity)
        t.cell = pick(cell)
        t.line = pick(line)
        return t
    }

    /// Appends all rows of `other` (codes must come from the same dictionaries).
    public mutating func append(contentsOf o: IncidentTable) {
        id.append(contentsOf: o.id)
        caseNumber.append(contentsOf: o.caseNumber)
        time += o.time
        block += o.block
        iucr += o.iucr
        type += o.type
        description += o.description
        locationDescription += o.locationDescription
        fbiCode += o.fbiCode
        arrest += o.arrest
        domestic += o.domestic
        beat += o.beat
        district += o.district
        ward += o.ward
        communityArea += o.communityArea
        latitude += o.latitude
        longitude += o.longitude
        x += o.x
        y += o.y
        hour += o.hour
        weekday += o.weekday
        month += o.month
        weekend += o.weekend
        season += o.season
        severity += o.severity
        cell += o.cell
        line += o.line
    }
}

/// The code → text tables of the dictionary-encoded columns.
public struct IncidentDictionaries: Sendable, Equatable {
    public var block: [String] = []
    public var iucr: [String] = []
    public var type: [String] = []
    public var description: [String] = []
    public var locationDescription: [String] = []
    public var fbiCode: [String] = []
    public init() {}
}
