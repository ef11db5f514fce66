import Foundation

/// Which analyses a `cluster` run performs, and their parameters.
public struct ClusterOptions: Sendable, Codable, Equatable {
    public enum Algorithm: String, CaseIterable, Codable, Sendable {
        case kmeans, dbscan, ward, temporal, pca
    }
    public var algorithms: [Algorithm] = Algorithm.allCases
    /// Geographic K-Means: k swept over this range, best of `restarts` runs for each.
    public var kRange: ClosedRange<Int> = 5...10
    public var restarts = 20
    public var seed: UInt64 = 42
    /// DBSCAN radius (metres) and minimum neighbourhood size (the point itself included).
    public var eps = 150.0
    public var minSamples = 25
    /// Ward: clusters to cut at (nil: the K-Means choice, else 8), or a height to cut at.
    public var wardK: Int?
    public var wardHeight: Double?
    /// Ward runs on the points themselves up to this many, else on grid cells of `wardCell` metres.
    public var wardMaxPoints = 20_000
    public var wardCell = 250.0
    /// Temporal K-Means: number of patterns tried.
    public var temporalRange: ClosedRange<Int> = 3...5
    /// Silhouette is exact up to this many rows, else computed on a sample of this size.
    public var silhouetteSample = 10_000

    public init() {}

    /// Flat parameters for the run record.
    public var params: [String: String] {
        var p: [String: String] = [
            "algorithms": algorithms.map(\.rawValue).joined(separator: ","), "seed": String(seed),
            "silhouette_sample": String(silhouetteSample),
        ]
        if algorithms.contains(.kmeans) {
            p["kmeans.k_range"] = "\(kRange.lowerBound)...\(kRange.upperBound)"
            p["kmeans.restarts"] = String(restarts)
            p["kmeans.screen_sample"] = "50000"
            p["kmeans.refined"] = "3"
        }
        if algorithms.contains(.dbscan) {
            p["dbscan.eps_m"] = String(eps)
            p["dbscan.min_samples"] = String(minSamples)
        }
        if algorithms.contains(.ward) {
            if let wardK { p["ward.k"] = String(wardK) }
            if let wardHeight { p["ward.height"] = String(wardHeight) }
            p["ward.max_points"] = String(wardMaxPoints)
            p["ward.cell_m"] = String(wardCell)
        }
        if algorithms.contains(.temporal) {
            p["temporal.k_range"] = "\(temporalRange.lowerBound)...\(temporalRange.upperBound)"
        }
        return p
    }
}

/// Scores of one K-Means fit in the k sweep.
public struct KScore: Codable, Sendable, Equatable {
    public var k: Int
    public var inertia: Double
    public var silhouette: Double?
    public var daviesBouldin: Double?
    public var calinskiHarabasz: Double?
    public var iterations: Int
    enum CodingKeys: String, CodingKey {
        case k, inertia, silhouette, iterations
        case daviesBouldin = "davies_bouldin"
        case calinskiHarabasz = "calinski_harabasz"
    }
}

/// Everything one `cluster` run produced, before it is stored.
public struct ClusterOutput: Sendable {
    /// Per algorithm, one label per incident (−1 noise).
    public var labels: [String: [Int32]] = [:]
    public var summaries: [String: [ClusterSummary]] = [:]
    public var metrics: [String: Double] = [:]
    /// JSON documents for the dashboard: k sweep, choice, linkage, temporal analysis, PCA.
    public var artifacts: [String: Data] = [:]
    public var notes: [String] = []
}

/// Runs the requested analyses on a workspace's incidents.
public enum ClusterPipeline {
    /// A warning when one dense zone holds more than half the points: fixed parameters that fit a
    /// smaller or sparser data set merge the whole city at this density, and the layer means nothing.
    static func oneZoneWarning(_ labels: [Int32], eps: Double, minSamples: Int) -> String? {
        var sizes: [Int32: Int] = [:]
        for l in labels where l >= 0 { sizes[l, default: 0] += 1 }
        guard let largest = sizes.values.max(), labels.count > 0, largest * 2 > labels.count else { return nil }
        return
            "warning: dbscan: one dense zone holds \(String(format: "%.0f", 100 * Double(largest) / Double(labels.count))) % "
            + "of the points (eps \(eps) m, min_samples \(minSamples)): raise --min-samples or lower --eps for data this dense"
    }

    public typealias Progress = @Sendable (String) -> Void

