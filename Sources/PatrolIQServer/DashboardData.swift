import Foundation
import NIOConcurrencyHelpers
import PatrolIQCore

/// JSON documents for the dashboard: typed values encoded once, kept with their gzip copy and
/// validators until the workspace file changes.
final class DashboardData: Sendable {
    let path: String
    private let cache = NIOLockedValueBox<(stamp: FileStamp?, documents: [String: EncodedBody], queries: [String])>(
        (nil, [:], []))

    init(path: String) { self.path = path }

    var isReady: Bool { FileStamp(path) != nil && (try? Workspace(path: path)) != nil }

    /// The cached document `key`, built by `make` from a freshly opened workspace when missing or
    /// stale; nil when the workspace or the document does not exist.
    func document(_ key: String, _ make: (Workspace) throws -> (any Encodable)?) throws -> EncodedBody? {
        try body(key) { w in
            try make(w).map { EncodedBody(Array(try Self.encoder.encode($0)), contentType: "application/json") }
        }
    }

    /// Answers kept for arbitrary queries (plans): beyond this many, the oldest are let go.
    static let queryAnswers = 64

    /// The cached body `key`, built by `make` when missing or stale.
    func body(_ key: String, _ make: (Workspace) throws -> EncodedBody?) throws -> EncodedBody? {
        guard let stamp = FileStamp(path) else { return nil }
        if let hit = cache.withLockedValue({ c -> EncodedBody? in
            if c.stamp != stamp {
                c = (stamp, [:], [])
                return nil
            }
            return c.documents[key]
        }) {
            return hit
        }
        let w = try Workspace(path: path)
        guard let body = try make(w) else { return nil }
        cache.withLockedValue {
            guard $0.stamp == stamp else { return }
            if key.hasPrefix("query:") {
                let kept = $0.queries.filter { $0 != key }
                $0.queries = kept + [key]
                while $0.queries.count > Self.queryAnswers { $0.documents[$0.queries.removeFirst()] = nil }
            }
            $0.documents[key] = body
        }
        return body
    }

    static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }

    func stats() throws -> EncodedBody? {
        try document("stats") { w in
            let t = try w.incidents(columns: [
                "time", "type", "arrest", "domestic", "hour", "weekday", "month", "district", "severity", "cell",
            ])
            let info = try w.info()
            var doc = StatsDocument(
                statistics: IncidentStatistics(t, dictionaries: try w.dictionaries()), quality: try w.qualityReport(),
                info: info)
            doc.occupiedKm2 = StatsDocument.occupiedArea(cells: t.cell, cellSize: info.grid.cellSize)
            return doc
        }
    }

    func runs() throws -> EncodedBody? {
        try document("runs") { w in try RunStore(w).list() }
    }

    /// One run with its dashboard artifacts (k sweep, a dendrogram of the last merges, PCA and t-SNE samples).
    func run(_ id: Int?) throws -> EncodedBody? {
        try document("run-\(id.map(String.init) ?? "latest")") { w in
            let store = RunStore(w)
            guard let r = try? store.run(id, path: path) else { return nil }
            let decoder = JSONDecoder()
            let ward = try store.artifact(run: r.id, name: "ward_linkage").flatMap {
                try? decoder.decode(WardDocument.self, from: $0)
            }
            return RunDocument(
                record: r,
                kmeansSweep: try store.artifact(run: r.id, name: "kmeans_sweep").flatMap {
                    try? decoder.decode(KChoice.self, from: $0)
                },
                pca: try store.artifact(run: r.id, name: "pca").flatMap {
                    try? decoder.decode(PCADocument.self, from: $0)
                },
                tsne: try store.artifact(run: r.id, name: "tsne").flatMap {
                    try? decoder.decode(TSNEDocument.self, from: $0)
                }.map {
                    RunDocument.Embedding(
                        perplexity: $0.perplexity, trustworthiness: $0.trustworthiness, sample: $0.sample)
                },
                ward: ward.map {
                    RunDocument.Dendrogram(
                        mode: $0.mode.rawValue, leaves: $0.leaves,
                        topMerges: Self.topMerges($0.merges, leaves: $0.leaves, keep: 24))
                })
        }
    }

    /// The last `keep` merges of a linkage, renumbered so the dashboard draws a small dendrogram:
    /// leaves are the `keep + 1` clusters that remain below them, labelled with their sizes.
    static func topMerges(_ merges: [Merge], leaves n: Int, keep: Int) -> TopMerges {
        let k = min(keep, merges.count)
        let first = merges.count - k
        var ids: [Int: Int] = [:]
        var leafSizes: [Double] = []
        func id(_ c: Int) -> Int {
            if c >= n + first { return (c - n - first) + (k + 1) }
            if let v = ids[c] { return v }
            let v = leafSizes.count
            ids[c] = v
            leafSizes.append(c < n ? 1 : merges[c - n].size)
            return v
        }
        let rows = merges[first...].map { m in [Double(id(m.a)), Double(id(m.b)), m.height, m.size] }
        return TopMerges(leaves: leafSizes, merges: rows)
    }

    func temporal(_ id: Int?) throws -> EncodedBody? {
        try document("temporal-\(id.map(String.init) ?? "latest")") { w -> TemporalAnalysis? in
            let store = RunStore(w)
            let ids = try id.map { [$0] } ?? store.list().reversed().map(\.id)
            for run in ids {
                if let d = try store.artifact(run: run, name: "temporal") {
                    return try JSONDecoder().decode(TemporalAnalysis.self, from: d)
                }
            }
            return nil
        }
    }

    func clusters(_ id: Int?) throws -> EncodedBody? {
        try document("clusters-\(id.map(String.init) ?? "latest")") { w in
            let store = RunStore(w)
            guard let r = try? store.run(id, path: path) else { return nil }
            return ClustersDocument(runID: r.id, clusters: try store.summaries(run: r.id))
        }
    }
}

