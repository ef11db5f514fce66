import Foundation

/// The ways PatrolIQ can say where crime will be next; every one ranks the same grid cells, so a
/// backtest scores them alike.
public enum PredictionMethod: String, CaseIterable, Sendable, Codable {
    /// Last window's counts: the cells busiest in the last `naiveDays` before the forecast.
    case naive
    /// The Gaussian kernel density the heatmap tiles show, over the whole training window.
    case kde
    /// The same kernel with older incidents weighing less (Bowers, Johnson & Pease 2004): weight
    /// ½^(age / half-life), so an incident a half-life old counts half.
    case prospectiveKDE = "prospective_kde"
    /// Getis–Ord Gi* z of the training counts (the `hotspots` analysis): significant hot cells first.
    case giStar = "gi_star"
    /// K-Means areas: each cell takes the incident density of the cluster whose centre is nearest.
    case kmeans
    /// DBSCAN dense zones: each cell a zone touches takes the zone's incident density; noise ranks last.
    case dbscan

    public var title: String {
        switch self {
        case .naive: "last window's counts"
        case .kde: "KDE (tiles)"
        case .prospectiveKDE: "prospective KDE"
        case .giStar: "Gi* hot cells"
        case .kmeans: "K-Means areas"
        case .dbscan: "DBSCAN zones"
        }
    }

    /// Accepts the stored names (`prospective_kde`, `gi_star`) and their hyphenated forms.
    public init?(name: String) {
        self.init(rawValue: name.lowercased().replacingOccurrences(of: "-", with: "_"))
    }
}

/// Settings of the risk methods; the defaults are the product's (tiles, hotspots, cluster).
public struct PredictionParameters: Sendable, Codable, Equatable {
    /// Kernel standard deviation in metres (the tiles' default).
    public var bandwidth = 150.0
    /// Half-life of an incident's weight in the prospective KDE, in days.
    public var halfLifeDays = 7.0
    /// Days counted by the naive baseline.
    public var naiveDays = 7
    /// Gi* distance band in cells.
    public var band = 1.5
    public var kmeansK = 8
    public var dbscanEps = 150.0
    /// nil: the count a disc of radius eps would hold at 4 × the study area's mean density (at least 4).
    public var dbscanMinSamples: Int?
    public var seed: UInt64 = 0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case bandwidth, band, seed
        case halfLifeDays = "half_life_days"
        case naiveDays = "naive_days"
        case kmeansK = "kmeans_k"
        case dbscanEps = "dbscan_eps"
        case dbscanMinSamples = "dbscan_min_samples"
    }
}

/// Incidents for prediction: positions in metres, times in seconds, and the active cell of each.
public struct IncidentSample: Sendable {
    public var points: [SIMD2<Double>]
    public var times: [Int64]
    public var cells: [Int32]
    /// Each incident's row in the table it came from.
    public var rows: [Int32]

    /// The incidents of `points`/`times` for which `keep` holds and that lie in the grid's study area,
    /// sorted by time (so windows are contiguous ranges).
    public init(points: [SIMD2<Double>], times: [Int64], grid: HotspotGrid, keep: (Int) -> Bool = { _ in true }) {
        var rows: [(Int64, Int, Int32)] = []
        rows.reserveCapacity(points.count)
        for i in points.indices where keep(i) {
            if let c = grid.cell(containing: points[i]) { rows.append((times[i], i, Int32(c))) }
        }
        rows.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        self.points = rows.map { points[$0.1] }
        self.times = rows.map(\.0)
        self.cells = rows.map(\.2)
        self.rows = rows.map { Int32($0.1) }
    }

    /// The index range of incidents with from ≤ time < to.
    public func window(from: Int64, to: Int64) -> Range<Int> {
        times.lowerBound(of: from)..<times.lowerBound(of: to)
    }

    /// Incidents per active cell over `range`.
    public func counts(_ range: Range<Int>, cells n: Int) -> [Double] {
        var c = [Double](repeating: 0, count: n)
        for i in range { c[Int(cells[i])] += 1 }
        return c
    }
}

/// Risk of every active cell of a grid from a training window, by each method.
public struct RiskSurface: Sendable {
    public let grid: HotspotGrid
    public let parameters: PredictionParameters
    /// Gi* neighbourhoods, built once for all folds.
    private let neighbours: [[Int]]

    public init(grid: HotspotGrid, parameters: PredictionParameters = .init()) {
        self.grid = grid
        self.parameters = parameters
        neighbours = SpatialWeights.band(cells: parameters.band).neighbourhoods(grid)
    }