    public static func run(
        incidents t: IncidentTable, typeNames: [String], projection: LocalProjection,
        options o: ClusterOptions,
        progress: Progress? = nil
    ) throws -> ClusterOutput {
        let n = t.count
        var out = ClusterOutput()
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let points = t.points
        let x = Matrix(points: points)
        func metricsFor(_ name: String, _ m: Matrix, _ labels: [Int32]) {
            let keep = labels.indices.filter { labels[$0] >= 0 }
            let sub = keep.count == labels.count ? m : m.select(keep)
            let lab = keep.count == labels.count ? labels : keep.map { labels[$0] }
            if let s = ClusterMetrics.sampledSilhouette(
                sub, labels: lab, size: o.silhouetteSample, seed: o.seed)
            {
                out.metrics["\(name).silhouette"] = s
            }
            if let v = ClusterMetrics.daviesBouldin(sub, labels: lab) {
                out.metrics["\(name).davies_bouldin"] = v
            }
            if let v = ClusterMetrics.calinskiHarabasz(sub, labels: lab) {
                out.metrics["\(name).calinski_harabasz"] = v
            }
        }

        var chosenK: Int?
        if o.algorithms.contains(.kmeans) {
            guard o.kRange.upperBound <= n else {
                throw InputError(
                    file: "cluster",
                    "k up to \(o.kRange.upperBound) needs at least that many incidents; the workspace has \(n)"
                )
            }
            var scores: [KScore] = []
            var fits: [Int: KMeansResult] = [:]
            for k in o.kRange {
                progress?("kmeans k=\(k)")
                let r = KMeans(k: k, restarts: o.restarts, seed: o.seed &+ UInt64(k)).fit(x)
                fits[k] = r
                scores.append(
                    KScore(
                        k: k, inertia: r.inertia,
                        silhouette: ClusterMetrics.sampledSilhouette(
                            x, labels: r.labels, size: o.silhouetteSample, seed: o.seed),
                        daviesBouldin: ClusterMetrics.daviesBouldin(x, labels: r.labels),
                        calinskiHarabasz: ClusterMetrics.calinskiHarabasz(x, labels: r.labels),
                        iterations: r.iterations))
            }
            let choice = KChoice(scores: scores)
            chosenK = choice.k
            let best = fits[choice.k]!
            out.labels["kmeans"] = best.labels
            out.summaries["kmeans"] = ClusterSummary.summarize(
                labels: best.labels, incidents: t, typeNames: typeNames, projection: projection)
            out.metrics["kmeans.k"] = Double(choice.k)
            out.metrics["kmeans.inertia"] = best.inertia
            if let s = scores.first(where: { $0.k == choice.k }) {
                if let v = s.silhouette { out.metrics["kmeans.silhouette"] = v }
                if let v = s.daviesBouldin { out.metrics["kmeans.davies_bouldin"] = v }
                if let v = s.calinskiHarabasz { out.metrics["kmeans.calinski_harabasz"] = v }
            }
            out.artifacts["kmeans_sweep"] = try enc.encode(choice)
            out.notes.append(choice.reason)
        }

        if o.algorithms.contains(.dbscan) {
            progress?("dbscan eps=\(o.eps) m, min_samples=\(o.minSamples)")
            let r = DBSCAN(eps: o.eps, minSamples: o.minSamples).fit(points)
            out.labels["dbscan"] = r.labels
            // Core rows as little-endian Int32 indices, for checks against other implementations.
            let core = r.isCore.indices.filter { r.isCore[$0] }.map { Int32($0) }
            out.artifacts["dbscan_core"] = core.withUnsafeBytes { Data($0) }
            // With no dense zone there is nothing to summarise (and no entry, as the store reads it back).
            if r.clusterCount > 0 {
                out.summaries["dbscan"] = ClusterSummary.summarize(
                    labels: r.labels, incidents: t, typeNames: typeNames, projection: projection)
            }
            out.metrics["dbscan.clusters"] = Double(r.clusterCount)
            out.metrics["dbscan.noise"] = Double(r.noiseCount)
            out.metrics["dbscan.noise_share"] = Double(r.noiseCount) / Double(max(n, 1))
            out.metrics["dbscan.core_points"] = Double(r.isCore.reduce(0) { $0 + ($1 ? 1 : 0) })
            if r.clusterCount >= 2 { metricsFor("dbscan", x, r.labels) }
            out.notes.append(
                "dbscan: \(r.clusterCount) dense zones, \(r.noiseCount) noise points (\(String(format: "%.1f", 100 * Double(r.noiseCount) / Double(max(n, 1)))) %)"
            )
            if let warning = Self.oneZoneWarning(r.labels, eps: o.eps, minSamples: o.minSamples) {
                out.notes.append(warning)
            }
        }

        if o.algorithms.contains(.ward) {
            let k = o.wardK ?? chosenK ?? 8
            progress?("ward")
            let (wx, weights, cellOfPoint, mode) = wardInput(t, points: points, options: o)
            let merges = Ward.linkage(wx, weights: weights)
            var cellLabels: [Int32]
            if let h = o.wardHeight {
                let kk = max(1, wx.rows - merges.filter { $0.height <= h }.count)
                cellLabels = Ward.cut(merges, n: wx.rows, clusters: kk)
            } else {
                cellLabels = Ward.cut(merges, n: wx.rows, clusters: min(k, wx.rows))
            }
            let labels = cellOfPoint.map { cellLabels[$0] }
            out.labels["ward"] = labels
            out.summaries["ward"] = ClusterSummary.summarize(
                labels: labels, incidents: t, typeNames: typeNames, projection: projection)
            out.metrics["ward.k"] = Double((cellLabels.max() ?? 0) + 1)
            out.metrics["ward.leaves"] = Double(wx.rows)
            metricsFor("ward", x, labels)
            let doc = WardDocument(
                mode: mode, leaves: wx.rows, cellSize: mode == "cells" ? o.wardCell : nil, merges: merges)
            out.artifacts["ward_linkage"] = try enc.encode(doc)
            out.notes.append(
                "ward: \(mode == "cells" ? "weighted on \(wx.rows) grid cells of \(Int(o.wardCell)) m" : "exact on \(wx.rows) points"), cut at \(Int(out.metrics["ward.k"]!)) clusters"
            )
        }

        if o.algorithms.contains(.temporal) {
            let tx = CyclicFeatures.matrix(hour: t.hour, weekday: t.weekday, month: t.month)
            guard o.temporalRange.upperBound <= n else {
                throw InputError(
                    file: "cluster",
                    "temporal k up to \(o.temporalRange.upperBound) needs at least that many incidents")
            }
            var best: (Int, Double, KMeansResult)?
            var sil: [Int: Double] = [:]
            for k in o.temporalRange {
                progress?("temporal k=\(k)")
                let r = KMeans(k: k, restarts: o.restarts, seed: o.seed &+ 1000 &+ UInt64(k)).fit(tx)
                let s =
                    ClusterMetrics.sampledSilhouette(
                        tx, labels: r.labels, size: o.silhouetteSample, seed: o.seed) ?? -1
                sil[k] = s
                if best == nil || s > best!.1 { best = (k, s, r) }
            }
            let (k, s, r) = best!
            out.labels["temporal"] = r.labels
            out.metrics["temporal.k"] = Double(k)
            out.metrics["temporal.silhouette"] = s
            let analysis = TemporalAnalysis.describe(
                labels: r.labels, k: k, hour: t.hour, weekday: t.weekday, month: t.month,
                weekend: t.weekend, type: t.type,
                typeNames: typeNames, silhouetteByK: sil)
            out.artifacts["temporal"] = try enc.encode(analysis)
            out.notes.append(
                "temporal: \(k) patterns (highest silhouette, \(String(format: "%.3f", s))), \(analysis.riskSlots.count) high-risk time slots"
            )
        }

        if o.algorithms.contains(.pca) {
            progress?("pca")
            let names = [
                "x", "y", "hour_sin", "hour_cos", "weekday_sin", "weekday_cos", "month_sin", "month_cos",
                "severity", "weekend",
            ]
            var d = [Double](repeating: 0, count: n * names.count)
            for i in 0..<n {
                let h = CyclicFeatures.encode(Double(t.hour[i]), period: 24)
                let w = CyclicFeatures.encode(Double(t.weekday[i]), period: 7)
                let m = CyclicFeatures.encode(Double(t.month[i]) - 1, period: 12)
                let row = [
                    t.x[i], t.y[i], h.sin, h.cos, w.sin, w.cos, m.sin, m.cos, Double(t.severity[i]),
                    Double(t.weekend[i]),
                ]
                for j in 0..<names.count { d[i * names.count + j] = row[j] }
            }
            let fm = Matrix(rows: n, cols: names.count, data: d)
            let p = PCA.fit(fm, features: names)
            var rng = SeededRandom(seed: o.seed)
            let sampleN = min(n, 3000)
            var idx = Array(0..<n)
            for i in 0..<sampleN { idx.swapAt(i, i + rng.below(n - i)) }
            let kl = out.labels["kmeans"]
            let sample = idx.prefix(sampleN).sorted().map { i -> [Double] in
                let c = p.project(fm, i)
                return [c[0], c.count > 1 ? c[1] : 0, Double(kl?[i] ?? 0)]
            }
            out.artifacts["pca"] = try enc.encode(PCADocument(pca: p, sample: sample))
            out.metrics["pca.explained_variance_1"] = p.explainedVarianceRatio.first ?? 0
            if p.explainedVarianceRatio.count > 1 {
                out.metrics["pca.explained_variance_2"] = p.explainedVarianceRatio[1]
            }
        }
        return out
    }

