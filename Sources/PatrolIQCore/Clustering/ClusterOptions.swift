import Foundation

/// Which analyses a `cluster` run performs, and their parameters.
public struct ClusterOptions: Sendable, Codable, Equatable {
    public enum Algorithm: String, CaseIterable, Codable, Sendable {
        case kmeans, dbscan, hdbscan, ward, temporal, pca, tsne
    }
    /// Everything but t-SNE (seconds rather than milliseconds) and HDBSCAN (a second dense-zone answer),
    /// which are asked for by name.
    public static let defaultAlgorithms: [Algorithm] = [.kmeans, .dbscan, .ward, .temporal, .pca]
    public var algorithms: [Algorithm] = ClusterOptions.defaultAlgorithms
    /// Geographic K-Means: k swept over this range, best of `restarts` runs for each.
    public var kRange: ClosedRange<Int> = 5...10
    public var restarts = 20
    /// Above this many rows, every k of the sweep is fitted and scored on a seeded sample of this size and
    /// only the chosen k on every row, from the sample fit's centres (0: the whole sweep on every row).
    /// Scores of a half-million-row sample rank k as all 8 M rows do; six full fits cost five more
    /// full-data Lloyd runs and index passes for the same choice.
    public var sweepSample = 500_000
    /// K-Means start centres per k (from an earlier run on the data this grew from); those k skip the
    /// screened restarts. `warmStartRun` names the run, for the record.
    public var warmStart: [Int: [[Double]]]?
    public var warmStartRun: Int?
    public var seed: UInt64 = 42
    /// DBSCAN radius (metres) and minimum neighbourhood size (the point itself included).
    public var eps = 150.0
    /// nil: scaled to the data (`DBSCAN.scaledMinSamples`: twice the mean density).
    public var minSamples: Int?
    /// HDBSCAN: smallest cluster (nil: 0.5 % of the points fitted, at least 10) and the neighbourhood
    /// size of a core distance (nil: the smallest cluster size, as scikit-learn).
    public var minClusterSize: Int?
    public var hdbscanMinSamples: Int?
    /// HDBSCAN is exact up to this many points; above, it fits a seeded sample of this size and every
    /// other point takes the label of its nearest sampled point.
    public var hdbscanSample = 50_000
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
    /// t-SNE: incidents embedded (a seeded sample) and the perplexity.
    public var tsneSample = 10_000
    public var perplexity = 30.0

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
            p["kmeans.screen_sample"] = String(KMeans.defaultSampleSize)
            p["kmeans.refined"] = String(KMeans.defaultRefine)
            p["kmeans.sweep_sample"] = String(sweepSample)
            if let r = warmStartRun { p["kmeans.warm_start_run"] = String(r) }
        }
        if algorithms.contains(.dbscan) {
            p["dbscan.eps_m"] = String(eps)
            p["dbscan.min_samples"] = minSamples.map(String.init) ?? "auto"
        }
        if algorithms.contains(.hdbscan) {
            p["hdbscan.min_cluster_size"] = minClusterSize.map(String.init) ?? "auto"
            p["hdbscan.min_samples"] = hdbscanMinSamples.map(String.init) ?? "auto"
            p["hdbscan.sample"] = String(hdbscanSample)
        }
        if algorithms.contains(.ward) {
            if let wardK { p["ward.k"] = String(wardK) }
            if let wardHeight { p["ward.height"] = String(wardHeight) }
            p["ward.max_points"] = String(wardMaxPoints)
            p["ward.cell_m"] = String(wardCell)
        }
        if algorithms.contains(.tsne) {
            p["tsne.sample"] = String(tsneSample)
            p["tsne.perplexity"] = String(perplexity)
            p["tsne.theta"] = String(TSNE().theta)
        }
        if algorithms.contains(.temporal) {
            p["temporal.k_range"] = "\(temporalRange.lowerBound)...\(temporalRange.upperBound)"
        }
        return p
    }
}
