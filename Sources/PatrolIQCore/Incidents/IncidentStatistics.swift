/// Descriptive statistics of a workspace's incidents, for `patroliq stats` and the dashboard.
public struct IncidentStatistics: Codable, Sendable, Equatable {
    public struct TypeCount: Codable, Sendable, Equatable {
        public var type: String
        public var count: Int
        public var share: Double
        public var arrestRate: Double
        public var domesticRate: Double
        public var meanSeverity: Double
        enum CodingKeys: String, CodingKey {
            case type, count, share
            case arrestRate = "arrest_rate"
            case domesticRate = "domestic_rate"
            case meanSeverity = "mean_severity"
        }
    }
    public struct DistrictCount: Codable, Sendable, Equatable {
        /// Police district number, or −1 where the source gave none.
        public var district: Int
        public var count: Int
        public var arrestRate: Double
        enum CodingKeys: String, CodingKey {
            case district, count
            case arrestRate = "arrest_rate"
        }
    }

    public var total: Int
    public var first: String
    public var last: String
    /// Rates over rows where the flag is known.
    public var arrestRate: Double
    public var domesticRate: Double
    public var types: [TypeCount]
    /// Index 0–23.
    public var byHour: [Int]
    /// Index 0 = Monday … 6 = Sunday.
    public var byWeekday: [Int]
    /// Index 0 = January … 11 = December.
    public var byMonth: [Int]
    /// Hour × weekday matrix: `hourWeekday[weekday][hour]`.
    public var hourWeekday: [[Int]]
    public var districts: [DistrictCount]

    enum CodingKeys: String, CodingKey {
        case total, first, last, types, districts
        case arrestRate = "arrest_rate"
        case domesticRate = "domestic_rate"
        case byHour = "by_hour"
        case byWeekday = "by_weekday"
        case byMonth = "by_month"
        case hourWeekday = "hour_weekday"
    }

    public init(_ t: IncidentTable, dictionaries d: IncidentDictionaries) {
        total = t.count
        first = t.time.min().map(CivilDate.iso) ?? ""
        last = t.time.max().map(CivilDate.iso) ?? ""
        let nt = max(d.type.count, (t.type.max().map { Int($0) + 1 }) ?? 0)
        var tc = [Int](repeating: 0, count: nt)
        var ta = [Int](repeating: 0, count: nt)
        var tak = [Int](repeating: 0, count: nt)
        var td = [Int](repeating: 0, count: nt)
        var tdk = [Int](repeating: 0, count: nt)
        var tsev = [Int](repeating: 0, count: nt)
        byHour = Array(repeating: 0, count: 24)
        byWeekday = Array(repeating: 0, count: 7)
        byMonth = Array(repeating: 0, count: 12)
        hourWeekday = Array(repeating: Array(repeating: 0, count: 24), count: 7)
        var dc: [Int32: (Int, Int, Int)] = [:]
        for i in 0..<t.count {
            let ty = Int(t.type[i])
            tc[ty] += 1
            tsev[ty] += Int(t.severity[i])
            if t.arrest[i] >= 0 {
                tak[ty] += 1
                ta[ty] += Int(t.arrest[i])
            }
            if t.domestic[i] >= 0 {
                tdk[ty] += 1
                td[ty] += Int(t.domestic[i])
            }
            byHour[Int(t.hour[i])] += 1
            byWeekday[Int(t.weekday[i])] += 1
            byMonth[Int(t.month[i]) - 1] += 1
            hourWeekday[Int(t.weekday[i])][Int(t.hour[i])] += 1
            var e = dc[t.district[i], default: (0, 0, 0)]
            e.0 += 1
            if t.arrest[i] >= 0 {
                e.1 += 1
                e.2 += Int(t.arrest[i])
            }
            dc[t.district[i]] = e
        }
        func rate(_ a: Int, _ n: Int) -> Double { n == 0 ? 0 : Double(a) / Double(n) }
        arrestRate = rate(ta.reduce(0, +), tak.reduce(0, +))
        domesticRate = rate(td.reduce(0, +), tdk.reduce(0, +))
        let total = self.total
        types = (0..<nt).filter { tc[$0] > 0 }.map {
            TypeCount(
                type: $0 < d.type.count ? d.type[$0] : "#\($0)", count: tc[$0], share: rate(tc[$0], total),
                arrestRate: rate(ta[$0], tak[$0]), domesticRate: rate(td[$0], tdk[$0]),
                meanSeverity: rate(tsev[$0], tc[$0]))
        }.sorted { ($0.count, $1.type) > ($1.count, $0.type) }
        districts = dc.map {
            DistrictCount(
                district: Int($0.key), count: $0.value.0, arrestRate: rate($0.value.2, $0.value.1))
        }
        .sorted { $0.district < $1.district }
    }

