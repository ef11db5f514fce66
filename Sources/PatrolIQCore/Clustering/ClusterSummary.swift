import Foundation

/// What a patrol planner needs to know about one cluster.
public struct ClusterSummary: Codable, Sendable, Equatable {
    public var cluster: Int
    public var count: Int
    public var share: Double
    public var centroidLat: Double
    public var centroidLon: Double
    /// Distance from the centroid holding half / 90 % of the cluster's incidents, metres.
    public var radiusMedian: Double
    public var radiusP90: Double
    public var topTypes: [TypeShare]
    public var arrestRate: Double
    public var domesticRate: Double
    public var meanSeverity: Double
    public var peakHour: Int
    /// 0 = Monday … 6 = Sunday.
    public var peakWeekday: Int

    enum CodingKeys: String, CodingKey {
        case cluster, count, share
        case centroidLat = "centroid_lat"
        case centroidLon = "centroid_lon"
        case radiusMedian = "radius_median_m"
        case radiusP90 = "radius_p90_m"
        case topTypes = "top_types"
        case arrestRate = "arrest_rate"
        case domesticRate = "domestic_rate"
        case meanSeverity = "mean_severity"
        case peakHour = "peak_hour"
        case peakWeekday = "peak_weekday"
    }

    /// Summaries of every label ≥ 0 in `labels` (noise, −1, is left out).
    public static func summarize(
        labels: [Int32], incidents t: IncidentTable, typeNames: [String], projection: LocalProjection
    ) -> [ClusterSummary] {
        let k = Int((labels.max() ?? -1) + 1)
        guard k > 0 else { return [] }
        var members = [[Int]](repeating: [], count: k)
        for (i, l) in labels.enumerated() where l >= 0 { members[Int(l)].append(i) }
        let total = labels.count
        // Clusters are independent: summarised on all cores, in cluster order.
        return parallelMap(Array(0..<k)) { c in
            let m = members[c]
            var sx = 0.0
            var sy = 0.0
            for i in m {
                sx += t.x[i]
                sy += t.y[i]
            }
            let cnt = max(m.count, 1)
            let centre = SIMD2(sx / Double(cnt), sy / Double(cnt))
            var radii = m.map { i -> Double in
                let dx = t.x[i] - centre.x
                let dy = t.y[i] - centre.y
                return (dx * dx + dy * dy).squareRoot()
            }
            // The order statistics a sort would give, by selection (linear, not n log n).
            func q(_ p: Double) -> Double {
                radii.isEmpty ? 0 : DensityRaster.select(&radii, min(radii.count - 1, Int(p * Double(radii.count - 1))))
            }
            let (median, p90) = (q(0.5), q(0.9))
            var typeCounts = [Int](repeating: 0, count: typeNames.count)
            var otherTypes = [Int32: Int]()
            var hours = [Int](repeating: 0, count: 24)
            var days = [Int](repeating: 0, count: 7)
            var arrests = 0
            var arrestKnown = 0
            var dom = 0
            var domKnown = 0
            var sev = 0
            for i in m {
                let code = t.type[i]
                if code >= 0 && Int(code) < typeCounts.count {
                    typeCounts[Int(code)] += 1
                } else {
                    otherTypes[code, default: 0] += 1
                }
                hours[Int(t.hour[i])] += 1
                days[Int(t.weekday[i])] += 1
                if t.arrest[i] >= 0 {
                    arrestKnown += 1
                    arrests += Int(t.arrest[i])
                }
                if t.domestic[i] >= 0 {
                    domKnown += 1
                    dom += Int(t.domestic[i])
                }
                sev += Int(t.severity[i])
            }
            var types = otherTypes
            for (code, n) in typeCounts.enumerated() where n > 0 { types[Int32(code)] = n }
            let top = types.sorted { ($0.value, -$0.key) > ($1.value, -$1.key) }.prefix(5).map {
                TypeShare(
                    type: $0.key >= 0 && Int($0.key) < typeNames.count ? typeNames[Int($0.key)] : "#\($0.key)",
                    count: $0.value,
                    share: Double($0.value) / Double(cnt))
            }
            let ll = projection.unproject(centre)
            return ClusterSummary(
                cluster: c, count: m.count, share: Double(m.count) / Double(max(total, 1)),
                centroidLat: ll.lat,
                centroidLon: ll.lon, radiusMedian: median, radiusP90: p90, topTypes: Array(top),
                arrestRate: arrestKnown > 0 ? Double(arrests) / Double(arrestKnown) : 0,
                domesticRate: domKnown > 0 ? Double(dom) / Double(domKnown) : 0,
                meanSeverity: Double(sev) / Double(cnt),
                peakHour: hours.indices.max { (hours[$0], -$0) < (hours[$1], -$1) } ?? 0,
                peakWeekday: days.indices.max { (days[$0], -$0) < (days[$1], -$1) } ?? 0)
        }
    }
}
