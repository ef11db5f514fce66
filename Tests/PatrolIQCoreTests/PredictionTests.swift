import Foundation
import Testing

@testable import PatrolIQCore

/// Backtest scoring, the risk methods, patrol plans and the outlines they draw, on worked answers.
@Suite struct PredictionTests {
    /// Ten cells; the forecast ranks cells 0, 1, 2, … and the next week's incidents are known.
    /// 1 cell (10 %): hits 5 of 20 → hit rate 0.25, PAI 2.5; the best cell held 8 → PEI* 5/8.
    /// 3 cells (30 %): hits 5 + 0 + 3 = 8 → hit rate 0.4, PAI 4/3; the best three held 8 + 5 + 3 → PEI* 0.5.
    @Test func paiAndPEIOnAWorkedExample() {
        let risk: [Double] = [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]
        let actual: [Double] = [5, 0, 3, 8, 1, 1, 0, 2, 0, 0]
        let s = PredictiveAccuracy.score(risk: risk, actual: actual, shares: [0.1, 0.3])
        #expect(s[0].cells == 1 && s[0].hits == 5 && s[0].total == 20)
        #expect(abs(s[0].hitRate - 0.25) < 1e-12 && abs(s[0].pai - 2.5) < 1e-12 && abs(s[0].pei - 0.625) < 1e-12)
        #expect(s[1].cells == 3 && s[1].hits == 8)
        #expect(abs(s[1].hitRate - 0.4) < 1e-12 && abs(s[1].pai - 4.0 / 3) < 1e-12 && abs(s[1].pei - 0.5) < 1e-12)
        // A perfect forecast has PEI* 1; equal risks rank by index, so the ranking is total.
        #expect(PredictiveAccuracy.score(risk: actual, actual: actual, shares: [0.2])[0].pei == 1)
        #expect(PredictiveAccuracy.ranking([1, 2, 2, 0]) == [1, 2, 0, 3])
    }

    /// The prospective KDE's decay: an incident one half-life old weighs ½, two half-lives ¼.
    @Test func recencyWeightHalvesEveryHalfLife() {
        let h = 7.0 * 86_400
        #expect(RiskSurface.recencyWeight(age: 0, halfLife: h) == 1)
        #expect(abs(RiskSurface.recencyWeight(age: h, halfLife: h) - 0.5) < 1e-15)
        #expect(abs(RiskSurface.recencyWeight(age: 2 * h, halfLife: h) - 0.25) < 1e-15)
        #expect(RiskSurface.recencyWeight(age: -h, halfLife: h) == 1)
    }

    /// Two equal clusters, one 3 weeks old and one from last week: the KDE cannot tell them apart,
    /// the prospective KDE puts the recent one first, the naive baseline sees only the recent one.
    @Test func prospectiveKDEPrefersRecentIncidents() {
        var pts: [SIMD2<Double>] = []
        var times: [Int64] = []
        let day: Int64 = 86_400
        for i in 0..<20 {
            pts.append(SIMD2(125, 125))  // cell (0, 0): old
            times.append(Int64(i % 3) * day)
            pts.append(SIMD2(1125, 1125))  // cell (4, 4): recent
            times.append(22 * day + Int64(i % 3) * day)
        }
        let grid = HotspotGrid(area: pts, selected: { _ in true }, cellSize: 250)
        let s = IncidentSample(points: pts, times: times, grid: grid)
        let surface = RiskSurface(grid: grid)
        let origin = 28 * day
        let range = s.window(from: 0, to: origin)
        let old = grid.cell(containing: SIMD2(125, 125))!
        let recent = grid.cell(containing: SIMD2(1125, 1125))!
        let kde = surface.risk(.kde, sample: s, range: range, origin: origin)
        #expect(abs(kde[old] - kde[recent]) < 1e-9)
        let prospective = surface.risk(.prospectiveKDE, sample: s, range: range, origin: origin)
        #expect(prospective[recent] > 4 * prospective[old])
        let naive = surface.risk(.naive, sample: s, range: range, origin: origin)
        #expect(naive[recent] == 20 && naive[old] == 0)
    }

