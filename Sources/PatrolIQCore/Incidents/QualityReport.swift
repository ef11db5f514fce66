/// Why a row was not kept. Every row read is either kept, rejected for one of these, or excluded by a
/// filter the user asked for; nothing is dropped silently.
public enum RejectReason: String, CaseIterable, Codable, Sendable {
    case wrongFieldCount = "wrong_field_count"
    case missingDate = "missing_date"
    case unparsableDate = "unparsable_date"
    case missingCoordinates = "missing_coordinates"
    case unparsableCoordinates = "unparsable_coordinates"
    case outsideExtent = "outside_extent"
    case duplicateID = "duplicate_id"
    case zeroCoordinates = "zero_coordinates"
    case missingTime = "missing_time"
    case unparsableTime = "unparsable_time"

    public var label: String {
        switch self {
        case .wrongFieldCount: "wrong field count"
        case .missingDate: "missing date"
        case .unparsableDate: "unparsable date"
        case .missingCoordinates: "missing coordinates"
        case .unparsableCoordinates: "unparsable coordinates"
        case .outsideExtent: "coordinates outside the extent"
        case .duplicateID: "duplicate record (same ID, same content)"
        case .zeroCoordinates: "coordinates (0, 0): place unknown"
        case .missingTime: "missing time of day"
        case .unparsableTime: "unparsable time of day"
        }
    }
}

/// Rows excluded on purpose by `--since`, `--until`, `--types` or `--recent`.
public enum FilterReason: String, CaseIterable, Codable, Sendable {
    case beforeSince = "before_since"
    case afterUntil = "after_until"
    case typeNotSelected = "type_not_selected"
    case notRecent = "not_recent"
}

/// Counts of what ingest did with each row, with the first line numbers of every rejection reason.
public struct QualityReport: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        public var count = 0
        /// The first `QualityReport.sampleLines` source line numbers (1-based, header is line 1).
        public var firstLines: [Int] = []
        enum CodingKeys: String, CodingKey {
            case count
            case firstLines = "first_lines"
        }
    }
    public static let sampleLines = 10

    public var file: String
    public var rowsRead = 0
    public var rowsKept = 0
    public var rejected: [String: Entry] = [:]
    public var excluded: [String: Entry] = [:]
    /// Rows kept although their ID was seen before with other content: one incident with several
    /// offences, as many portals publish it.
    public var repeatedIDs = Entry()
    public var extent: GeoBounds?
    public var timeFormat: String?
    public var schema: String = "chicago"

    enum CodingKeys: String, CodingKey {
        case file, extent, schema, rejected, excluded
        case rowsRead = "rows_read"
        case rowsKept = "rows_kept"
        case timeFormat = "time_format"
        case repeatedIDs = "repeated_ids_kept"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        file = try c.decode(String.self, forKey: .file)
        rowsRead = try c.decode(Int.self, forKey: .rowsRead)
        rowsKept = try c.decode(Int.self, forKey: .rowsKept)
        rejected = try c.decode([String: Entry].self, forKey: .rejected)
        excluded = try c.decode([String: Entry].self, forKey: .excluded)
        extent = try c.decodeIfPresent(GeoBounds.self, forKey: .extent)
        timeFormat = try c.decodeIfPresent(String.self, forKey: .timeFormat)
        schema = try c.decodeIfPresent(String.self, forKey: .schema) ?? "chicago"
        // Workspaces written before repeated IDs were kept have none.
        repeatedIDs = try c.decodeIfPresent(Entry.self, forKey: .repeatedIDs) ?? Entry()
    }

    public init(file: String) { self.file = file }

    public var rowsRejected: Int { rejected.values.reduce(0) { $0 + $1.count } }
    public var rowsExcluded: Int { excluded.values.reduce(0) { $0 + $1.count } }

    public mutating func reject(_ r: RejectReason, line: Int) {
        Self.add(&rejected[r.rawValue, default: Entry()], line)
    }
    public mutating func noteRepeatedID(line: Int) { Self.add(&repeatedIDs, line) }

    public mutating func exclude(_ r: FilterReason, line: Int, count: Int = 1) {
        Self.add(&excluded[r.rawValue, default: Entry()], line, count: count)
    }

    private static func add(_ e: inout Entry, _ line: Int, count: Int = 1) {
        e.count += count
        if e.firstLines.count < sampleLines && line > 0 { e.firstLines.append(line) }
    }

    public func count(_ r: RejectReason) -> Int { rejected[r.rawValue]?.count ?? 0 }
    public func count(_ r: FilterReason) -> Int { excluded[r.rawValue]?.count ?? 0 }

    /// A human-readable summary, one reason per line.
    public var text: String {
        var s = "\(file): \(rowsRead) rows read, \(rowsKept) kept, \(rowsRejected) rejected"
        if rowsExcluded > 0 { s += ", \(rowsExcluded) excluded by filters" }
        s += "\n"
        for r in RejectReason.allCases {
            guard let e = rejected[r.rawValue], e.count > 0 else { continue }
            let lines = e.firstLines.map(String.init).joined(separator: ", ")
            s += "  rejected  \(r.label): \(e.count) (first lines: \(lines))\n"
        }
        if repeatedIDs.count > 0 {
            let lines = repeatedIDs.firstLines.map(String.init).joined(separator: ", ")
            s += "  kept      repeated ID with other content: \(repeatedIDs.count) (first lines: \(lines))\n"
        }
        for r in FilterReason.allCases {
            guard let e = excluded[r.rawValue], e.count > 0 else { continue }
            s += "  excluded  \(r.rawValue.replacingOccurrences(of: "_", with: " ")): \(e.count)\n"
        }
        return s
    }
}