    /// Ward's input: the points themselves when few enough, else occupied grid cells weighted by count.
    static func wardInput(_ t: IncidentTable, points: [SIMD2<Double>], options o: ClusterOptions)
        -> (Matrix, [Double]?, [Int], String)
    {
        if points.count <= o.wardMaxPoints {
            return (Matrix(points: points), nil, Array(0..<points.count), "points")
        }
        var slot = [Int64: Int]()
        var sums: [SIMD2<Double>] = []
        var counts: [Double] = []
        var cellOf = [Int](repeating: 0, count: points.count)
        for (i, p) in points.enumerated() {
            let key =
                Int64((p.x / o.wardCell).rounded(.down)) << 32 ^ Int64((p.y / o.wardCell).rounded(.down))
                & 0xFFFF_FFFF
            if let s = slot[key] {
                cellOf[i] = s
                sums[s] += p
                counts[s] += 1
            } else {
                slot[key] = sums.count
                cellOf[i] = sums.count
                sums.append(p)
                counts.append(1)
            }
        }
        // Each cell is the centroid of its incidents, weighted by their number.
        let centroids = zip(sums, counts).map { $0 / $1 }
        return (Matrix(points: centroids), counts, cellOf, "cells")
    }
}

/// The k sweep and the documented rule that picks k.
public struct KChoice: Codable, Sendable, Equatable {
    public var scores: [KScore]
    public var k: Int
    /// Elbow of the inertia curve: the k farthest from the chord joining the first and last points.
    public var elbow: Int
    public var bestSilhouette: Int?
    public var bestDaviesBouldin: Int?
    public var reason: String
    public var rule =
        "highest silhouette; when two k are within 0.01, the one with the lower Davies–Bouldin, then the smaller k"

