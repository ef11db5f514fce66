import Foundation

/// Runs the requested analyses on a workspace's incidents.
public enum ClusterPipeline {
    public typealias Progress = @Sendable (String) -> Void

    /// The incident columns the analyses and their summaries read.
    public static let columns: Set<String> = [
        "x", "y", "hour", "weekday", "month", "weekend", "severity", "type", "arrest", "domestic",
    ]

    /// The stored form of `analyze`.
    public static func run(
        incidents t: IncidentTable, typeNames: [String], projection: LocalProjection, options o: ClusterOptions,
        progress: Progress? = nil
    ) throws -> ClusterOutput {
        try analyze(incidents: t, typeNames: typeNames, projection: projection, options: o, progress: progress).stored
    }

    /// Each requested analysis in turn (K-Means first: Ward cuts at its k unless told otherwise), timed.
    public static func analyze(
        incidents t: IncidentTable, typeNames: [String], projection: LocalProjection, options o: ClusterOptions,
        progress: Progress? = nil
    ) throws -> ClusterAnalyses {
        var out = ClusterAnalyses()
        // The points as a matrix, for K-Means and the quality scores; let go while DBSCAN runs, whose
        // tables are the run's largest (8 M rows: 126 MB less at the peak), and made again after.
        var matrix: Matrix?
        func x() -> Matrix {
            if let matrix { return matrix }
            let m = Matrix(points: t.points)
            matrix = m
            return m
        }
        func summaries(_ labels: [Int32]) -> [ClusterSummary] {
            ClusterSummary.summarize(labels: labels, incidents: t, typeNames: typeNames, projection: projection)
        }
        func timed<T>(_ stage: ClusterOptions.Algorithm, _ body: () throws -> T) rethrows -> T {
            let (value, seconds) = try measure(body)
            out.seconds.append((stage.rawValue, seconds))
            return value
        }
        if o.algorithms.contains(.kmeans) {
            out.kmeans = try timed(.kmeans) {
                let (choice, fit, quality, parts, centres) = try kmeans(x(), options: o, progress: progress)
                out.seconds += parts
                return KMeansAnalysis(
                    choice: choice, fit: fit, quality: quality, summaries: summaries(fit.labels), centres: centres,
                    warmStartRun: o.warmStart == nil ? nil : o.warmStartRun)
            }
        }
        if o.algorithms.contains(.dbscan) {
            matrix = nil
            let minSamples = o.minSamples ?? DBSCAN.scaledMinSamples(t.points, eps: o.eps)
            progress?(
                "dbscan eps=\(o.eps) m, min_samples=\(minSamples)\(o.minSamples == nil ? " (scaled to the data)" : "")")
            out.dbscan = timed(.dbscan) {
                let r = DBSCAN(eps: o.eps, minSamples: minSamples).fit(t.points)
                return DBSCANAnalysis(
                    eps: o.eps, minSamples: minSamples, scaled: o.minSamples == nil, result: r,
                    quality: r.clusterCount >= 2
                        ? ClusterQuality.of(x(), labels: r.labels, sample: o.silhouetteSample, seed: o.seed) : nil,
                    summaries: r.clusterCount > 0 ? summaries(r.labels) : [],
                    warning: oneZoneWarning(r.labels, eps: o.eps, minSamples: minSamples))
            }
        }
        if o.algorithms.contains(.hdbscan) {
            out.hdbscan = timed(.hdbscan) { hdbscan(t, x(), options: o, summaries: summaries, progress: progress) }
        }
        if o.algorithms.contains(.ward) {
            progress?("ward")
            let k = o.wardK ?? out.kmeans?.choice.k ?? 8
            out.ward = timed(.ward) {
                let ((linkage, labels), seconds) = measure { ward(t, options: o, k: k) }
                out.seconds.append(("ward.linkage", seconds))
                return WardAnalysis(
                    linkage: linkage, labels: labels, clusters: Int((labels.max() ?? 0) + 1),
                    quality: ClusterQuality.of(x(), labels: labels, sample: o.silhouetteSample, seed: o.seed),
                    summaries: summaries(labels))
            }
        }
        if o.algorithms.contains(.temporal) {
            out.temporal = try timed(.temporal) {
                try temporal(t, typeNames: typeNames, options: o, progress: progress)
            }
        }
        if o.algorithms.contains(.pca) {
            progress?("pca")
            out.pca = timed(.pca) { pca(t, kmeansLabels: out.kmeans?.fit.labels, seed: o.seed) }
        }
        if o.algorithms.contains(.tsne) {
            progress?("tsne on \(min(t.count, o.tsneSample)) incidents")
            out.tsne = timed(.tsne) {
                let (document, parts) = tsne(t, kmeansLabels: out.kmeans?.fit.labels, options: o)
                out.seconds += parts
                return document
            }
        }
        return out
    }

