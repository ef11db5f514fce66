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
    @OptionGroup var filterOptions: FilterOptions
    @Option(help: "Grid cell side in metres.") var cell: Double = 250
    @Option(help: "Spatial weights: band (distance band) or knn (k nearest cells).") var weights: String = "band"
    @Option(help: "Distance band in cells (centre to centre); 1.5 takes the 8 surrounding cells.") var band: Double =
        1.5
    @Option(name: .customLong("k"), help: "With --weights knn: neighbours per cell besides the cell itself.")
    var neighbours: Int = 8
    @Option(help: "Output directory for hotspots_gi.geojson.") var out: String = "geojson"
    @Option(help: "Also write the cells as CSV (x, y, count, z, p, q, class) to this file.") var csv: String?
    @Option(help: "Directory for the hotspots_gi.mbtiles tile layer.") var tiles: String = "tiles"
    @Option(help: "Highest zoom of the tile layer (the lowest is 10).") var maxzoom: Int = 15
    @Flag(help: "Do not write the tile layer.") var noTiles = false
    @Flag(help: "Do not store the result as a run in the workspace.") var noStore = false

    func validate() throws {
        guard cell >= 10, cell <= 10_000 else { throw ValidationError("--cell must be within 10–10000 metres") }
        guard band >= 1, band <= 20 else { throw ValidationError("--band must be within 1–20 cells") }
        guard weights == "band" || weights == "knn" else { throw ValidationError("--weights must be band or knn") }
        guard (1...200).contains(neighbours) else { throw ValidationError("--k must be within 1–200") }
        guard (10...18).contains(maxzoom) else { throw ValidationError("--maxzoom must be within 10–18") }
        _ = try filterOptions.filter()
    }

    var spatialWeights: SpatialWeights { weights == "knn" ? .nearest(k: neighbours) : .band(cells: band) }

    func run() throws {
        let start = Date()
        let f = try filterOptions.filter()
        let w = try Workspace(path: ws.workspace, readOnly: noStore)
        let info = try w.info()
        let t = try w.incidents(columns: ["time", "type", "hour", "weekday", "x", "y"])
        let selected = try FilterOptions.rows(f, t, of: w)
        let counted = selected.filter { $0 }.count
        guard counted > 0 else { throw InputError(file: ws.workspace, "no incidents pass the filter") }
        let read = Date()
        let grid = HotspotGrid(area: t.points, selected: { selected[$0] }, cellSize: cell)
        let analysis = HotspotAnalysis(grid: grid, weights: spatialWeights)
        let (gi, q, classes) = (analysis.gi, analysis.q, analysis.classes)
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
            try TemporaryFile.write(Data(text.utf8), to: csv)
        }
        var wrote = [path]
        if !noTiles {
            try FileManager.default.createDirectory(atPath: tiles, withIntermediateDirectories: true)
            let tpath = tiles + "/hotspots_gi.mbtiles"
            let r = try HotspotTiles.render(
                grid: grid, classes: classes, projection: proj, to: tpath, minZoom: 10, maxZoom: maxzoom,
                description: "PatrolIQ Gi* hot and cold spots (\(spatialWeights), FDR), from \(info.source)")
            wrote.append("\(tpath) (\(r.tiles) tiles)")
        }
        let tally = analysis.tally
        var runNote = ""
        if !noStore {
            var metrics: [String: Double] = ["cells": Double(grid.cells.count), "incidents": Double(counted)]
            for c in [3, 2, 1, -1, -2, -3] { metrics["class\(c > 0 ? "+" : "")\(c)"] = Double(tally[c] ?? 0) }
            metrics["z.max"] = gi.z.max() ?? 0
            metrics["z.min"] = gi.z.min() ?? 0
            var params = [
                "cell_m": String(cell), "weights": weights, "filter": filterOptions.summary,
            ]
            if weights == "knn" { params["k"] = String(neighbours) } else { params["band_cells"] = String(band) }
            let cellsDoc = StoredHotspots(
                cellSize: cell, origin: [grid.origin.x, grid.origin.y],
                cells: grid.cells.indices.map { k in
                    StoredHotspots.Cell(
                        column: Int(grid.cells[k].x), row: Int(grid.cells[k].y), count: Int(grid.counts[k]),
                        z: gi.z[k], p: gi.p[k], q: q[k], cls: classes[k])
                })
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            let r = try RunStore(w).save(
                kind: .hotspots, info: info, rows: counted, methods: ["gi_star"], params: params, metrics: metrics,
                artifacts: ["hotspots_gi": try enc.encode(cellsDoc)], duration: Date().timeIntervalSince(start))
            runNote = "; stored as run \(r.id)"
        }
        let parts = [3, 2, 1, -1, -2, -3].compactMap { c in tally[c].map { "\($0) \(HotspotClass.name(c))" } }
        print(
            "wrote \(wrote.joined(separator: ", ")): \(grid.cells.count) cells of \(Int(cell)) m, \(counted) incidents, \(spatialWeights); "
                + (parts.isEmpty ? "no significant cells" : parts.joined(separator: ", ")) + runNote
                + String(
                    format: " (%.2f s: read %.0f ms, grid + weights + Gi* + FDR %.1f ms, write %.0f ms)",
                    Date().timeIntervalSince(start), read.timeIntervalSince(start) * 1000,
                    analysed.timeIntervalSince(read) * 1000, Date().timeIntervalSince(analysed) * 1000))
    }
}