    /// Risk per active cell for forecasts from `origin` (seconds), trained on `range` of `sample`.
    public func risk(_ method: PredictionMethod, sample s: IncidentSample, range: Range<Int>, origin: Int64)
        -> [Double]
    {
        let n = grid.cells.count
        let counts = s.counts(range, cells: n)
        switch method {
        case .naive:
            let recent = s.window(from: origin - Int64(parameters.naiveDays) * 86_400, to: origin)
            return s.counts(recent.clamped(to: range), cells: n)
        case .kde:
            return kernelDensity(s, range) { _ in 1 }
        case .prospectiveKDE:
            let halfLife = parameters.halfLifeDays * 86_400
            return kernelDensity(s, range) { t in Self.recencyWeight(age: Double(origin - t), halfLife: halfLife) }
        case .giStar:
            return GetisOrd.zScores(counts: counts) { neighbours[$0] }.z
        case .kmeans:
            return kmeansRisk(s, range, counts)
        case .dbscan:
            return dbscanRisk(s, range, counts)
        }
    }

    /// ½^(age / half-life): the prospective KDE's weight of an incident `age` seconds old.
    public static func recencyWeight(age: Double, halfLife: Double) -> Double {
        exp2(-max(0, age) / halfLife)
    }

    /// Σ weight × exp(−d² / 2σ²) at every active cell centre, the kernel cut at 4σ.
    private func kernelDensity(_ s: IncidentSample, _ range: Range<Int>, weight: (Int64) -> Double) -> [Double] {
        var risk = [Double](repeating: 0, count: grid.cells.count)
        let sigma = parameters.bandwidth
        let reach = Int((4 * sigma / grid.cellSize).rounded(.up))
        let cut = 16 * sigma * sigma
        let inv = -1 / (2 * sigma * sigma)
        for i in range {
            let w = weight(s.times[i])
            guard w > 0 else { continue }
            let p = s.points[i]
            let home = grid.cells[Int(s.cells[i])]
            for y in (Int(home.y) - reach)...(Int(home.y) + reach) {
                for x in (Int(home.x) - reach)...(Int(home.x) + reach) {
                    guard let c = grid.cell(column: x, row: y) else { continue }
                    let d = grid.center(c) - p
                    let d2 = (d * d).sum()
                    if d2 <= cut { risk[c] += w * exp(d2 * inv) }
                }
            }
        }
        return risk
    }

    /// A cell's own count breaks ties inside an area, far below any difference between areas.
    private static let tieBreak = 1e-9

    private func kmeansRisk(_ s: IncidentSample, _ range: Range<Int>, _ counts: [Double]) -> [Double] {
        let n = grid.cells.count
        let k = parameters.kmeansK
        guard range.count > k else { return counts }
        let points = Array(s.points[range])
        let fit = KMeans(k: k, restarts: 3, seed: parameters.seed).fit(Matrix(points: points))
        let centres = (0..<k).map { SIMD2(fit.centers.data[2 * $0], fit.centers.data[2 * $0 + 1]) }
        var members = [Double](repeating: 0, count: k)
        for l in fit.labels { members[Int(l)] += 1 }
        let nearest = (0..<n).map { c in
            let p = grid.center(c)
            return centres.indices.min {
                ((centres[$0] - p) * (centres[$0] - p)).sum() < ((centres[$1] - p) * (centres[$1] - p)).sum()
            } ?? 0
        }
        var area = [Double](repeating: 0, count: k)
        for c in nearest { area[c] += 1 }
        return (0..<n).map { c in members[nearest[c]] / max(area[nearest[c]], 1) + Self.tieBreak * counts[c] }
    }

    /// DBSCAN's min_samples when not set: the incidents a disc of radius eps holds at 4 × the mean density.
    public func dbscanMinSamples(incidents: Int) -> Int {
        if let m = parameters.dbscanMinSamples { return m }
        let area = Double(grid.cells.count) * grid.cellSize * grid.cellSize
        let disc = Double.pi * parameters.dbscanEps * parameters.dbscanEps
        return max(4, Int((4 * Double(incidents) * disc / area).rounded()))
    }

    private func dbscanRisk(_ s: IncidentSample, _ range: Range<Int>, _ counts: [Double]) -> [Double] {
        guard !range.isEmpty else { return counts }
        let fit = DBSCAN(eps: parameters.dbscanEps, minSamples: dbscanMinSamples(incidents: range.count))
            .fit(Array(s.points[range]))
        var members = [Double](repeating: 0, count: fit.clusterCount)
        var touched = [Set<Int32>](repeating: [], count: fit.clusterCount)
        for (j, l) in fit.labels.enumerated() where l >= 0 {
            members[Int(l)] += 1
            touched[Int(l)].insert(s.cells[range.lowerBound + j])
        }
        var risk = counts.map { $0 * Self.tieBreak }
        for z in 0..<fit.clusterCount {
            let density = members[z] / Double(touched[z].count)
            for c in touched[z] { risk[Int(c)] = max(risk[Int(c)], density + Self.tieBreak * counts[Int(c)]) }
        }
        return risk
    }
}
