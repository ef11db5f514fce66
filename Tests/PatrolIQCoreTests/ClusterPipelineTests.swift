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