    /// The k sweep: the best of `restarts` fits for every k, scored, and the rule's choice.
    /// Also returns the seconds spent fitting and scoring (`kmeans.fit`, `kmeans.silhouette`,
    /// `kmeans.indices` for Davies–Bouldin and Calinski–Harabasz), for the run record, and the chosen
    /// fit's quality on every row.
    static func kmeans(_ x: Matrix, options o: ClusterOptions, progress: Progress?) throws -> (
        KChoice, KMeansResult, ClusterQuality, [(String, Double)], [Int: Matrix]
    ) {
        guard o.kRange.upperBound <= x.rows else {
            throw InputError(
                file: "cluster",
                "k up to \(o.kRange.upperBound) needs at least that many incidents; the workspace has \(x.rows)")
        }
        // Above `sweepSample` rows the sweep runs on a seeded sample (see `ClusterOptions.sweepSample`).
        let sampled = o.sweepSample > 0 && x.rows > o.sweepSample
        var rng = SeededRandom(seed: o.seed &+ 2000)
        let sweepRows = sampled ? x.select(rng.sample(o.sweepSample, of: x.rows)) : x
        var scores: [KScore] = []
        var fits: [Int: KMeansResult] = [:]
        var seconds = (fit: 0.0, silhouette: 0.0, indices: 0.0)
        /// Fits k on `rows` (from `initial` centres when given) and scores the fit.
        func fitAndScore(_ k: Int, on rows: Matrix, initial: [[Double]]?) -> (KMeansResult, KScore) {
            var km = KMeans(k: k, restarts: o.restarts, seed: o.seed &+ UInt64(k))
            km.initial = initial
            let (fit, fitTime) = measure { km.fit(rows) }
            let (silhouette, silhouetteTime) = measure {
                ClusterMetrics.sampledSilhouette(rows, labels: fit.labels, size: o.silhouetteSample, seed: o.seed)
            }
            let (indices, indexTime) = measure { ClusterMetrics.indices(rows, labels: fit.labels) }
            seconds = (seconds.fit + fitTime, seconds.silhouette + silhouetteTime, seconds.indices + indexTime)
            let score = KScore(
                k: k, inertia: fit.inertia, silhouette: silhouette, daviesBouldin: indices.daviesBouldin,
                calinskiHarabasz: indices.calinskiHarabasz, iterations: fit.iterations)
            return (fit, score)
        }
        for k in o.kRange {
            progress?("kmeans k=\(k)\(sampled ? " (on a \(o.sweepSample)-row sample)" : "")")
            let (fit, score) = fitAndScore(k, on: sweepRows, initial: o.warmStart?[k])
            fits[k] = fit
            scores.append(score)
        }
        var choice = KChoice(scores: scores)
        var chosen = scores.first { $0.k == choice.k }
        if sampled, let start = fits[choice.k] {
            progress?("kmeans k=\(choice.k) on every incident")
            let (fit, score) = fitAndScore(choice.k, on: x, initial: start.centers.rowArrays)
            fits[choice.k] = fit
            chosen = score
            choice.sample = o.sweepSample
        }
        let quality = ClusterQuality(
            silhouette: chosen?.silhouette, daviesBouldin: chosen?.daviesBouldin,
            calinskiHarabasz: chosen?.calinskiHarabasz)
        return (
            choice, fits[choice.k] ?? fits.values.first!, quality,
            [
                ("kmeans.fit", seconds.fit), ("kmeans.silhouette", seconds.silhouette),
                ("kmeans.indices", seconds.indices),
            ],
            fits.mapValues(\.centers)
        )
    }