    /// 70 days of data, 28 + 7-day folds: origins every 7 days back from day 63, the last test
    /// window ends with the data; the result does not depend on the number of threads.
    @Test func rollingOriginFoldsAndThreadIndependence() {
        var pts: [SIMD2<Double>] = []
        var times: [Int64] = []
        var rng = SeededRandom(seed: 5)
        for d in 0..<70 {
            for _ in 0..<30 {
                let hot = rng.unit() < 0.5
                pts.append(
                    hot
                        ? SIMD2(500 + rng.gaussian() * 80, 500 + rng.gaussian() * 80)
                        : SIMD2(rng.unit() * 3000, rng.unit() * 3000))
                times.append(Int64(d) * 86_400 + Int64(rng.below(86_400)))
            }
        }
        let grid = HotspotGrid(area: pts, selected: { _ in true }, cellSize: 250)
        let s = IncidentSample(points: pts, times: times, grid: grid)
        let o = BacktestOptions()
        #expect(Backtest.origins(s, options: o) == [28, 35, 42, 49, 56, 63].map { Int64($0) * 86_400 })
        let saved = Parallelism.threads
        defer { Parallelism.threads = saved }
        Parallelism.threads = 1
        let one = Backtest.run(sample: s, surface: RiskSurface(grid: grid), options: o)
        Parallelism.threads = 2
        let two = Backtest.run(sample: s, surface: RiskSurface(grid: grid), options: o)
        #expect(one == two)
        #expect(one.folds.count == 6 && one.skippedFolds == 0)
        // Half the incidents sit in one spot: every method beats chance by far at 1 %.
        for m in PredictionMethod.allCases {
            #expect(one.score(m, at: 0.01)!.pai.mean > 10, "\(m)")
        }
    }

    /// A table with a background of incidents every day and a hotspot on Friday nights only.
    static func plantedTable() -> (IncidentTable, IncidentDictionaries) {
        var t = IncidentTable()
        var rng = SeededRandom(seed: 9)
        let day: Int64 = 86_400
        func add(_ p: SIMD2<Double>, _ time: Int64, block: Int32) {
            t.x.append(p.x)
            t.y.append(p.y)
            t.time.append(time)
            let d = Int(time / day)
            t.weekday.append(UInt8((d + 3) % 7))
            t.hour.append(UInt8(time % day / 3600))
            t.type.append(0)
            t.block.append(block)
        }
        for d in 0..<84 {
            for _ in 0..<40 {
                add(SIMD2(rng.unit() * 5000, rng.unit() * 5000), Int64(d) * day + Int64(rng.below(86_400)), block: 0)
            }
            // Fridays (1970-01-02 was one: d % 7 == 1): 23:00 and 02:00 the next morning at (3100, 1600).
            if d % 7 == 1 {
                for k in 0..<12 {
                    let late = k % 2 == 0 ? Int64(d) * day + 23 * 3600 : Int64(d + 1) * day + 2 * 3600
                    add(SIMD2(3100 + rng.gaussian() * 30, 1600 + rng.gaussian() * 30), late, block: 1)
                }
            }
        }
        var names = IncidentDictionaries()
        names.type = ["THEFT"]
        names.block = ["001XX W BACKGROUND ST", "031XX S PLANTED AVE"]
        return (t, names)
    }

    @Test func aPlanChoosesThePlantedFridayNightHotspot() throws {
        let (t, names) = Self.plantedTable()
        var r = PlanRequest()
        r.day = "fri"
        r.hours = "22-6"
        r.cells = 3
        let a = try PatrolPlanner.answer(
            r, table: t, dictionaries: names, projection: LocalProjection(originLon: -87.6, originLat: 41.8))
        let planted = a.grid.cell(containing: SIMD2(3100, 1600))!
        #expect(a.plan.areas[0].cells.contains(planted))
        #expect(a.topBlocks[0] == "031XX S PLANTED AVE")
        // 12 incidents a Friday night there: about 12 expected per shift, most of the shift's incidents.
        #expect(a.plan.areas[0].expectedPerShift > 9)
        #expect(a.plan.areas.reduce(0) { $0 + $1.cells.count } == 3)
        #expect(a.plan.evidence != nil && a.plan.backtest.folds.count > 3)
        // The GeoJSON is one valid polygon per area with the evidence beside it.
        let doc = try JSONSerialization.jsonObject(with: try PlanExport.geojson(a)) as? [String: Any]
        let features = doc?["features"] as? [[String: Any]] ?? []
        #expect(features.count == a.plan.areas.count)
        #expect((doc?["plan"] as? [String: Any])?["method"] as? String == a.plan.method.rawValue)
        #expect(String(decoding: PlanExport.csv(a), as: UTF8.self).hasPrefix("rank,top_block,"))
    }

