import Foundation
import Testing

@testable import PatrolIQCore

@Suite struct ClusterPipelineTests {
    let dir = TempDir()

    func workspace(rows: Int = 3000) throws -> Workspace {
        let csv = dir.file("d.csv")
        try DemoGenerator(rows: rows, seed: 4).write(to: csv)
        _ = try Ingest.run(file: csv, workspace: dir.file("ws.sqlite"))
        return try Workspace(path: dir.file("ws.sqlite"), readOnly: false)
    }

    @Test func fullRunIsStoredWholeAndDeterministic() throws {
        let w = try workspace()
        let info = try w.info()
        let t = try w.incidents()
        var o = ClusterOptions()
        o.kRange = 5...6
        o.temporalRange = 3...4
        o.wardMaxPoints = 2000  // force the weighted-cell path
        let names = try w.dictionaries().type
        let out = try ClusterPipeline.run(incidents: t, typeNames: names, projection: info.projection, options: o)
        let again = try ClusterPipeline.run(incidents: t, typeNames: names, projection: info.projection, options: o)
        // Everything but the stage times is reproducible; each stage is timed.
        let timed = { (m: [String: Double]) in m.filter { !$0.key.hasPrefix("seconds.") } }
        #expect(out.labels == again.labels && timed(out.metrics) == timed(again.metrics))
        for a in o.algorithms { #expect((out.metrics["seconds.\(a.rawValue)"] ?? -1) >= 0, "\(a) timed") }
        for a in ["kmeans", "dbscan", "ward", "temporal"] {
            let l = try #require(out.labels[a])
            #expect(l.count == t.count, "\(a): every incident assigned")
        }
        #expect(out.labels["kmeans"]!.allSatisfy { $0 >= 0 && $0 < 6 })
        for (a, sums) in out.summaries {
            let assigned = out.labels[a]!.filter { $0 >= 0 }.count
            #expect(sums.reduce(0) { $0 + $1.count } == assigned, "\(a)")
            for s in sums {
                #expect(info.extent.contains(lon: s.centroidLon, lat: s.centroidLat))
                #expect(s.radiusMedian <= s.radiusP90)
            }
        }
        let store = RunStore(w)
        let rec = try store.save(out, info: info, options: o, duration: 1.5)
        #expect(try store.list().map(\.id) == [rec.id])
        #expect(try store.labels(run: rec.id) == out.labels)
        #expect(try store.summaries(run: rec.id) == out.summaries)
        let doc = try JSONDecoder().decode(
            WardDocument.self, from: try #require(try store.artifact(run: rec.id, name: "ward_linkage")))
        #expect(doc.mode == .cells && doc.merges.count == doc.leaves - 1)
        let temporal = try JSONDecoder().decode(
            TemporalAnalysis.self, from: try #require(try store.artifact(run: rec.id, name: "temporal")))
        #expect(abs(temporal.patterns.reduce(0) { $0 + $1.share } - 1) < 1e-9)
        #expect(temporal.profiles.count >= 20)
        #expect(try store.run(nil, path: "ws").id == rec.id)
        #expect(throws: InputError.self) { try store.run(99, path: "ws") }
    }

    @Test func sampledSweepFitsTheChosenKOnEveryIncident() throws {
        // Above the sweep sample the k are compared on a sample; the chosen k is then fitted and scored on
        // all rows: a Lloyd fixed point of the full data, with its indices over every row.
        let w = try workspace()
        let t = try w.incidents()
        let x = Matrix(points: t.points)
        var o = ClusterOptions()
        o.kRange = 5...7
        o.sweepSample = 1000
        let (choice, fit, quality, _, centres) = try ClusterPipeline.kmeans(x, options: o, progress: nil)
        #expect(choice.sample == 1000)
        #expect(fit.labels.count == t.count && fit.converged)
        #expect(Set(centres.keys) == Set(5...7))
        let full = ClusterMetrics.indices(x, labels: fit.labels)
        #expect(quality.daviesBouldin == full.daviesBouldin && quality.calinskiHarabasz == full.calinskiHarabasz)
        // A fixed point: every row's nearest centre is its label, and the centres are their rows' means.
        let (mean, _) = ClusterMetrics.centroids(x, groups: LabelGroups(fit.labels))
        for (a, b) in zip(mean.data, fit.centers.data) { #expect(abs(a - b) <= 1e-6 * max(1, abs(a))) }
        // The same options on fewer rows than the sample: the whole sweep on every row, no sample noted.
        o.sweepSample = 10_000
        #expect(try ClusterPipeline.kmeans(x, options: o, progress: nil).0.sample == nil)
    }

    @Test func kLargerThanTheDataIsAnError() throws {
        let w = try workspace(rows: 300)
        var o = ClusterOptions()
        o.algorithms = [.kmeans]
        o.kRange = 5...5000
        #expect(throws: InputError.self) {
            try ClusterPipeline.run(
                incidents: try w.incidents(), typeNames: [], projection: try w.info().projection, options: o)
        }
    }

    @Test func workspaceWithoutRunsSaysSo() throws {
        let w = try workspace(rows: 300)
        #expect(throws: InputError.self) { try RunStore(w).run(nil, path: "ws") }
        #expect(try RunStore(w).list().isEmpty)
    }
}

/// DBSCAN's parameters are fixed; at a density they were not chosen for, one zone swallows the city.
@Suite struct DenseZoneWarningTests {
    @Test func warnsWhenOneZoneHoldsMoreThanHalf() {
        let w = ClusterPipeline.oneZoneWarning([0, 0, 0, -1], eps: 150, minSamples: 25)
        #expect(w?.contains("one dense zone holds 75 % of the points (eps 150.0 m, min_samples 25)") == true)
        #expect(ClusterPipeline.oneZoneWarning([0, 0, 1, 1, -1], eps: 150, minSamples: 25) == nil)
        #expect(ClusterPipeline.oneZoneWarning([-1, -1], eps: 150, minSamples: 25) == nil)
    }
}

@Suite struct StoredRunCompatibilityTests {
    /// A run as builds before the typed results stored it: no stage times among the metrics, the Ward
    /// document's mode written as a plain string. It still lists, shows, decodes and exports.
    @Test func aRunStoredBeforeTheTypedResultsStillWorks() throws {
        let dir = TempDir()
        try DemoGenerator(rows: 3000, seed: 5).write(to: dir.file("d.csv"))
        _ = try Ingest.run(file: dir.file("d.csv"), workspace: dir.file("w.sqlite"))
        let w = try Workspace(path: dir.file("w.sqlite"), readOnly: false)
        var o = ClusterOptions()
        o.kRange = 5...5
        o.temporalRange = 3...3
        o.eps = 250
        o.minSamples = 10
        o.wardMaxPoints = 1000
        let out = try ClusterPipeline.run(
            incidents: try w.incidents(), typeNames: try w.dictionaries().type, projection: try w.info().projection,
            options: o)
        let saved = try RunStore(w).save(out, info: try w.info(), options: o, duration: 1)
        let oldMetrics = out.metrics.filter { !$0.key.hasPrefix("seconds.") }
        let json = String(decoding: try JSONEncoder().encode(oldMetrics), as: UTF8.self)
        try w.db.execute("UPDATE runs SET metrics = '\(json)' WHERE id = \(saved.id)")
        try w.db.execute(
            """
            UPDATE run_artifacts SET data = CAST('{"cell_size_m":250,"leaves":3,"merges":[{"a":0,"b":1,"height":2.5,"size":5},{"a":2,"b":3,"height":7,"size":9}],"mode":"cells"}' AS BLOB)
            WHERE run_id = \(saved.id) AND name = 'ward_linkage'
            """)
        let store = RunStore(w)
        #expect(try store.list().map(\.id) == [saved.id])
        let shown = try store.run(saved.id, path: "w")
        #expect(shown.metrics == oldMetrics && shown.metrics["kmeans.k"] == 5)
        let ward = try JSONDecoder().decode(
            WardDocument.self, from: try #require(try store.artifact(run: saved.id, name: "ward_linkage")))
        #expect(ward.mode == .cells && ward.cellSize == 250 && ward.merges.count == 2)
        _ = try JSONDecoder().decode(
            KChoice.self, from: try #require(try store.artifact(run: saved.id, name: "kmeans_sweep")))
        var e = ExportOptions()
        e.directory = dir.file("gj")
        let (_, files) = try GeoJSONExport.run(workspace: w, options: e)
        #expect(files.contains { $0.path.hasSuffix("clusters_kmeans.geojson") && $0.features == 5 })
    }
}