    /// Ward's linkage on the points (or weighted grid cells) and each incident's cluster at the cut.
    static func ward(_ t: IncidentTable, options o: ClusterOptions, k: Int) -> (WardDocument, [Int32]) {
        let (leaves, weights, leafOfPoint, mode) = wardInput(t, points: t.points, options: o)
        let merges = Ward.linkage(leaves, weights: weights)
        let clusters =
            o.wardHeight.map { h in max(1, leaves.rows - merges.filter { $0.height <= h }.count) }
            ?? min(k, leaves.rows)
        let leafLabels = Ward.cut(merges, n: leaves.rows, clusters: clusters)
        let document = WardDocument(
            mode: mode, leaves: leaves.rows, cellSize: mode == .cells ? o.wardCell : nil, merges: merges)
        return (document, leafOfPoint.map { leafLabels[$0] })
    }

    /// Temporal patterns: K-Means on the cyclic hour, weekday and month features for every k in the
    /// range, the highest silhouette kept.
    ///
    /// Those features take at most 24 × 7 × 12 = 2 016 distinct values, so K-Means runs on the
    /// distinct rows weighted by their incidents — the same problem as on every incident — and the
    /// silhouette is exact over all incidents (weighted), not sampled.
    static func temporal(_ t: IncidentTable, typeNames: [String], options o: ClusterOptions, progress: Progress?)
        throws -> TemporalPatterns
    {
        let slots = CalendarSlots(hour: t.hour, weekday: t.weekday, month: t.month)
        let features = CyclicFeatures.matrix(hour: slots.hour, weekday: slots.weekday, month: slots.month)
        let ks = o.temporalRange.filter { $0 <= slots.count }
        guard o.temporalRange.upperBound <= t.count, !ks.isEmpty else {
            throw InputError(
                file: "cluster",
                "temporal k up to \(o.temporalRange.upperBound) needs at least that many incidents at distinct hours, weekdays and months (\(slots.count) here)"
            )
        }
        var best: (k: Int, silhouette: Double, fit: KMeansResult)?
        var byK: [Int: Double] = [:]
        for k in ks {
            progress?("temporal k=\(k)")
            let fit = KMeans(k: k, restarts: o.restarts, seed: o.seed &+ 1000 &+ UInt64(k))
                .fit(features, weights: slots.weights)
            let s = ClusterMetrics.silhouette(features, labels: fit.labels, weights: slots.weights) ?? -1
            byK[k] = s
            if best == nil || s > best!.silhouette { best = (k, s, fit) }
        }
        let (k, s, fit) = best!
        let labels = slots.slotOfRow.map { fit.labels[$0] }
        let analysis = TemporalAnalysis.describe(
            labels: labels, k: k, hour: t.hour, weekday: t.weekday, month: t.month, weekend: t.weekend,
            type: t.type, typeNames: typeNames, silhouetteByK: byK)
        return TemporalPatterns(fit: fit, k: k, silhouette: s, analysis: analysis, labels: labels)
    }

    /// The features PCA and t-SNE read: location, cyclic hour, weekday and month, severity, weekend.
    static func features(_ t: IncidentTable, rows: [Int]? = nil) -> Matrix {
        features(t, rows: rows ?? Array(0..<t.count))
    }

    static func features(_ t: IncidentTable, rows: some Collection<Int>) -> Matrix {
        let cols = featureNames.count
        var d = [Double](repeating: 0, count: rows.count * cols)
        let hours = CyclicFeatures.table(period: 24)
        let days = CyclicFeatures.table(period: 7)
        let months = CyclicFeatures.table(period: 12)
        for (r, i) in rows.enumerated() {
            let h = hours[Int(t.hour[i]) % 24]
            let w = days[Int(t.weekday[i]) % 7]
            let m = months[(Int(t.month[i]) + 11) % 12]
            let o = r * cols
            d[o] = t.x[i]
            d[o + 1] = t.y[i]
            d[o + 2] = h.sin
            d[o + 3] = h.cos
            d[o + 4] = w.sin
            d[o + 5] = w.cos
            d[o + 6] = m.sin
            d[o + 7] = m.cos
            d[o + 8] = Double(t.severity[i])
            d[o + 9] = Double(t.weekend[i])
        }
        return Matrix(rows: rows.count, cols: cols, data: d)
    }

