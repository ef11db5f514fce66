import Foundation
import PatrolIQCore

/// JSON documents for the dashboard, computed from the workspace and cached until the file changes.
final class DashboardData: Sendable {
    let path: String
    private let cache = Locked<(FileStamp?, [String: [UInt8]])>((nil, [:]))

    init(path: String) { self.path = path }

    var isReady: Bool { FileStamp(path) != nil && (try? Workspace(path: path)) != nil }

    /// The cached document `key`, built by `make` from a freshly opened workspace when missing or stale.
    func document(_ key: String, _ make: (Workspace) throws -> Any?) throws -> [UInt8]? {
        guard let stamp = FileStamp(path) else { return nil }
        if let hit = cache.withLock({ c -> [UInt8]? in
            if c.0 != stamp {
                c = (stamp, [:])
                return nil
            }
            return c.1[key]
        }) {
            return hit
        }
        let w = try Workspace(path: path)
        guard let obj = try make(w) else { return nil }
        let bytes: [UInt8]
        if let d = obj as? Data {
            bytes = [UInt8](d)
        } else {
            bytes = [UInt8](try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]))
        }
        cache.withLock { if $0.0 == stamp { $0.1[key] = bytes } }
        return bytes
    }

    static func encode<T: Encodable>(_ v: T) throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return try e.encode(v)
    }

    func stats() throws -> [UInt8]? {
        try document("stats") { w in
            let t = try w.incidents(columns: [
                "time", "type", "arrest", "domestic", "hour", "weekday", "month", "district", "severity",
            ])
            let s = IncidentStatistics(t, dictionaries: try w.dictionaries())
            var obj = try JSONSerialization.jsonObject(with: Self.encode(s)) as! [String: Any]
            if let q = try w.qualityReport() { obj["quality"] = try JSONSerialization.jsonObject(with: Self.encode(q)) }
            obj["info"] = try JSONSerialization.jsonObject(with: Self.encode(try w.info()))
            return obj
        }
    }

    func runs() throws -> [UInt8]? {
        try document("runs") { w in try Self.encode(try RunStore(w).list()) }
    }

    /// One run with its dashboard artifacts (k sweep, a dendrogram of the last merges, PCA sample).
    func run(_ id: Int?) throws -> [UInt8]? {
        try document("run-\(id.map(String.init) ?? "latest")") { w in
            let store = RunStore(w)
            guard let r = try? store.run(id, path: path) else { return nil }
            var obj = try JSONSerialization.jsonObject(with: Self.encode(r)) as! [String: Any]
            for name in ["kmeans_sweep", "pca"] {
                if let d = try store.artifact(run: r.id, name: name) {
                    obj[name] = try JSONSerialization.jsonObject(with: d)
                }
            }
            if let d = try store.artifact(run: r.id, name: "ward_linkage"),
                let doc = try? JSONDecoder().decode(WardDocument.self, from: d)
            {
                obj["ward"] = [
                    "mode": doc.mode, "leaves": doc.leaves,
                    "top_merges": Self.topMerges(doc.merges, leaves: doc.leaves, keep: 24),
                ]
            }
            return obj
        }
    }

    /// The last `keep` merges of a linkage, renumbered so the dashboard draws a small dendrogram:
    /// leaves are the `keep + 1` clusters that remain below them, labelled with their sizes.
    static func topMerges(_ merges: [Merge], leaves n: Int, keep: Int) -> [String: Any] {
        let k = min(keep, merges.count)
        let first = merges.count - k
        var ids: [Int: Int] = [:]
        var leafSizes: [Double] = []
        func id(_ c: Int) -> Int {
            if c >= n + first { return (c - n - first) + (k + 1) }
            if let v = ids[c] { return v }
            ids[c] = leafSizes.count
            leafSizes.append(c < n ? 1 : merges[c - n].size)
            return ids[c]!
        }
        let rows = merges[first...].map { m in [Double(id(m.a)), Double(id(m.b)), m.height, m.size] }
        return ["leaves": leafSizes, "merges": rows]
    }

    func temporal(_ id: Int?) throws -> [UInt8]? {
        try document("temporal-\(id.map(String.init) ?? "latest")") { w in
            let store = RunStore(w)
            if let id {
                return try store.artifact(run: id, name: "temporal")
            }
            for r in try store.list().reversed() {
                if let d = try store.artifact(run: r.id, name: "temporal") { return d }
            }
            return nil
        }
    }

    func clusters(_ id: Int?) throws -> [UInt8]? {
        try document("clusters-\(id.map(String.init) ?? "latest")") { w in
            let store = RunStore(w)
            guard let r = try? store.run(id, path: path) else { return nil }
            let s = try store.summaries(run: r.id)
            return ["run_id": r.id, "clusters": try JSONSerialization.jsonObject(with: Self.encode(s))]
        }
    }
}
