import ArgumentParser
import Foundation
import PatrolIQCore

struct Tiles: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Render density heatmap tiles (PNG via libpng) into MBTiles stores, or export a store to z/x/y files.",
        subcommands: [Render.self, ExportDir.self, ExportPMTiles.self], defaultSubcommand: Render.self)

    struct Render: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Render XYZ heatmap tiles for one or more layers into MBTiles.",
            discussion: """
                Density is a Gaussian kernel estimate (sigma = --bandwidth metres) computed once per zoom over \
                the whole data set, so tiles are seamless and share one colour scale per zoom and layer (the \
                --cap-quantile of non-zero density maps to the top colour). Tiles without data are not stored. \
                Layers: all, type:THEFT, window:night|day|evening, hours:22-6, weekend, pattern:N (temporal \
                pattern N of the latest cluster run), or 'standard' (all, the top --top-types types, night, \
                weekend, and every temporal pattern when a run has them). Each layer is written to \
                DIR/<layer>.mbtiles (DIR/<layer>@2x.mbtiles with --scale 2), through a temporary file. \
                With a filter (--filter, --types, --hours, …: the names and forms of the live URLs), the layers \
                hold only the incidents that pass it and are written to DIR/<layer>-filtered.mbtiles unless --out.
                """)

        @OptionGroup var ws: WorkspaceOptions
        @OptionGroup var filterOptions: FilterOptions
        @Option(name: .customLong("layer"), help: "Layer to render; repeat for several (default: all).")
        var layers: [String] = []
        @Option(help: "Output MBTiles path (one layer only).") var out: String?
        @Option(help: "Output directory for <layer>.mbtiles files.") var dir: String = "tiles"
        @Option(help: "Lowest zoom level (0–22).") var minzoom: Int = 8
        @Option(help: "Highest zoom level (0–22).") var maxzoom: Int = 16
        @Option(help: "Kernel bandwidth (Gaussian sigma) in metres.") var bandwidth: Double = 150
        @Option(help: "Colour ramp: \(ColorRamp.names.joined(separator: ", ")).") var colormap: String = "heat"
        @Option(help: "1 for 256-pixel tiles, 2 for 512-pixel @2x tiles.") var scale: Int = 1
        @Option(help: "Quantile of non-zero density that maps to the top colour.") var capQuantile: Double = 0.995
        @Option(help: "With the 'standard' layer set: how many of the most frequent types get a layer.")
        var topTypes: Int = 5
        @Option(help: "Also write each zoom's density grid as ESRI ASCII (.asc + .prj) into this directory.")
        var gridOut: String?
        @OptionGroup var progress: ProgressOptions

        func validate() throws {
            guard (0...22).contains(minzoom), (0...22).contains(maxzoom) else {
                throw ValidationError("zoom levels must be within 0–22")
            }
            guard minzoom <= maxzoom else {
                throw ValidationError("--minzoom \(minzoom) is above --maxzoom \(maxzoom)")
            }
            guard bandwidth > 0 else { throw ValidationError("--bandwidth must be positive (metres)") }
            guard scale == 1 || scale == 2 else { throw ValidationError("--scale must be 1 or 2") }
            guard ColorRamp(name: colormap) != nil else {
                throw ValidationError(
                    "unknown colormap '\(colormap)' (known: \(ColorRamp.names.joined(separator: ", ")))")
            }
            guard capQuantile > 0, capQuantile <= 1 else { throw ValidationError("--cap-quantile must be in (0, 1]") }
            _ = try filterOptions.filter()
            for l in layers where l != "standard" && TileLayer(parsing: l) == nil {
                throw ValidationError(
                    "unknown layer '\(l)' (use all, type:NAME, window:night|day|evening, hours:A-B, weekend, pattern:N, standard)"
                )
            }
            if out != nil && (layers.count > 1 || layers.contains("standard")) {
                throw ValidationError("--out takes one layer; use --dir for several")
            }
        }

        func run() throws {
            let start = Date()
            let w = try Workspace(path: ws.workspace)
            let info = try w.info()
            let filter = try filterOptions.filter()
            let t = try w.incidents(
                columns: filter.columns.union(["latitude", "longitude", "type", "hour", "weekend"]))
            guard t.count > 0 else { throw InputError(file: ws.workspace, "workspace holds no incidents") }
            let names = try w.dictionaries().type
            let passes = try FilterOptions.rows(filter, t, of: w)
            let store = RunStore(w)
            let patternLabels =
                try store.hasRuns
                ? store.list().reversed().lazy.compactMap { r in
                    try? store.labels(run: r.id)["temporal"]
                }.first : nil

            var chosen: [TileLayer] = []
            for l in layers.isEmpty ? ["all"] : layers {
                if l == "standard" {
                    chosen.append(.all)
                    var counts = [Int32: Int]()
                    for c in t.type { counts[c, default: 0] += 1 }
                    for (code, _) in counts.sorted(by: { ($0.value, -$0.key) > ($1.value, -$1.key) }).prefix(topTypes) {
                        chosen.append(.type(names[Int(code)]))
                    }
                    chosen.append(.hours(name: "night", from: 22, to: 6))
                    chosen.append(.weekend)
                    if let p = patternLabels { for k in 0...Int(p.max() ?? 0) { chosen.append(.pattern(k)) } }
                } else if let layer = TileLayer(parsing: l) {
                    chosen.append(layer)
                }
            }
            if chosen.contains(where: { if case .pattern = $0 { return true } else { return false } })
                && patternLabels == nil
            {
                throw InputError(
                    file: ws.workspace, "no temporal patterns: run 'patroliq cluster --algorithms temporal' first")
            }
            if out == nil { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            if let g = gridOut { try FileManager.default.createDirectory(atPath: g, withIntermediateDirectories: true) }
            var o = TileOptions()
            o.minZoom = minzoom
            o.maxZoom = maxzoom
            o.bandwidth = bandwidth
            o.colormap = colormap
            o.scale = scale
            o.capQuantile = capQuantile
            var total = (tiles: 0, bytes: 0)
            let show = progress.enabled
            for layer in chosen {
                var code: Int32?
                if case .type(let name) = layer {
                    guard let c = names.firstIndex(where: { $0.uppercased() == name }) else {
                        throw InputError(file: ws.workspace, "no incidents of type '\(name)'")
                    }
                    code = Int32(c)
                }
                var lon: [Double] = []
                var lat: [Double] = []
                for i in 0..<t.count
                where passes[i] && layer.includes(i, table: t, typeCode: code, patternLabels: patternLabels) {
                    lon.append(t.longitude[i])
                    lat.append(t.latitude[i])
                }
                guard !lon.isEmpty else {
                    print("skipped layer \(layer.name): no incidents")
                    continue
                }
                let suffix = (filter.isEmpty ? "" : "-filtered") + (scale == 2 ? "@2x" : "")
                let path = out ?? "\(dir)/\(layer.name)\(suffix).mbtiles"
                let bounds = GeoBounds(
                    minLon: lon.min()!, minLat: lat.min()!, maxLon: lon.max()!, maxLat: lat.max()!)
                let name = layer.name
                let s = try TileRenderer.render(
                    layer: layer, lon: lon, lat: lat, centerLat: info.projection.originLat, bounds: bounds, to: path,
                    options: o,
                    description: "PatrolIQ density of \(layer.description)"
                        + (filter.isEmpty ? "" : " (filter \(filter.normalized))") + ", from \(info.source)",
                    gridOut: gridOut
                ) { z, n in
                    if show { FileHandle.standardError.write(Data("tiles \(name): zoom \(z): \(n) tiles\n".utf8)) }
                }
                total.tiles += s.tiles
                total.bytes += s.bytes
                print(
                    "wrote \(s.path): \(s.tiles) tiles (\(s.uniqueImages) unique, \(s.bytes) bytes) from \(s.incidents) incidents, zoom \(minzoom)–\(maxzoom), \(String(format: "%.2f", s.seconds)) s"
                )
            }
            print(
                "tiles: \(chosen.count) layer(s), \(total.tiles) tiles, \(total.bytes) bytes in \(String(format: "%.2f", Date().timeIntervalSince(start))) s"
            )
        }
    }

    struct ExportDir: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export-dir", abstract: "Write an MBTiles store's tiles as DIR/z/x/y.png for static hosting.")
        @Option(help: "The MBTiles file.") var mbtiles: String
        @Option(help: "Output directory.") var out: String

        func run() throws {
            let r = try MBTilesReader(path: mbtiles)
            let fm = FileManager.default
            var n = 0
            try r.forEach { z, x, y, data in
                let d = "\(out)/\(z)/\(x)"
                try fm.createDirectory(atPath: d, withIntermediateDirectories: true)
                guard fm.createFile(atPath: "\(d)/\(y).png", contents: Data(data)) else {
                    throw InputError(file: "\(d)/\(y).png", "cannot write")
                }
                n += 1
            }
            print("wrote \(n) tiles from \(mbtiles) to \(out)/{z}/{x}/{y}.png")
        }
    }

    struct ExportPMTiles: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export-pmtiles",
            abstract: "Write an MBTiles store as one PMTiles v3 archive, for object storage and CDNs.",
            discussion: """
                PMTiles (protomaps) is a single file read with HTTP range requests: static hosting serves it \
                with no tile server. Tiles are stored once per distinct content, in Hilbert tile-ID order; \
                the MBTiles metadata (with its json document merged in) becomes the archive's JSON metadata, \
                and bounds, center and zooms fill its header.
                """)
        @Option(help: "The MBTiles file.") var mbtiles: String
        @Option(help: "The PMTiles file to write.") var out: String

        func run() throws {
            let s = try PMTiles.convert(mbtiles: mbtiles, to: out)
            print(
                "wrote \(s.path): \(s.tiles) tiles (\(s.entries) entries, \(s.contents) distinct, \(s.leaves) leaf directories), \(s.bytes) bytes"
            )
        }
    }
}
