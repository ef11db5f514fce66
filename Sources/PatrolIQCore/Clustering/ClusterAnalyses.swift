import Foundation

/// Silhouette, Davies–Bouldin and Calinski–Harabasz of one partition (nil where undefined).
public struct ClusterQuality: Sendable, Equatable {
    public var silhouette: Double?
    public var daviesBouldin: Double?
    public var calinskiHarabasz: Double?

    /// The three indices of `labels` over `x`, noise (< 0) left out; silhouette on a seeded sample of
    /// `sample` rows when there are more, as scikit-learn's `silhouette_score(sample_size:)`.
    public static func of(_ x: Matrix, labels: [Int32], sample: Int, seed: UInt64) -> ClusterQuality {
        let keep = labels.indices.filter { labels[$0] >= 0 }
        let sub = keep.count == labels.count ? x : x.select(keep)
        let lab = keep.count == labels.count ? labels : keep.map { labels[$0] }
        let indices = ClusterMetrics.indices(sub, labels: lab)
        return ClusterQuality(
            silhouette: ClusterMetrics.sampledSilhouette(sub, labels: lab, size: sample, seed: seed),
            daviesBouldin: indices.daviesBouldin, calinskiHarabasz: indices.calinskiHarabasz)
    }

    /// Stored as `<algorithm>.silhouette`, `.davies_bouldin`, `.calinski_harabasz`.
    func metrics(_ algorithm: String) -> [String: Double] {
        var m: [String: Double] = [:]
        if let silhouette { m["\(algorithm).silhouette"] = silhouette }
        if let daviesBouldin { m["\(algorithm).davies_bouldin"] = daviesBouldin }
        if let calinskiHarabasz { m["\(algorithm).calinski_harabasz"] = calinskiHarabasz }
        return m
    }
}

/// Geographic K-Means: the k sweep, the chosen fit and its clusters.
public struct KMeansAnalysis: Sendable {
    public var choice: KChoice
    public var fit: KMeansResult
    public var quality: ClusterQuality
    public var summaries: [ClusterSummary]
    /// Every k's centres (projected metres), stored so the next run after an append can start from them.
    public var centres: [Int: Matrix] = [:]
    public var warmStartRun: Int?
}

/// DBSCAN dense zones in metres.
public struct DBSCANAnalysis: Sendable {
    public var eps: Double
    public var minSamples: Int
    /// Whether `minSamples` was scaled to the data rather than given.
    public var scaled: Bool
    public var result: DBSCANResult
    /// Quality over the zones (noise left out), when there are at least two.
    public var quality: ClusterQuality?
    public var summaries: [ClusterSummary]
    /// Set when one zone holds more than half the points.
    public var warning: String?
}

/// HDBSCAN dense zones: the most stable clusters of the density hierarchy.
public struct HDBSCANAnalysis: Sendable {
    public var minClusterSize: Int
    public var minSamples: Int
    /// Points the hierarchy was built on (all of them, or the seeded sample).
    public var fitted: Int
    public var result: HDBSCANResult
    public var quality: ClusterQuality?
    public var summaries: [ClusterSummary]
    public var warning: String?
}

/// Ward hierarchical clusters: the linkage (dendrogram) and the cut.
public struct WardAnalysis: Sendable {
    public var linkage: WardDocument
    public var labels: [Int32]
    public var clusters: Int
    public var quality: ClusterQuality
    public var summaries: [ClusterSummary]
}

/// Temporal K-Means patterns over the cyclic calendar features.
public struct TemporalPatterns: Sendable {
    public var fit: KMeansResult
    public var k: Int
    public var silhouette: Double
    public var analysis: TemporalAnalysis
    /// Each incident's pattern.
    public var labels: [Int32]
}

/// Every analysis one `cluster` run performed, with the wall time of each stage.
public struct ClusterAnalyses: Sendable {
    public var kmeans: KMeansAnalysis?
    public var dbscan: DBSCANAnalysis?
    public var hdbscan: HDBSCANAnalysis?
    public var ward: WardAnalysis?
    public var temporal: TemporalPatterns?
    public var pca: PCADocument?
    public var tsne: TSNEDocument?
    /// Wall seconds per stage in the order run: each analysis (`kmeans`, `dbscan`, `ward`, `temporal`,
    /// `pca`, each whole) and parts of some (`kmeans.fit`, `kmeans.silhouette`, `kmeans.indices`,
    /// `ward.linkage`), stored as `seconds.<stage>` metrics.
    public var seconds: [(stage: String, seconds: Double)] = []

