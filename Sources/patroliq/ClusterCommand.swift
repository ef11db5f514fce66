import ArgumentParser
import Foundation
import PatrolIQCore

/// A k range on the command line: `5...10`, `5-10` or a single `7`.
struct KRange: ExpressibleByArgument {
    let range: ClosedRange<Int>
    init?(argument: String) {
        let parts = argument.replacingOccurrences(of: "...", with: "-").split(separator: "-").compactMap { Int($0) }
        if parts.count == 1, parts[0] >= 1 {
            range = parts[0]...parts[0]
        } else if parts.count == 2, parts[0] >= 1, parts[0] <= parts[1] {
            range = parts[0]...parts[1]
        } else {
            return nil
        }
    }
    var defaultValueDescription: String { "\(range.lowerBound)...\(range.upperBound)" }
}

struct Cluster: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Precompute clusters: K-Means hotspots, DBSCAN dense zones, Ward hierarchy, temporal patterns, PCA.",
        discussion: """
            Results go into the workspace as a new run (see 'patroliq runs'): per-incident labels, cluster \
            summaries, metrics, the k sweep, the Ward merge list and the temporal analysis. The run is written \
            in one transaction. Distances are metres in the workspace's local projection.
            """)

    @OptionGroup var ws: WorkspaceOptions

    @Option(
        help: ArgumentHelp(
            "Analyses to run, comma separated: kmeans, dbscan, hdbscan, ward, temporal, pca, tsne (HDBSCAN and t-SNE are asked for by name).",
            valueName: "list"))
    var algorithms: String = "kmeans,dbscan,ward,temporal,pca"

    @Option(name: .customLong("k"), help: "K-Means k values to sweep, e.g. 5...10 or 7.")
    var k: KRange = KRange(argument: "5...10")!

    @Option(
        help:
            "K-Means starts per k (k-means++ each, spread over the cores); above 10 000 incidents they are screened on a 10 000-row sample and the best refined on all rows."
    )
    var restarts: Int = 20

    @Option(
        help:
            "K-Means: above this many incidents, every k of the sweep is fitted and scored on a seeded sample of this size and only the chosen k is fitted on every incident (0: the whole sweep on every incident)."
    )
    var kmeansSweepSample: Int = 500_000

    @Option(help: "Random seed: the same data and seed give the same run.")
    var seed: UInt64 = 42

    @Option(help: "DBSCAN neighbourhood radius in metres.")
    var eps: Double = 150

    @Option(
        help: ArgumentHelp(
            "DBSCAN minimum points within eps (the point itself included) for a core point; auto: the count a disc of radius eps holds at twice the incidents' mean density, so the zones mean the same for a month or twenty years.",
            valueName: "n|auto"))
    var minSamples: MinSamples = .auto

    @Option(
        help: ArgumentHelp(
            "HDBSCAN smallest cluster, in incidents (default: 0.5 % of the points fitted, at least 10).",
            valueName: "n"))
    var minClusterSize: Int?

    @Option(
        help: ArgumentHelp(
            "HDBSCAN neighbours (the point itself included) whose distance is a point's core distance (default: the smallest cluster size, as scikit-learn).",
            valueName: "n"))
    var hdbscanMinSamples: Int?

    @Option(
        help:
            "HDBSCAN is exact up to this many incidents; above, it fits a seeded sample of this size and every other incident takes its nearest sampled incident's label."
    )
    var hdbscanSample: Int = 50_000

    @Option(help: "Ward: number of clusters to cut the tree at (default: the K-Means choice).")
    var wardK: Int?

    @Option(help: "Ward: cut the tree at this merge height instead of a cluster count.")
    var wardHeight: Double?

    @Option(help: "Ward runs exactly on the points up to this many; above, on weighted grid cells.")
    var wardMaxPoints: Int = 20_000

    @Option(help: "Ward grid cell side in metres for large inputs.")
    var wardCell: Double = 250

    @Option(help: "Temporal K-Means pattern counts to try, e.g. 3...5.")
    var temporalK: KRange = KRange(argument: "3...5")!

    @Option(
        help:
            "Silhouette is exact up to this many incidents, else computed on a seeded sample of this size."
    )
    var silhouetteSample: Int = 10_000

    @Option(help: "t-SNE: incidents embedded (a seeded sample of this many when there are more).")
    var tsneSample: Int = 10_000

    @Option(help: "t-SNE perplexity: the effective number of neighbours each incident keeps (5 to 100).")
    var perplexity: Double = 30

    @Flag(
        help: ArgumentHelp(
            "Screen K-Means restarts even when an earlier run's centres could start it.",
            discussion:
                "By default, when the latest cluster run was made on this workspace's data or on the data it grew from by 'ingest --append', K-Means starts from that run's centres for each k (one Lloyd run on all incidents) instead of screening --restarts starts."
        ))
    var cold = false

    @Flag(help: "Print the run record as JSON.")
    var json = false

    @OptionGroup var progress: ProgressOptions

    func validate() throws {
        guard eps > 0 else { throw ValidationError("--eps must be positive (metres)") }
        if case .count(let m) = minSamples, m < 1 { throw ValidationError("--min-samples must be at least 1 or auto") }
        if let m = minClusterSize, m < 2 { throw ValidationError("--min-cluster-size must be at least 2") }
        if let m = hdbscanMinSamples, m < 1 { throw ValidationError("--hdbscan-min-samples must be at least 1") }
        guard hdbscanSample >= 100 else { throw ValidationError("--hdbscan-sample must be at least 100") }
        guard restarts >= 1 else { throw ValidationError("--restarts must be at least 1") }
        guard kmeansSweepSample == 0 || kmeansSweepSample >= 1000 else {
            throw ValidationError("--kmeans-sweep-sample must be 0 (every incident) or at least 1000")
        }
        guard tsneSample >= 10 else { throw ValidationError("--tsne-sample must be at least 10") }
        guard perplexity >= 2, perplexity <= 100 else { throw ValidationError("--perplexity must be in 2…100") }
        guard k.range.lowerBound >= 2 else { throw ValidationError("--k must be at least 2") }
        guard temporalK.range.lowerBound >= 2 else {
            throw ValidationError("--temporal-k must be at least 2")
        }
        if let w = wardK, w < 1 { throw ValidationError("--ward-k must be at least 1") }
        guard wardCell > 0 else { throw ValidationError("--ward-cell must be positive") }
        guard silhouetteSample >= 100 else {
            throw ValidationError("--silhouette-sample must be at least 100")
        }
        _ = try parsedAlgorithms()
    }

    func parsedAlgorithms() throws -> [ClusterOptions.Algorithm] {
        let names = algorithms.split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        let known = ClusterOptions.Algorithm.allCases.map(\.rawValue).joined(separator: ", ")
        var out: [ClusterOptions.Algorithm] = []
        for n in names {
            guard let a = ClusterOptions.Algorithm(rawValue: n) else {
                throw ValidationError("unknown algorithm '\(n)' (known: \(known))")
            }
            if !out.contains(a) { out.append(a) }
        }
        guard !out.isEmpty else { throw ValidationError("--algorithms is empty (known: \(known))") }
        return out
    }

    func run() throws {
        let start = Date()
        var o = ClusterOptions()
        o.algorithms = try parsedAlgorithms()
        o.kRange = k.range
        o.restarts = restarts
        o.seed = seed
        o.eps = eps
        if case .count(let m) = minSamples { o.minSamples = m }
        o.minClusterSize = minClusterSize
        o.hdbscanMinSamples = hdbscanMinSamples
        o.hdbscanSample = hdbscanSample
        o.sweepSample = kmeansSweepSample
        o.wardK = wardK
        o.wardHeight = wardHeight
        o.wardMaxPoints = wardMaxPoints
        o.wardCell = wardCell
        o.temporalRange = temporalK.range
        o.silhouetteSample = silhouetteSample
        o.tsneSample = tsneSample
        o.perplexity = perplexity
        let w = try Workspace(path: ws.workspace, readOnly: false)
        let info = try w.info()
        // Only what the analyses read: ids, descriptions and blocks of 8 M incidents would cost ~1 GB.
        let t = try w.incidents(columns: ClusterPipeline.columns)
        let needed = max(
            o.algorithms.contains(.kmeans) ? o.kRange.upperBound : 1,
            o.algorithms.contains(.temporal) ? o.temporalRange.upperBound : 1)
        guard t.count >= max(needed, 2) else {
            throw InputError(
                file: ws.workspace, "\(t.count) incidents: too few to cluster with k up to \(needed)")
        }
        if !cold, o.algorithms.contains(.kmeans) { (o.warmStart, o.warmStartRun) = try Self.warmStart(w, info: info) }
        let show = progress.enabled
        let out = try ClusterPipeline.run(
            incidents: t, typeNames: try w.dictionaries().type, projection: info.projection, options: o
        ) { step in
            if show {
                FileHandle.standardError.write(
                    Data(
                        "cluster: \(step) (\(String(format: "%.1f", Date().timeIntervalSince(start))) s)\n".utf8
                    ))
            }
        }
        let record = try RunStore(w).save(
            out, info: info, options: o, duration: Date().timeIntervalSince(start))
        if json {
            try printJSON(record)
            return
        }
        for n in record.notes {
            print(n)
            if n.hasPrefix("warning:") { FileHandle.standardError.write(Data("patroliq: \(n)\n".utf8)) }
        }
        let stages = o.algorithms.compactMap { a in
            record.metrics["seconds.\(a.rawValue)"].map { "\(a.rawValue) \(String(format: "%.2f", $0))" }
        }
        print(
            "wrote run \(record.id) to \(ws.workspace): \(o.algorithms.map(\.rawValue).joined(separator: ", ")) on \(t.count) incidents in \(String(format: "%.2f", record.durationSeconds)) s (\(stages.joined(separator: ", ")) s)"
        )
    }
}

