/// How much of a later period's crime a ranking of cells would have caught, at one share of the area.
///
/// - hit rate: hits ÷ all incidents of the period;
/// - PAI (Chainey, Tompson & Uhlig 2008): hit rate ÷ area share; 1 is what a random choice of cells
///   gets on average, higher is better;
/// - PEI* (Hunt 2016): hits ÷ the most hits any choice of the same number of cells could have had
///   (the period's own busiest cells); 1 is a perfect forecast.
public struct CoverageScore: Sendable, Codable, Equatable {
    /// The share of the active study area asked for (0.01 is 1 %).
    public var share: Double
    /// Cells chosen: the share of active cells, rounded, at least one.
    public var cells: Int
    public var hits: Double
    public var total: Double
    public var hitRate: Double
    public var pai: Double
    public var pei: Double

    enum CodingKeys: String, CodingKey {
        case share, cells, hits, total, pai, pei
        case hitRate = "hit_rate"
    }
}

public enum PredictiveAccuracy {
    /// Cells by predicted risk, highest first; equal risks by lower index, so a ranking is total
    /// and the same on every run.
    public static func ranking(_ risk: [Double]) -> [Int] {
        risk.indices.sorted { risk[$0] != risk[$1] ? risk[$0] > risk[$1] : $0 < $1 }
    }

    /// How many of `active` cells make up `share` of the area.
    public static func cells(share: Double, active: Int) -> Int {
        max(1, min(active, Int((share * Double(active)).rounded())))
    }

    /// Scores of the ranking by `risk` against `actual` (incidents per cell in the period predicted),
    /// at each share of the area.
    public static func score(risk: [Double], actual: [Double], shares: [Double]) -> [CoverageScore] {
        let order = ranking(risk)
        let best = actual.sorted(by: >)
        let total = actual.reduce(0, +)
        let n = actual.count
        return shares.map { share in
            let m = cells(share: share, active: n)
            var hits = 0.0
            for i in order.prefix(m) { hits += actual[i] }
            let ceiling = best.prefix(m).reduce(0, +)
            let rate = total > 0 ? hits / total : 0
            let area = Double(m) / Double(max(n, 1))
            return CoverageScore(
                share: share, cells: m, hits: hits, total: total, hitRate: rate, pai: rate / area,
                pei: ceiling > 0 ? hits / ceiling : 0)
        }
    }
}