    enum CodingKeys: String, CodingKey {
        case scores, k, elbow, reason, rule
        case bestSilhouette = "best_silhouette"
        case bestDaviesBouldin = "best_davies_bouldin"
    }

    public init(scores: [KScore]) {
        self.scores = scores
        // Elbow: maximum distance below the chord of the normalised inertia curve.
        let ks = scores.map { Double($0.k) }
        let ins = scores.map(\.inertia)
        var elbow = scores.first?.k ?? 0
        if scores.count >= 3, let k0 = ks.first, let k1 = ks.last, let i0 = ins.first,
            let i1 = ins.last, i0 != i1
        {
            var bestD = -Double.infinity
            for (j, s) in scores.enumerated() {
                let u = (ks[j] - k0) / (k1 - k0)
                let v = (ins[j] - i1) / (i0 - i1)
                let dist = (1 - u) - v  // below the chord from (0,1) to (1,0)
                if dist > bestD {
                    bestD = dist
                    elbow = s.k
                }
            }
        }
        self.elbow = elbow
        let withSil = scores.filter { $0.silhouette != nil }
        bestSilhouette = withSil.max { ($0.silhouette!, -$0.k) < ($1.silhouette!, -$1.k) }?.k
        bestDaviesBouldin =
            scores.filter { $0.daviesBouldin != nil }.min {
                ($0.daviesBouldin!, $0.k) < ($1.daviesBouldin!, $1.k)
            }?.k
        if let top = withSil.map({ $0.silhouette! }).max() {
            let near = withSil.filter { top - $0.silhouette! <= 0.01 }
            let pick = near.min {
                (($0.daviesBouldin ?? .infinity), $0.k) < (($1.daviesBouldin ?? .infinity), $1.k)
            }!
            k = pick.k
            reason = String(
                format:
                    "kmeans: k=%d chosen: silhouette %.3f (best %.3f at k=%d)%@; elbow at k=%d; lowest Davies–Bouldin at k=%d",
                pick.k, pick.silhouette!, top, bestSilhouette ?? pick.k,
                near.count > 1 ? ", tie within 0.01 broken by Davies–Bouldin" : "", elbow,
                bestDaviesBouldin ?? pick.k)
        } else {
            k = elbow
            reason = "kmeans: k=\(elbow) chosen at the elbow (silhouette undefined)"
        }
    }
}

public struct WardDocument: Codable, Sendable {
    /// "points" or "cells".
    public var mode: String
    public var leaves: Int
    public var cellSize: Double?
    public var merges: [Merge]
    enum CodingKeys: String, CodingKey {
        case mode, leaves, merges
        case cellSize = "cell_size_m"
    }
}

public struct PCADocument: Codable, Sendable {
    public var pca: PCAResult
    /// [pc1, pc2, kmeans label] for a random sample of incidents.
    public var sample: [[Double]]
}
