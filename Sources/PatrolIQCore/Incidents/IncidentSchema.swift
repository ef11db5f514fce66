/// The incident fields PatrolIQ understands, and how a CSV header maps onto them.
public enum IncidentField: String, CaseIterable, Sendable, Codable {
    case id
    case caseNumber = "case_number"
    case time, block, iucr, type, description
    case locationDescription = "location_description"
    case arrest, domestic, beat, district, ward
    case communityArea = "community_area"
    case fbiCode = "fbi_code"
    case latitude, longitude
    /// A time of day in a column of its own, added to the date in `time` (portals that publish
    /// `CrimeDate` and `CrimeTime`, or `dispatch_date` and `dispatch_time`).
    case timeOfDay = "time_of_day"

    /// The City of Chicago portal's column name.
    public var chicagoColumn: String {
        switch self {
        case .id: "ID"
        case .caseNumber: "Case Number"
        case .time: "Date"
        case .block: "Block"
        case .iucr: "IUCR"
        case .type: "Primary Type"
        case .description: "Description"
        case .locationDescription: "Location Description"
        case .arrest: "Arrest"
        case .domestic: "Domestic"
        case .beat: "Beat"
        case .district: "District"
        case .ward: "Ward"
        case .communityArea: "Community Area"
        case .fbiCode: "FBI Code"
        case .latitude: "Latitude"
        case .longitude: "Longitude"
        case .timeOfDay: "Time Of Day"
        }
    }

    /// Header names other portals use, tried (case-insensitively) when no mapping is given.
    var synonyms: [String] {
        switch self {
        case .id: ["id", "row id", "offense_id", "incident_id", "incident id", "objectid"]
        case .caseNumber: ["case number", "case_number", "incident number", "report number"]
        case .time:
            [
                "date", "datetime", "incident datetime", "occurred_on", "occurredon",
                "first_occurrence_date",
                "occurrence date", "date_time", "timestamp",
            ]
        case .block: ["block", "address", "incident_address", "incident address"]
        case .iucr: ["iucr", "offense_code", "incident code"]
        case .type:
            [
                "primary type", "primary_type", "type", "category", "incident category",
                "offense_category_id",
                "offense", "crime type",
            ]
        case .description: ["description", "incident description", "offense_type_id", "subcategory"]
        case .locationDescription: ["location description", "location_description", "premise"]
        case .arrest: ["arrest"]
        case .domestic: ["domestic"]
        case .beat: ["beat"]
        case .district: ["district", "district_id", "police district", "precinct"]
        case .ward: ["ward"]
        case .communityArea:
            ["community area", "community_area", "neighborhood_id", "analysis neighborhood"]
        case .fbiCode: ["fbi code", "fbi_code", "ucr"]
        case .latitude: ["latitude", "lat", "geo_lat", "y_lat"]
        case .longitude: ["longitude", "lon", "lng", "long", "geo_lon", "x_lon"]
        // Found from the values (see TimeColumns), not by name alone.
        case .timeOfDay: []
        }
    }

    static let required: [IncidentField] = [.latitude, .longitude, .time]

    /// Fields a user may name with `--map` (and `date`, the same as `time`).
    public static var mappable: String { (allCases.map(\.rawValue) + ["date"]).joined(separator: ", ") }
}

/// Which CSV column feeds each field, resolved against a header row.
public struct ColumnMapping: Sendable, Equatable {
    /// Column index of each mapped field.
    public private(set) var index: [IncidentField: Int] = [:]
    /// True when the header is the City of Chicago portal's.
    public private(set) var isChicago = false
    public let header: [String]

    /// Sets the time columns found from the values.
    public mutating func setTime(_ time: Int, timeOfDay: Int?) {
        index[.time] = time
        index[.timeOfDay] = timeOfDay
    }

    /// Parses `--map latitude=Lat,longitude=Lon,...` into field → column name.
    public static func parse(_ spec: String, file: String) throws -> [IncidentField: String] {
        var out: [IncidentField: String] = [:]
        for part in spec.split(separator: ",", omittingEmptySubsequences: true) {
            let kv = part.split(separator: "=", maxSplits: 1).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard kv.count == 2, !kv[1].isEmpty else {
                throw InputError(file: file, "--map entry '\(part)' is not FIELD=COLUMN")
            }
            // `date` names the column whose date `time_of_day` completes: it is the time field.
            if kv[0].lowercased() == "date" {
                out[.time] = kv[1]
                continue
            }
            guard
                let f = IncidentField(rawValue: kv[0].lowercased())
                    ?? IncidentField.allCases.first(where: {
                        "\($0)".lowercased() == kv[0].lowercased()
                    })
            else {
                throw InputError(file: file, "--map names unknown field '\(kv[0])' (known: \(IncidentField.mappable))")
            }
            out[f] = kv[1]
        }
        return out
    }

    /// Resolves fields against `header`: explicit `map` entries first, then the Chicago names, then synonyms.
    /// Throws when a mapped column is absent or a required field (latitude, longitude, time) has no column.
    /// With `requireTime` false a missing time column is left for `TimeColumns` to find from the values.
    public init(header: [String], map: [IncidentField: String] = [:], file: String, requireTime: Bool = true) throws {
        self.header = header
        let norm = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        func find(_ name: String) -> Int? { norm.firstIndex(of: name.lowercased()) }
        let chicagoNames = IncidentField.allCases.filter { $0 != .timeOfDay }.map { $0.chicagoColumn.lowercased() }
        isChicago = map.isEmpty && chicagoNames.allSatisfy { norm.contains($0) }
        for f in IncidentField.allCases {
            if let col = map[f] {
                guard let i = find(col) else {
                    throw InputError(
                        file: file, line: 1, field: col,
                        "--map \(f.rawValue)=\(col): no such column in the header")
                }
                index[f] = i
            } else if let i = find(f.chicagoColumn) ?? f.synonyms.lazy.compactMap(find).first {
                index[f] = i
            }
        }
        for f in IncidentField.required where index[f] == nil && (requireTime || f != .time) {
            throw InputError(
                file: file, line: 1, field: f.rawValue,
                "no \(f.rawValue) column in the header; name it with --map \(f.rawValue)=COLUMN")
        }
    }
}