/// `/api/stats`: the statistics with the quality report and workspace info beside them (and, for
/// `/api/stats?FILTERS`, the normalised filter instead of the quality report).
struct StatsDocument: Encodable {
    let statistics: IncidentStatistics
    let quality: QualityReport?
    let info: WorkspaceInfo
    var filter: String?
    /// Area of the grid cells holding at least one incident, km²: the denominator of a density that
    /// compares cities of different sizes (a bounding box counts lake and airport).
    var occupiedKm2: Double?

    enum CodingKeys: String, CodingKey {
        case quality, info, filter
        case occupiedKm2 = "occupied_km2"
        case incidentsPerKm2 = "incidents_per_km2"
    }

    static func occupiedArea(cells: [Int32], cellSize: Double) -> Double {
        guard let top = cells.max(), top >= 0 else { return 0 }
        var seen = [Bool](repeating: false, count: Int(top) + 1)
        var n = 0
        for c in cells where c >= 0 && !seen[Int(c)] {
            seen[Int(c)] = true
            n += 1
        }
        return Double(n) * cellSize * cellSize / 1e6
    }

    func encode(to encoder: any Encoder) throws {
        try statistics.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(quality, forKey: .quality)
        try c.encode(info, forKey: .info)
        try c.encodeIfPresent(filter, forKey: .filter)
        if let a = occupiedKm2, a > 0 {
            try c.encode(a, forKey: .occupiedKm2)
            try c.encode(Double(statistics.total) / a, forKey: .incidentsPerKm2)
        }
    }
}

/// `/api/runs/{id}`: the run record with its dashboard artifacts beside it.
struct RunDocument: Encodable {
    let record: RunRecord
    let kmeansSweep: KChoice?
    let pca: PCADocument?
    /// The t-SNE scatter without the sampled row numbers (the dashboard draws positions only).
    let tsne: Embedding?
    let ward: Dendrogram?

    struct Embedding: Encodable {
        let perplexity: Double
        let trustworthiness: Double?
        let sample: [[Double]]
    }

    struct Dendrogram: Encodable {
        let mode: String
        let leaves: Int
        let topMerges: TopMerges
        enum CodingKeys: String, CodingKey {
            case mode, leaves
            case topMerges = "top_merges"
        }
    }

    enum CodingKeys: String, CodingKey {
        case kmeansSweep = "kmeans_sweep"
        case pca, tsne, ward
    }

    func encode(to encoder: any Encoder) throws {
        try record.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(kmeansSweep, forKey: .kmeansSweep)
        try c.encodeIfPresent(pca, forKey: .pca)
        try c.encodeIfPresent(tsne, forKey: .tsne)
        try c.encodeIfPresent(ward, forKey: .ward)
    }
}

struct TopMerges: Encodable, Equatable {
    let leaves: [Double]
    let merges: [[Double]]
}

struct ClustersDocument: Encodable {
    let runID: Int
    let clusters: [String: [ClusterSummary]]
    enum CodingKeys: String, CodingKey {
        case runID = "run_id"
        case clusters
    }
}