    @Test func planInputErrorsNameTheirParameter() throws {
        let (t, names) = Self.plantedTable()
        let projection = LocalProjection(originLon: -87.6, originLat: 41.8)
        func parameter(_ edit: (inout PlanRequest) -> Void) -> String? {
            var r = PlanRequest()
            edit(&r)
            do {
                _ = try PatrolPlanner.answer(r, table: t, dictionaries: names, projection: projection)
                return nil
            } catch let e as IncidentFilter.Invalid {
                return e.parameter
            } catch {
                return "\(error)"
            }
        }
        #expect(parameter { $0.types = "ROBBERY" } == "types")
        #expect(parameter { $0.hours = "25-3" } == "hours")
        #expect(parameter { $0.hours = "4-4" } == "hours")
        #expect(parameter { $0.day = "someday" } == "days")
        #expect(parameter { $0.cells = 0 } == "cells")
        #expect(parameter { $0.method = "crystal_ball" } == "method")
        // A shift nobody worked in: a clear failure, not an empty plan.
        var late = PlanRequest()
        late.hours = "3-4"
        late.types = "THEFT"
        late.day = "fri"
        var onlyFriday = t
        onlyFriday.hour = onlyFriday.hour.map { $0 == 3 ? 5 : $0 }
        #expect(throws: PatrolPlanner.Failure.self) {
            try PatrolPlanner.answer(late, table: onlyFriday, dictionaries: names, projection: projection)
        }
    }

    @Test func outlinesMergeCellsAndKeepHoles() {
        func squares(_ list: [(Int32, Int32)]) -> Set<SIMD2<Int32>> { Set(list.map { SIMD2($0.0, $0.1) }) }
        // A ring of 8 squares around an empty middle: one polygon, one hole, area 8.
        let ring = squares([(0, 0), (1, 0), (2, 0), (0, 1), (2, 1), (0, 2), (1, 2), (2, 2)])
        let p = CellOutline.polygons(ring)
        #expect(p.count == 1 && p[0].holes.count == 1 && p[0].area == 8)
        #expect(p[0].exterior.count == 5 && PolygonMath.signedArea(p[0].exterior) > 0)
        #expect(PolygonMath.signedArea(p[0].holes[0]) < 0)
        // An L of three squares: six corners, closed.
        let l = CellOutline.polygons(squares([(0, 0), (1, 0), (0, 1)]))
        #expect(l.count == 1 && l[0].exterior.count == 7 && l[0].exterior.first == l[0].exterior.last)
        #expect(l[0].area == 3 && PolygonMath.isSimple(l[0].exterior))
        // Squares touching at a corner stay two polygons.
        #expect(CellOutline.polygons(squares([(0, 0), (1, 1)])).count == 2)
        // A hole that touches the outline at a corner: rings meet at one point, areas add up.
        let pinched = squares([(0, 0), (1, 0), (2, 0), (0, 1), (2, 1), (0, 2), (1, 2), (3, 2), (3, 3), (2, 3)])
        let q = CellOutline.polygons(pinched)
        #expect(q.reduce(0) { $0 + $1.area } == 10)
        for poly in q { #expect(PolygonMath.isSimple(poly.exterior)) }
    }

    /// On a full 5 × 5 grid the 4 nearest cells of the middle are its side neighbours, the 8
    /// nearest the whole ring around it; a corner's 3 nearest are its two sides and its diagonal.
    @Test func kNearestWeights() {
        var pts: [SIMD2<Double>] = []
        for r in 0..<5 { for c in 0..<5 { pts.append(SIMD2(Double(c) * 100 + 50, Double(r) * 100 + 50)) } }
        let g = HotspotGrid(area: pts, selected: { _ in true }, cellSize: 100)
        let mid = g.cell(column: 2, row: 2)!
        let four = Set(g.nearest(of: mid, k: 4).map { g.cells[$0] })
        #expect(four == Set([SIMD2<Int32>(2, 2), SIMD2(1, 2), SIMD2(3, 2), SIMD2(2, 1), SIMD2(2, 3)]))
        #expect(g.nearest(of: mid, k: 8).count == 9)
        #expect(Set(g.nearest(of: mid, k: 8)) == Set(g.neighbours(of: mid, band: 150)))
        let corner = g.cell(column: 0, row: 0)!
        #expect(
            Set(g.nearest(of: corner, k: 3).map { g.cells[$0] })
                == Set([SIMD2<Int32>(0, 0), SIMD2(1, 0), SIMD2(0, 1), SIMD2(1, 1)]))
        let a = HotspotAnalysis(grid: g, weights: .nearest(k: 8))
        #expect(a.gi.neighbours[mid] == 9)
    }

    /// The generator's near-repeats: with them, many more incidents follow a same-type incident
    /// within 150 m and 14 days than without (a Knox-style count).
    @Test func generatorMakesNearRepeats() throws {
        let dir = TempDir()
        func followers(_ share: Double) throws -> Double {
            var g = DemoGenerator(rows: 6_000, seed: 11)
            g.nearRepeatShare = share
            let csv = dir.file("nr\(share).csv")
            try g.write(to: csv)
            let r = try Ingest.run(file: csv, workspace: dir.file("nr\(share).sqlite"))
            _ = r
            let t = try Workspace(path: dir.file("nr\(share).sqlite")).incidents(columns: ["time", "type", "x", "y"])
            var byCell: [SIMD3<Int64>: [Int]] = [:]
            for i in 0..<t.count {
                byCell[
                    SIMD3(Int64((t.x[i] / 150).rounded(.down)), Int64((t.y[i] / 150).rounded(.down)), Int64(t.type[i])),
                    default: []
                ].append(i)
            }
            var n = 0
            for i in 0..<t.count {
                let cx = Int64((t.x[i] / 150).rounded(.down))
                let cy = Int64((t.y[i] / 150).rounded(.down))
                search: for dx in -1...1 {
                    for dy in -1...1 {
                        for j in byCell[SIMD3(cx + Int64(dx), cy + Int64(dy), Int64(t.type[i]))] ?? [] where j != i {
                            let lag = t.time[i] - t.time[j]
                            let d = SIMD2(t.x[i] - t.x[j], t.y[i] - t.y[j])
                            if lag > 0, lag <= 14 * 86_400, (d * d).sum() <= 150 * 150 {
                                n += 1
                                break search
                            }
                        }
                    }
                }
            }
            return Double(n) / Double(t.count)
        }
        let with = try followers(0.3)
        let without = try followers(0)
        #expect(with > without + 0.15, "with \(with), without \(without)")
    }

    /// A workspace written before runs had kinds still lists its runs, as cluster runs; storing a
    /// backtest adds the column and keeps them.
    @Test func runsWithoutKindsStayClusterRuns() throws {
        let dir = TempDir()
        try DemoGenerator(rows: 600, seed: 2).write(to: dir.file("d.csv"))
        _ = try Ingest.run(file: dir.file("d.csv"), workspace: dir.file("w.sqlite"))
        let w = try Workspace(path: dir.file("w.sqlite"), readOnly: false)
        try w.db.execute(
            """
            CREATE TABLE runs(
                id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, fingerprint TEXT NOT NULL, rows INTEGER NOT NULL,
                algorithms TEXT NOT NULL, params TEXT NOT NULL, metrics TEXT NOT NULL, duration REAL NOT NULL,
                notes TEXT NOT NULL);
            INSERT INTO runs VALUES(1, '2026-01-01T00:00:00Z', 'f', 600, 'kmeans', '{}', '{"kmeans.k":5}', 1, '[]');
            """)
        let store = RunStore(w)
        #expect(try store.list().map(\.kind) == [.cluster])
        let r = try store.save(
            kind: .backtest, info: try w.info(), rows: 10, methods: ["kde"], params: [:],
            metrics: ["kde.pai_at_1pct": 3],
            artifacts: [:], duration: 0.1)
        #expect(try store.list().map(\.kind) == [.cluster, .backtest])
        #expect(try store.run(nil, path: "w").id == 1)
        #expect(try store.run(nil, kind: .backtest, path: "w").id == r.id)
        #expect(throws: InputError.self) { try store.run(r.id, path: "w") }
    }
}
