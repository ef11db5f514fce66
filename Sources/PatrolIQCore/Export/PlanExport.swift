import Foundation

/// A patrol plan as the files a planner and a dispatcher use: GeoJSON areas with the evidence, and CSV.
public enum PlanExport {
    /// The areas as an RFC 7946 FeatureCollection; the plan's settings and its backtest go in a
    /// top-level `plan` member (a foreign member, which GIS readers ignore).
    public static func geojson(_ a: PlanAnswer) throws -> Data {
        let w = GeoJSONWriter(name: "patrol_plan")
        let p = a.plan
        let cellKm2 = a.grid.cellSize * a.grid.cellSize / 1e6
        for (k, area) in p.areas.enumerated() {
            let polygons = area.outline.map { poly in
                func lonLat(_ r: Ring) -> Ring {
                    r.map {
                        let ll = a.projection.unproject($0)
                        return SIMD2(ll.lon, ll.lat)
                    }
                }
                return Polygon(exterior: lonLat(poly.exterior), holes: poly.holes.map(lonLat))
            }
            let geometry: Geometry = polygons.count == 1 ? .polygon(polygons[0]) : .multiPolygon(polygons)
            try w.add(
                id: "area-\(area.rank)", geometry: geometry,
                properties: [
                    ("rank", .int(area.rank)), ("cells", .int(area.cells.count)),
                    ("area_km2", .number(Double(area.cells.count) * cellKm2)),
                    ("expected_per_shift", .number(area.expectedPerShift)),
                    ("historical_share", .number(area.historicalShare)),
                    ("historical_incidents", .int(area.historicalIncidents)),
                    ("recent_incidents", .int(area.recentIncidents)),
                    ("top_block", .string(k < a.topBlocks.count ? a.topBlocks[k] : "")),
                    ("method", .string(p.method.rawValue)),
                    ("backtest_pai", .number(p.evidence?.pai.mean ?? .nan)),
                    ("backtest_hit_rate", .number(p.evidence?.hitRate.mean ?? .nan)),
                ])
        }
        w.foreignMembers = [("plan", summary(a))]
        return try w.finishedData()
    }

    static func spread(_ s: Spread) -> JSONValue {
        .object([("mean", .number(s.mean)), ("sd", .number(s.sd)), ("min", .number(s.min)), ("max", .number(s.max))])
    }

    static func score(_ m: MethodScore?) -> JSONValue {
        guard let m else { return .null }
        return .object([
            ("method", .string(m.method)), ("share", .number(m.share)), ("pai", spread(m.pai)),
            ("hit_rate", spread(m.hitRate)), ("pei", spread(m.pei)),
        ])
    }

    /// Settings, totals, the evidence and the backtest table, for the dashboard and for the record.
    public static func summary(_ a: PlanAnswer) -> JSONValue {
        let p = a.plan
        let r = a.request
        func day(_ t: Int64) -> String { String(CivilDate.iso(t).prefix(10)) }
        func text(_ s: String?) -> JSONValue { s.map { .string($0) } ?? .null }
        var members: [(String, JSONValue)] = [("day", text(r.day)), ("hours", text(r.hours)), ("types", text(r.types))]
        members += [
            ("method", .string(p.method.rawValue)), ("method_title", .string(p.method.title)),
            ("method_chosen_by", .string(p.methodChosenByBacktest ? "backtest" : "user")),
            ("cells", .int(p.cells)), ("area_share", .number(p.areaShare)), ("cell_m", .number(a.grid.cellSize)),
            ("active_cells", .int(a.grid.cells.count)),
        ]
        let expected = p.areas.reduce(0) { $0 + $1.expectedPerShift }
        let captured = p.areas.reduce(0) { $0 + $1.historicalShare }
        members += [
            ("expected_per_shift", .number(expected)), ("historical_share", .number(captured)),
            ("shifts_in_window", .int(p.shiftsInWindow)),
            ("window_start", .string(day(p.windowStart))), ("window_end", .string(day(p.windowEnd))),
            ("incidents_in_window", .int(p.incidentsInWindow)), ("incidents_in_history", .int(p.incidentsInHistory)),
            ("evidence", score(p.evidence)), ("baseline", score(p.baseline)),
        ]
        let backtest: [(String, JSONValue)] = [
            ("folds", .int(p.backtest.folds.count)), ("skipped_folds", .int(p.backtest.skippedFolds)),
            ("train_days", .int(p.backtest.options.trainDays)), ("test_days", .int(p.backtest.options.testDays)),
            ("summary", .array(p.backtest.summary.map { score($0) })),
        ]
        members.append(("backtest", .object(backtest)))
        return .object(members)
    }

    /// One line per area, for a dispatcher: rank, where (centre and the busiest block), how much.
    public static func csv(_ a: PlanAnswer) -> Data {
        var out =
            "rank,top_block,centre_latitude,centre_longitude,cells,area_km2,expected_per_shift,historical_share,method,backtest_pai,backtest_hit_rate\n"
        let cellKm2 = a.grid.cellSize * a.grid.cellSize / 1e6
        for (k, area) in a.plan.areas.enumerated() {
            let centre = area.cells.reduce(SIMD2<Double>.zero) { $0 + a.grid.center($1) } / Double(area.cells.count)
            let ll = a.projection.unproject(centre)
            let block = k < a.topBlocks.count ? a.topBlocks[k] : ""
            let quoted = "\"" + block.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            let ev = a.plan.evidence
            out +=
                [
                    String(area.rank), quoted, String(format: "%.6f", ll.lat), String(format: "%.6f", ll.lon),
                    String(area.cells.count), String(format: "%.4f", Double(area.cells.count) * cellKm2),
                    String(format: "%.3f", area.expectedPerShift), String(format: "%.4f", area.historicalShare),
                    a.plan.method.rawValue, ev.map { String(format: "%.3f", $0.pai.mean) } ?? "",
                    ev.map { String(format: "%.4f", $0.hitRate.mean) } ?? "",
                ].joined(separator: ",") + "\n"
        }
        return Data(out.utf8)
    }
}