/// `--min-samples`: a count, or auto (scaled to the data).
enum MinSamples: ExpressibleByArgument, Equatable {
    case auto
    case count(Int)

    init?(argument: String) {
        if argument == "auto" {
            self = .auto
        } else if let n = Int(argument) {
            self = .count(n)
        } else {
            return nil
        }
    }

    var defaultValueDescription: String {
        switch self {
        case .auto: "auto"
        case .count(let n): String(n)
        }
    }
}

extension Cluster {
    /// The latest cluster run's K-Means centres, when that run saw this workspace's data or the data it
    /// grew from by appends (its fingerprint is in the append log).
    static func warmStart(_ w: Workspace, info: WorkspaceInfo) throws -> ([Int: [[Double]]]?, Int?) {
        let store = RunStore(w)
        guard store.hasRuns, let run = try store.list(kind: .cluster).last,
            let data = try store.artifact(run: run.id, name: "kmeans_centres"),
            let centres = try? JSONDecoder().decode([String: [[Double]]].self, from: data)
        else { return (nil, nil) }
        let lineage = Set(
            try w.appendLog().flatMap { [$0.fingerprintBefore, $0.fingerprintAfter] } + [info.fingerprint])
        guard lineage.contains(run.fingerprint) else { return (nil, nil) }
        var out: [Int: [[Double]]] = [:]
        for (k, c) in centres { if let k = Int(k) { out[k] = c } }
        return (out, run.id)
    }
}