    /// The stored form: labels, summaries, metrics and artifacts under the names runs have always used.
    public var stored: ClusterOutput {
        get throws {
            var out = ClusterOutput()
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            if let a = kmeans {
                out.labels["kmeans"] = a.fit.labels
                out.summaries["kmeans"] = a.summaries
                out.metrics["kmeans.k"] = Double(a.choice.k)
                out.metrics["kmeans.inertia"] = a.fit.inertia
                out.metrics.merge(a.quality.metrics("kmeans")) { $1 }
                out.artifacts["kmeans_sweep"] = try enc.encode(a.choice)
                out.artifacts["kmeans_centres"] = try enc.encode(
                    Dictionary(
                        uniqueKeysWithValues: a.centres.map { k, m in (String(k), m.rowArrays) }))
                if let r = a.warmStartRun { out.notes.append("kmeans: warm start from run \(r)'s centres") }
                out.notes.append(a.choice.reason)
            }
            if let a = dbscan {
                let r = a.result
                out.labels["dbscan"] = r.labels
                // Core rows as little-endian Int32 indices, for checks against other implementations.
                let core = r.isCore.indices.filter { r.isCore[$0] }.map { Int32($0) }
                out.artifacts["dbscan_core"] = core.withUnsafeBytes { Data($0) }
                // With no dense zone there is nothing to summarise (and no entry, as the store reads it back).
                if r.clusterCount > 0 { out.summaries["dbscan"] = a.summaries }
                let n = Double(max(r.labels.count, 1))
                out.metrics["dbscan.clusters"] = Double(r.clusterCount)
                out.metrics["dbscan.min_samples"] = Double(a.minSamples)
                out.metrics["dbscan.noise"] = Double(r.noiseCount)
                out.metrics["dbscan.noise_share"] = Double(r.noiseCount) / n
                out.metrics["dbscan.core_points"] = Double(r.isCore.reduce(0) { $0 + ($1 ? 1 : 0) })
                if let q = a.quality { out.metrics.merge(q.metrics("dbscan")) { $1 } }
                out.notes.append(
                    "dbscan: \(r.clusterCount) dense zones, \(r.noiseCount) noise points (\(String(format: "%.1f", 100 * Double(r.noiseCount) / n)) %), eps \(a.eps) m, min_samples \(a.minSamples)\(a.scaled ? " (scaled: twice the mean density)" : "")"
                )
                if let w = a.warning { out.notes.append(w) }
            }
            if let a = hdbscan {
                let r = a.result
                out.labels["hdbscan"] = r.labels
                if r.clusterCount > 0 { out.summaries["hdbscan"] = a.summaries }
                let n = Double(max(r.labels.count, 1))
                out.metrics["hdbscan.clusters"] = Double(r.clusterCount)
                out.metrics["hdbscan.min_cluster_size"] = Double(a.minClusterSize)
                out.metrics["hdbscan.min_samples"] = Double(a.minSamples)
                out.metrics["hdbscan.fitted"] = Double(a.fitted)
                out.metrics["hdbscan.noise"] = Double(r.noiseCount)
                out.metrics["hdbscan.noise_share"] = Double(r.noiseCount) / n
                if let q = a.quality { out.metrics.merge(q.metrics("hdbscan")) { $1 } }
                let fitted =
                    a.fitted < r.labels.count
                    ? " on a sample of \(a.fitted) (others take their nearest sampled point's label)" : ""
                out.notes.append(
                    "hdbscan: \(r.clusterCount) dense zones, \(r.noiseCount) noise points (\(String(format: "%.1f", 100 * Double(r.noiseCount) / n)) %), min_cluster_size \(a.minClusterSize), min_samples \(a.minSamples)\(fitted)"
                )
                if let w = a.warning { out.notes.append(w) }
            }
            if let a = ward {
                out.labels["ward"] = a.labels
                out.summaries["ward"] = a.summaries
                out.metrics["ward.k"] = Double(a.clusters)
                out.metrics["ward.leaves"] = Double(a.linkage.leaves)
                out.metrics.merge(a.quality.metrics("ward")) { $1 }
                out.artifacts["ward_linkage"] = try enc.encode(a.linkage)
                let input =
                    switch a.linkage.mode {
                    case .cells:
                        "weighted on \(a.linkage.leaves) grid cells of \(Int(a.linkage.cellSize ?? 0)) m"
                    case .points: "exact on \(a.linkage.leaves) points"
                    }
                out.notes.append("ward: \(input), cut at \(a.clusters) clusters")
            }
            if let a = temporal {
                out.labels["temporal"] = a.labels
                out.metrics["temporal.k"] = Double(a.k)
                out.metrics["temporal.silhouette"] = a.silhouette
                out.artifacts["temporal"] = try enc.encode(a.analysis)
                out.notes.append(
                    "temporal: \(a.k) patterns (highest silhouette, \(String(format: "%.3f", a.silhouette))), \(a.analysis.riskSlots.count) high-risk time slots"
                )
            }
            if let p = pca {
                out.artifacts["pca"] = try enc.encode(p)
                out.metrics["pca.explained_variance_1"] = p.pca.explainedVarianceRatio.first ?? 0
                if p.pca.explainedVarianceRatio.count > 1 {
                    out.metrics["pca.explained_variance_2"] = p.pca.explainedVarianceRatio[1]
                }
            }
            if let d = tsne {
                out.artifacts["tsne"] = try enc.encode(d)
                if let v = d.trustworthiness { out.metrics["tsne.trustworthiness"] = v }
            }
            for (stage, s) in seconds { out.metrics["seconds.\(stage)"] = s }
            return out
        }
    }
}

/// Everything one `cluster` run produced, in the form it is stored.
public struct ClusterOutput: Sendable {
    /// Per algorithm, one label per incident (−1 noise).
    public var labels: [String: [Int32]] = [:]
    public var summaries: [String: [ClusterSummary]] = [:]
    public var metrics: [String: Double] = [:]
    /// JSON documents for the dashboard: k sweep, choice, linkage, temporal analysis, PCA.
    public var artifacts: [String: Data] = [:]
    public var notes: [String] = []
}

/// The Ward linkage as stored: SciPy's merge table over the leaves Ward ran on.
public struct WardDocument: Codable, Sendable {
    /// What the leaves are: the incidents themselves, or grid cells weighted by their incidents.
    public enum Mode: String, Codable, Sendable { case points, cells }
    public var mode: Mode
    public var leaves: Int
    /// Grid cell side in metres (cells only).
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

/// A t-SNE embedding as stored: the sampled incidents (rows of the workspace, ascending) and their
/// positions with their K-Means cluster.
public struct TSNEDocument: Codable, Sendable {
    public var perplexity: Double
    public var theta: Double
    public var iterations: Int
    /// `sklearn.manifold.trustworthiness` with k = 10 over the standardised features.
    public var trustworthiness: Double?
    public var rows: [Int]
    /// [x, y, kmeans label] per sampled incident, in the order of `rows`.
    public var sample: [[Double]]
}
