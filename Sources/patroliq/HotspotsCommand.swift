import ArgumentParser
import Foundation
import PatrolIQCore

/// Significant hot and cold spots: Getis–Ord Gi* on grid counts with a Benjamini–Hochberg correction.
struct Hotspots: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Significant hot and cold spots: Getis–Ord Gi* z-scores with Benjamini–Hochberg FDR.",
        discussion: """
            Incidents are counted on a grid of --cell metres over the active study area (cells holding any \
            incident of the workspace). Gi* uses binary distance-band weights: the cells whose centres lie \
            within --band × --cell metres, the cell itself included. p-values are two-sided; cells are hot \
            or cold at 90, 95 or 99 % confidence when their Benjamini–Hochberg q-value is at most 0.10, \
            0.05 or 0.01. Writes hotspots_gi.geojson (cell squares with count, z, p, q, class) to --out.
            """)

    @OptionGroup var ws: WorkspaceOptions
    @Option(help: "Grid cell side in metres.") var cell: Double = 250
    @Option(help: "Distance band in cells (centre to centre); 1.5 takes the 8 surrounding cells.") var band: Double =
        1.5
    @Option(help: "Primary Types to count, comma separated (all when omitted).") var types: String?
    @Option(help: "First day counted, YYYY-MM-DD.") var since: String?
    @Option(help: "Day after the last one counted, YYYY-MM-DD.") var until: String?
    @Option(help: "Hours of the day, START-END (22-4 wraps midnight).") var hours: String?
    @Option(help: "Weekdays: mon,tue,…, weekend or weekdays.") var days: String?
    @Option(help: "Output directory for hotspots_gi.geojson.") var out: String = "geojson"
    @Option(help: "Also write the cells as CSV (x, y, count, z, p, q, class) to this file.") var csv: String?

    func validate() throws {
        guard cell >= 10, cell <= 10_000 else { throw ValidationError("--cell must be within 10–10000 metres") }
        guard band >= 1, band <= 20 else { throw ValidationError("--band must be within 1–20 cells") }
    }

    func filter() throws -> IncidentFilter {
        var f = IncidentFilter()
        do {
            f.types = types.map(IncidentFilter.parseTypes)
            f.since = try since.map { try IncidentFilter.parseDate($0, "since") }
            f.until = try until.map { try IncidentFilter.parseDate($0, "until") }
            f.hours = try hours.map(IncidentFilter.parseHours)
            f.days = try days.map(IncidentFilter.parseDays)
        } catch let e as IncidentFilter.Invalid {
            throw ValidationError("--\(e.description)")
        }
        return f
    }

    func run() throws {
        let start = Date()
        let f = try filter()
        let w = try Workspace(path: ws.workspace)
        let info = try w.info()
        let t = try w.incidents(columns: ["time", "type", "hour", "weekday", "x", "y"])
        let selected: [Bool]
        do {
            selected = try f.rows(t, typeNames: try w.dictionaries().type)
        } catch let e as IncidentFilter.Invalid {
            throw InputError(file: ws.workspace, field: e.parameter, e.message)
        }
        let counted = selected.filter { $0 }.count
        guard counted > 0 else { throw InputError(file: ws.workspace, "no incidents pass the filter") }
        let read = Date()
        let grid = HotspotGrid(area: t.points, selected: { selected[$0] }, cellSize: cell)
        let gi = GetisOrd.zScores(counts: grid.counts) { grid.neighbours(of: $0, band: band * cell) }
        let q = FalseDiscoveryRate.qValues(gi.p)
        let classes = HotspotClass.classify(z: gi.z, q: q)
        let analysed = Date()

        if !FileManager.default.fileExists(atPath: out) {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        }
        let path = out + "/hotspots_gi.geojson"
        let writer = try GeoJSONWriter(path: path, name: "hotspots_gi")
        let proj = info.projection
        for k in grid.cells.indices {
            let c = grid.center(k)
            let h = cell / 2
            let ring = [SIMD2(-h, -h), SIMD2(h, -h), SIMD2(h, h), SIMD2(-h, h), SIMD2(-h, -h)].map {
                let ll = proj.unproject(c + $0)
                return SIMD2(ll.lon, ll.lat)
            }
            try writer.add(
                id: "gi-\(k)", geometry: .polygon(Polygon(exterior: ring)),
                properties: [
                    ("count", .int(Int(grid.counts[k]))), ("z", .number(gi.z[k])), ("p", .number(gi.p[k])),
                    ("q", .number(q[k])), ("class", .int(classes[k])),
                    ("label", .string(HotspotClass.name(classes[k]))),
                    ("neighbours", .int(gi.neighbours[k])), ("cell_m", .number(cell)),
                ])
        }
        try writer.finish()
        if let csv {
            var text = "x,y,count,z,p,q,class\n"
            for k in grid.cells.indices {
                let c = grid.center(k)
                text += "\(c.x),\(c.y),\(Int(grid.counts[k])),\(gi.z[k]),\(gi.p[k]),\(q[k]),\(classes[k])\n"
            }
            guard FileManager.default.createFile(atPath: csv, contents: Data(text.utf8)) else {
                throw InputError(file: csv, "cannot write")
            }
        }
        let tally = Dictionary(grouping: classes, by: { $0 }).mapValues(\.count)
        let parts = [3, 2, 1, -1, -2, -3].compactMap { c in tally[c].map { "\($0) \(HotspotClass.name(c))" } }
        print(
            "wrote \(path): \(grid.cells.count) cells of \(Int(cell)) m, \(counted) incidents; "
                + (parts.isEmpty ? "no significant cells" : parts.joined(separator: ", "))
                + String(
                    format: " (%.2f s: read %.0f ms, grid + weights + Gi* + FDR %.1f ms, write %.0f ms)",
                    Date().timeIntervalSince(start), read.timeIntervalSince(start) * 1000,
                    analysed.timeIntervalSince(read) * 1000, Date().timeIntervalSince(analysed) * 1000))
    }
}
