import Foundation

/// Cyclic encodings of calendar features: 23 h sits next to 0 h, Sunday next to Monday, December
/// next to January.
public enum CyclicFeatures {
    @inline(__always)
    public static func encode(_ value: Double, period: Double) -> (sin: Double, cos: Double) {
        let a = 2 * Double.pi * value / period
        return (sin(a), cos(a))
    }

    /// `encode(v, period:)` for v = 0..<period, looked up instead of computed per incident (the same values).
    public static func table(period: Int) -> [(sin: Double, cos: Double)] {
        (0..<period).map { encode(Double($0), period: Double(period)) }
    }

    /// Rows [sin h, cos h, sin wd, cos wd, sin m, cos m] (+ weekend 0/1 when asked).
    public static func matrix(
        hour: [UInt8], weekday: [UInt8], month: [UInt8], weekend: [UInt8]? = nil
    ) -> Matrix {
        let n = hour.count
        let cols = weekend == nil ? 6 : 7
        var d = [Double](repeating: 0, count: n * cols)
        for i in 0..<n {
            let h = encode(Double(hour[i]), period: 24)
            let w = encode(Double(weekday[i]), period: 7)
            let m = encode(Double(month[i]) - 1, period: 12)
            d[i * cols] = h.sin
            d[i * cols + 1] = h.cos
            d[i * cols + 2] = w.sin
            d[i * cols + 3] = w.cos
            d[i * cols + 4] = m.sin
            d[i * cols + 5] = m.cos
            if let weekend { d[i * cols + 6] = Double(weekend[i]) }
        }
        return Matrix(rows: n, cols: cols, data: d)
    }
}

/// One temporal pattern (a temporal K-Means cluster), described for people.
public struct TemporalPattern: Codable, Sendable, Equatable {
    public var id: Int
    public var count: Int
    public var share: Double
    /// Hours (0–23), weekdays (0 = Monday) and months (1–12) most frequent in the pattern, busiest first.
    public var peakHours: [Int]
    public var peakWeekdays: [Int]
    public var peakMonths: [Int]
    public var weekendShare: Double
    public var topTypes: [TypeShare]
    public var hourly: [Int]
    enum CodingKeys: String, CodingKey {
        case id, count, share, hourly
        case peakHours = "peak_hours"
        case peakWeekdays = "peak_weekdays"
        case peakMonths = "peak_months"
        case weekendShare = "weekend_share"
        case topTypes = "top_types"
    }
}

public struct TypeShare: Codable, Sendable, Equatable {
    public var type: String
    public var count: Int
    public var share: Double
}

/// An hour × weekday cell with far more incidents than an even spread would give.
public struct RiskSlot: Codable, Sendable, Equatable {
    public var weekday: Int
    public var hour: Int
    public var count: Int
    public var expected: Double
    /// observed / expected.
    public var ratio: Double
    /// Poisson z-score (observed − expected) / √expected.
    public var z: Double
}

/// A crime type's temporal signature.
public struct TypeProfile: Codable, Sendable, Equatable {
    public var type: String
    public var count: Int
    /// Share of the type's incidents in each pattern.
    public var patternShares: [Double]
    public var hourly: [Double]
    public var weekday: [Double]
    enum CodingKeys: String, CodingKey {
        case type, count, hourly, weekday
        case patternShares = "pattern_shares"
    }
}

public struct TemporalAnalysis: Codable, Sendable, Equatable {
    public var k: Int
    public var silhouetteByK: [Int: Double]
    public var patterns: [TemporalPattern]
    public var riskSlots: [RiskSlot]
    public var profiles: [TypeProfile]
    enum CodingKeys: String, CodingKey {
        case k, patterns, profiles
        case silhouetteByK = "silhouette_by_k"
        case riskSlots = "risk_slots"
    }