    /// A plain-text report for the terminal.
    public var text: String {
        func pct(_ v: Double) -> String { String(Int((v * 1000).rounded())).withDecimal() + " %" }
        var s = "\(total) incidents, \(first) – \(last)\n"
        s += "arrest rate \(pct(arrestRate)), domestic rate \(pct(domesticRate))\n\n"
        s +=
            "Primary Type".padding(36) + "count".leftPad(9) + "share".leftPad(9) + "arrest".leftPad(9)
            + "domestic".leftPad(10) + "\n"
        for ty in types {
            s +=
                ty.type.padding(36) + String(ty.count).leftPad(9) + pct(ty.share).leftPad(9)
                + pct(ty.arrestRate).leftPad(9) + pct(ty.domesticRate).leftPad(10) + "\n"
        }
        s += "\nby hour:    " + byHour.map(String.init).joined(separator: " ") + "\n"
        s +=
            "by weekday: "
            + zip(TimeFeatures.weekdayNames, byWeekday).map { "\($0.prefix(3)) \($1)" }.joined(
                separator: ", ") + "\n"
        s +=
            "by month:   "
            + zip(TimeFeatures.monthNames, byMonth).map { "\($0.prefix(3)) \($1)" }.joined(
                separator: ", ") + "\n"
        s +=
            "by district: "
            + districts.map { "\($0.district < 0 ? "?" : String($0.district)): \($0.count)" }.joined(
                separator: ", ")
            + "\n"
        return s
    }
}

extension String {
    func padding(_ n: Int) -> String {
        count >= n ? self + " " : self + String(repeating: " ", count: n - count)
    }
    func leftPad(_ n: Int) -> String {
        count >= n ? " " + self : String(repeating: " ", count: n - count) + self
    }
    /// "123" (tenths of a percent) → "12.3".
    func withDecimal() -> String {
        let s = count < 2 ? String(repeating: "0", count: 2 - count) + self : self
        return String(s.dropLast()) + "." + String(s.last!)
    }
}

extension IncidentStatistics {
    /// The columns the statistics read.
    public static let columns: Set<String> = [
        "time", "type", "arrest", "domestic", "hour", "weekday", "month", "district", "severity",
    ]

    /// Statistics of the incidents of `t` that pass `filter` (all when it is empty).
    public init(_ t: IncidentTable, dictionaries d: IncidentDictionaries, filter: IncidentFilter) throws {
        if filter.isEmpty {
            self.init(t, dictionaries: d)
            return
        }
        let keep = try filter.rows(t, typeNames: d.type)
        self.init(t.select(keep.indices.filter { keep[$0] }), dictionaries: d)
    }

    /// Statistics of a workspace's incidents that pass `filter`.
    public static func filtered(_ w: Workspace, _ filter: IncidentFilter) throws -> IncidentStatistics {
        let t = try w.incidents(columns: columns.union(filter.columns))
        do {
            return try IncidentStatistics(t, dictionaries: try w.dictionaries(), filter: filter)
        } catch let e as IncidentFilter.Invalid {
            throw InputError(file: w.path, field: e.parameter, e.message)
        }
    }
}
