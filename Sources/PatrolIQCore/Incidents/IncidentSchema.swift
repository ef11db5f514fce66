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
        }
    }

    static let required: [IncidentField] = [.latitude, .longitude, .time]
}

/// Which CSV column feeds each field, resolved against a header row.
public struct ColumnMapping: Sendable, Equatable {
    /// Column index of each mapped field.
    public private(set) var index: [IncidentField: Int] = [:]
    /// True when the header is the City of Chicago portal's.
    public private(set) var isChicago = false
    public let header: [String]

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
            guard
                let f = IncidentField(rawValue: kv[0].lowercased())
                    ?? IncidentField.allCases.first(where: {
                        "\($0)".lowercased() == kv[0].lowercased()
                    })
            else {
                let names = IncidentField.allCases.map(\.rawValue).joined(separator: ", ")
                throw InputError(file: file, "--map names unknown field '\(kv[0])' (known: \(names))")
            }
            out[f] = kv[1]
        }
        return out
    }

    /// Resolves fields against `header`: explicit `map` entries first, then the Chicago names, then synonyms.
    /// Throws when a mapped column is absent or a required field (latitude, longitude, time) has no column.
    public init(header: [String], map: [IncidentField: String] = [:], file: String) throws {
        self.header = header
        let norm = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        func find(_ name: String) -> Int? { norm.firstIndex(of: name.lowercased()) }
        let chicagoNames = IncidentField.allCases.map { $0.chicagoColumn.lowercased() }
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
        for f in IncidentField.required where index[f] == nil {
            throw InputError(
                file: file, line: 1, field: f.rawValue,
                "no \(f.rawValue) column in the header; name it with --map \(f.rawValue)=COLUMN")
        }
    }
}