    /// Describes the patterns of `labels` over the incidents' calendar features.
    public static func describe(
        labels: [Int32], k: Int, hour: [UInt8], weekday: [UInt8], month: [UInt8], weekend: [UInt8],
        type: [Int32],
        typeNames: [String], silhouetteByK: [Int: Double]
    ) -> TemporalAnalysis {
        let n = labels.count
        var patterns: [TemporalPattern] = []
        let nt = typeNames.count
        var typePattern = [[Int]](repeating: [Int](repeating: 0, count: k), count: nt)
        var typeHour = [[Int]](repeating: [Int](repeating: 0, count: 24), count: nt)
        var typeDay = [[Int]](repeating: [Int](repeating: 0, count: 7), count: nt)
        var hours = [[Int]](repeating: [Int](repeating: 0, count: 24), count: k)
        var days = [[Int]](repeating: [Int](repeating: 0, count: 7), count: k)
        var months = [[Int]](repeating: [Int](repeating: 0, count: 12), count: k)
        var weekends = [Int](repeating: 0, count: k)
        var types = [[Int]](repeating: [Int](repeating: 0, count: nt), count: k)
        var counts = [Int](repeating: 0, count: k)
        var grid = [[Int]](repeating: [Int](repeating: 0, count: 24), count: 7)
        for i in 0..<n {
            let l = Int(labels[i])
            let t = Int(type[i])
            counts[l] += 1
            hours[l][Int(hour[i])] += 1
            days[l][Int(weekday[i])] += 1
            months[l][Int(month[i]) - 1] += 1
            weekends[l] += Int(weekend[i])
            if t < nt {
                types[l][t] += 1
                typePattern[t][l] += 1
                typeHour[t][Int(hour[i])] += 1
                typeDay[t][Int(weekday[i])] += 1
            }
            grid[Int(weekday[i])][Int(hour[i])] += 1
        }
        func top(_ a: [Int], _ m: Int) -> [Int] {
            Array(a.indices.sorted { (a[$0], -$0) > (a[$1], -$1) }.prefix(m))
        }
        for l in 0..<k {
            let c = max(counts[l], 1)
            patterns.append(
                TemporalPattern(
                    id: l, count: counts[l], share: Double(counts[l]) / Double(max(n, 1)),
                    peakHours: top(hours[l], 3), peakWeekdays: top(days[l], 2),
                    peakMonths: top(months[l], 3).map { $0 + 1 },
                    weekendShare: Double(weekends[l]) / Double(c),
                    topTypes: top(types[l], 3).filter { types[l][$0] > 0 }.map {
                        TypeShare(
                            type: typeNames[$0], count: types[l][$0], share: Double(types[l][$0]) / Double(c))
                    }, hourly: hours[l]))
        }
        // Risk slots against an even spread over the week's 168 hours.
        let expected = Double(n) / 168
        var slots: [RiskSlot] = []
        if expected > 0 {
            for w in 0..<7 {
                for h in 0..<24 {
                    let o = Double(grid[w][h])
                    slots.append(
                        RiskSlot(
                            weekday: w, hour: h, count: grid[w][h], expected: expected, ratio: o / expected,
                            z: (o - expected) / expected.squareRoot()))
                }
            }
        }
        slots = slots.filter { $0.ratio >= 1.25 && $0.z >= 3 }.sorted {
            ($0.ratio, -$0.weekday * 24 - $0.hour) > ($1.ratio, -$1.weekday * 24 - $1.hour)
        }
        let profiles = (0..<nt).compactMap { t -> TypeProfile? in
            let c = typePattern[t].reduce(0, +)
            guard c > 0 else { return nil }
            return TypeProfile(
                type: typeNames[t], count: c, patternShares: typePattern[t].map { Double($0) / Double(c) },
                hourly: typeHour[t].map { Double($0) / Double(c) },
                weekday: typeDay[t].map { Double($0) / Double(c) })
        }.sorted { $0.count > $1.count }
        return TemporalAnalysis(
            k: k, silhouetteByK: silhouetteByK, patterns: patterns, riskSlots: Array(slots.prefix(20)),
            profiles: profiles)
    }
}