    static let featureNames = [
        "x", "y", "hour_sin", "hour_cos", "weekday_sin", "weekday_cos", "month_sin", "month_cos", "severity", "weekend",
    ]

    /// A seeded sample of `size` of `n` rows (all when n ≤ size), ascending.
    static func sampleRows(_ n: Int, size: Int, seed: UInt64) -> [Int] {
        var rng = SeededRandom(seed: seed)
        return rng.sample(size, of: n).sorted()
    }

    /// Principal components of the `features`, with a seeded sample of incidents projected for the
    /// dashboard's scatter.
    static func pca(_ t: IncidentTable, kmeansLabels: [Int32]?, seed: UInt64) -> PCADocument {
        // Block by block: the full feature matrix of 8 M incidents would take 640 MB.
        let p = PCA.fit(rows: t.count, features: featureNames) { features(t, rows: $0) }
        let rows = sampleRows(t.count, size: 3000, seed: seed)
        let picked = features(t, rows: rows)
        let sample = rows.enumerated().map { r, i -> [Double] in
            let c = p.project(picked, r)
            return [c[0], c.count > 1 ? c[1] : 0, Double(kmeansLabels?[i] ?? 0)]
        }
        return PCADocument(pca: p, sample: sample)
    }

    /// t-SNE of the same standardised features as PCA on a seeded sample, with its trustworthiness
    /// (k = 10). Also returns the seconds of the embedding and of the trustworthiness.
    static func tsne(_ t: IncidentTable, kmeansLabels: [Int32]?, options o: ClusterOptions) -> (
        TSNEDocument, [(String, Double)]
    ) {
        let rows = sampleRows(t.count, size: o.tsneSample, seed: o.seed)
        let raw = features(t, rows: rows)
        // Standardised as PCA does (mean 0, unit sample variance), so no feature dominates by its unit.
        let scale = PCA.fit(raw, features: featureNames)
        let x = Matrix(
            rows: raw.rows, cols: raw.cols,
            data: raw.data.indices.map { (raw.data[$0] - scale.mean[$0 % raw.cols]) / scale.scale[$0 % raw.cols] })
        var method = TSNE()
        method.perplexity = o.perplexity
        let (embedding, embedSeconds) = measure { method.embed(x) }
        let (trust, trustSeconds) = measure { ClusterMetrics.trustworthiness(x, embedding: embedding, k: 10) }
        let document = TSNEDocument(
            perplexity: method.perplexity, theta: method.theta,
            iterations: method.exaggerationIterations + method.iterations, trustworthiness: trust, rows: rows,
            sample: rows.indices.map { [embedding[$0].x, embedding[$0].y, Double(kmeansLabels?[rows[$0]] ?? 0)] })
        return (document, [("tsne.embed", embedSeconds), ("tsne.trustworthiness", trustSeconds)])
    }

    /// The value of `body` and the wall seconds it took.
    static func measure<T>(_ body: () throws -> T) rethrows -> (T, Double) {
        let start = DispatchTime.now().uptimeNanoseconds
        let value = try body()
        return (value, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    /// HDBSCAN on all points, or on a seeded sample with the others labelled by their nearest sampled point.
    static func hdbscan(
        _ t: IncidentTable, _ x: Matrix, options o: ClusterOptions, summaries: ([Int32]) -> [ClusterSummary],
        progress: Progress?
    ) -> HDBSCANAnalysis {
        let points = t.points
        let rows = points.count > o.hdbscanSample ? sampleRows(points.count, size: o.hdbscanSample, seed: o.seed) : nil
        let fitted = rows.map { $0.map { points[$0] } } ?? points
        let mcs = o.minClusterSize ?? max(10, Int((0.005 * Double(fitted.count)).rounded()))
        let ms = o.hdbscanMinSamples ?? mcs
        progress?("hdbscan on \(fitted.count) points, min_cluster_size=\(mcs), min_samples=\(ms)")
        var r = HDBSCAN(minClusterSize: mcs, minSamples: ms).fit(fitted)
        if rows != nil {
            let grid = PointGrid(fitted, perCell: 4)
            let sampled = r.labels
            var labels = [Int32](repeating: -1, count: points.count)
            labels.withUnsafeMutableBufferPointer { lb in
                let out = UncheckedSendable(lb)
                parallelRanges(points.count, parts: workerCount * 4, minimum: 4096) { range, _ in
                    for i in range { out.value[i] = grid.nearest(to: points[i]).map { sampled[$0] } ?? -1 }
                }
            }
            r.labels = labels
        }
        return HDBSCANAnalysis(
            minClusterSize: mcs, minSamples: ms, fitted: fitted.count, result: r,
            quality: r.clusterCount >= 2
                ? ClusterQuality.of(x, labels: r.labels, sample: o.silhouetteSample, seed: o.seed) : nil,
            summaries: r.clusterCount > 0 ? summaries(r.labels) : [],
            warning: oneZoneWarning(
                r.labels, algorithm: "hdbscan", setting: "min_cluster_size \(mcs), min_samples \(ms)",
                advice: "raise --hdbscan-min-samples or lower --min-cluster-size to split it"))
    }

    /// A warning when one dense zone holds more than half the points: fixed parameters that fit a
    /// smaller or sparser data set merge the whole city at this density, and the layer means nothing.
    static func oneZoneWarning(_ labels: [Int32], eps: Double, minSamples: Int) -> String? {
        oneZoneWarning(
            labels, algorithm: "dbscan", setting: "eps \(eps) m, min_samples \(minSamples)",
            advice: "raise --min-samples or lower --eps for data this dense")
    }

    static func oneZoneWarning(_ labels: [Int32], algorithm: String, setting: String, advice: String) -> String? {
        var sizes: [Int32: Int] = [:]
        for l in labels where l >= 0 { sizes[l, default: 0] += 1 }
        guard let largest = sizes.values.max(), labels.count > 0, largest * 2 > labels.count else { return nil }
        return
            "warning: \(algorithm): one dense zone holds \(String(format: "%.0f", 100 * Double(largest) / Double(labels.count))) % "
            + "of the points (\(setting)): \(advice)"
    }

    /// Ward's input: the points themselves when few enough, else occupied grid cells weighted by count.
    static func wardInput(_ t: IncidentTable, points: [SIMD2<Double>], options o: ClusterOptions)
        -> (Matrix, [Double]?, [Int], WardDocument.Mode)
    {
        if points.count <= o.wardMaxPoints {
            return (Matrix(points: points), nil, Array(0..<points.count), .points)
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
        return (Matrix(points: centroids), counts, cellOf, .cells)
    }
}

/// The distinct (hour, weekday, month) of incidents, each weighted by how many incidents have it.
struct CalendarSlots {
    var hour: [UInt8] = []
    var weekday: [UInt8] = []
    var month: [UInt8] = []
    var weights: [Double] = []
    /// Each incident's slot.
    var slotOfRow: [Int]
    var count: Int { weights.count }

    init(hour h: [UInt8], weekday w: [UInt8], month m: [UInt8]) {
        var slotOfKey = [Int](repeating: -1, count: 24 * 7 * 12)
        slotOfRow = [Int](repeating: 0, count: h.count)
        for i in h.indices {
            let (hh, ww, mm) = (min(Int(h[i]), 23), min(Int(w[i]), 6), min(max(Int(m[i]), 1), 12))
            let key = (hh * 7 + ww) * 12 + mm - 1
            if slotOfKey[key] < 0 {
                slotOfKey[key] = weights.count
                hour.append(UInt8(hh))
                weekday.append(UInt8(ww))
                month.append(UInt8(mm))
                weights.append(0)
            }
            weights[slotOfKey[key]] += 1
            slotOfRow[i] = slotOfKey[key]
        }
    }
}
