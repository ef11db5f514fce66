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
        @Flag(
            help: ArgumentHelp(
                "Bring every store in --dir up to date with the workspace after 'ingest --append'.",
                discussion:
                    "Each store keeps its own layer, zooms, bandwidth, colormap and cap quantile; only the tiles within a kernel's reach of an incident added or changed since it was made are rendered again (all tiles of a zoom whose colour cap moved to another step). The result equals a full render, tile for tile. A store with no usable record of what changed since (made before the appends the workspace remembers) is rendered again whole; so are temporal-pattern layers."
            ))
        var update = false
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
            if update { return try runUpdate() }
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
                    // A run from before an append labels fewer incidents than the workspace holds.
                    (try? store.labels(run: r.id, algorithm: "temporal")).flatMap { $0.count == t.count ? $0 : nil }
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
            let show = progress.enabled
            var codes: [Int32?] = []
            for layer in chosen {
                var code: Int32?
                if case .type(let name) = layer {
                    guard let c = names.firstIndex(where: { $0.uppercased() == name }) else {
                        throw InputError(file: ws.workspace, "no incidents of type '\(name)'")
                    }
                    code = Int32(c)
                }
                codes.append(code)
            }
            let descriptions = chosen.map { Self.description($0, filter: filter, source: info.source) }
            let (gridOut, out, dir, scale, fingerprint) = (
                self.gridOut, self.out, self.dir, self.scale, filter.isEmpty ? info.fingerprint : nil
            )
            let (layers, typeCodes, options, suffix) = (
                chosen, codes, o, (filter.isEmpty ? "" : "-filtered") + (scale == 2 ? "@2x" : "")
            )
            // Two layers at a time: one's serial steps (splat, cap, store writes) overlap the other's
            // encoding, which alone keeps both cores busy only part of the time. Each store is the same
            // whatever the order; the summaries are printed in layer order.
            let all = LayerUnits(longitude: t.longitude, latitude: t.latitude)
            let results: [TileSummary?] = try Self.twoAtATime(layers.count) { i in
                let layer = layers[i]
                // The mask is a temporary, gone before the render (7.8 MB per layer on 8 M rows).
                let (units, bounds) = all.units(
                    in: zip(layer.mask(table: t, typeCode: typeCodes[i], patternLabels: patternLabels), passes).map {
                        $0 && $1
                    })
                guard let bounds else { return nil }
                let path = out ?? "\(dir)/\(layer.name)\(suffix).mbtiles"
                let name = layer.name
                return try TileRenderer.render(
                    layer: layer, units: units, centerLat: info.projection.originLat, bounds: bounds, to: path,
                    options: options, description: descriptions[i], gridOut: gridOut, sourceFingerprint: fingerprint
                ) { z, n in
                    if show { FileHandle.standardError.write(Data("tiles \(name): zoom \(z): \(n) tiles\n".utf8)) }
                }
            }
            var total = (tiles: 0, bytes: 0)
            for (layer, r) in zip(chosen, results) {
                guard let s = r else {
                    print("skipped layer \(layer.name): no incidents")
                    continue
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

        /// `body(0..<n)` on two threads, each taking the next index when done; results in index order.
        /// The first error stops the others from starting new items and is rethrown.
        static func twoAtATime<R: Sendable>(_ n: Int, _ body: @Sendable (Int) throws -> R) throws -> [R] {
            let state = LayerQueue<R>(count: n)
            DispatchQueue.concurrentPerform(iterations: min(2, max(n, 1))) { _ in
                while let i = state.next() {
                    do { state.store(i, try body(i)) } catch { state.fail(error) }
                }
            }
            return try state.results()
        }

        static func description(_ layer: TileLayer, filter: IncidentFilter, source: String) -> String {
            "PatrolIQ density of \(layer.description)"
                + (filter.isEmpty ? "" : " (filter \(filter.normalized))") + ", from \(source)"
        }

        /// `--update`: every unfiltered store in --dir, brought up to date with the workspace.
        func runUpdate() throws {
            let start = Date()
            guard try filterOptions.filter().isEmpty, layers.isEmpty, out == nil else {
                throw ValidationError(
                    "--update keeps each store's own layer and settings: drop --layer, --out and filters")
            }
            let w = try Workspace(path: ws.workspace)
            let info = try w.info()
            let log = try w.appendLog()
            let t = try w.incidents(columns: ["latitude", "longitude", "type", "hour", "weekday", "weekend"])
            let names = try w.dictionaries().type
            let store = RunStore(w)
            let latest = try store.hasRuns ? store.list().last : nil
            let patternLabels = try latest.flatMap { try store.labels(run: $0.id, algorithm: "temporal") }
                .flatMap { $0.count == t.count ? $0 : nil }
            let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter {
                $0.hasSuffix(".mbtiles") && !$0.contains("-filtered") && !$0.hasPrefix(".")
            }.sorted()
            guard !files.isEmpty else { throw InputError(file: dir, "no .mbtiles stores to update here") }
            var totals = (updated: 0, rendered: 0, current: 0, skipped: 0, tiles: 0, changed: 0)
            var jobs: [UpdateJob] = []
            for file in files {
                let path = dir + "/" + file
                let meta = try MBTilesReader(path: path).metadata()
                guard let j = meta["json"],
                    let legend = try? JSONDecoder().decode(TileLegend.Metadata.self, from: Data(j.utf8)).patroliq,
                    let layer = TileLayer(name: legend.layer, types: names),
                    let minZ = meta["minzoom"].flatMap(Int.init), let maxZ = meta["maxzoom"].flatMap(Int.init)
                else {
                    print("skipped \(path): not a PatrolIQ heatmap store of this workspace's layers")
                    totals.skipped += 1
                    continue
                }
                var o = TileOptions()
                o.minZoom = minZ
                o.maxZoom = maxZ
                o.bandwidth = legend.bandwidthMetres
                o.colormap = legend.colormap
                o.scale = legend.tileSize / 256
                o.capQuantile = legend.quantile
                var code: Int32?
                if case .type(let n) = layer { code = names.firstIndex { $0.uppercased() == n }.map(Int32.init) }
                if case .pattern = layer, patternLabels == nil {
                    print(
                        "skipped \(path): the latest cluster run's patterns do not cover the workspace; run 'patroliq cluster' first"
                    )
                    totals.skipped += 1
                    continue
                }
                let description = Self.description(layer, filter: IncidentFilter(), source: info.source)
                var isPattern = false
                if case .pattern = layer { isPattern = true }
                let sameRenderer = TileRenderer.made(legend)
                let changed =
                    isPattern || !sameRenderer
                    ? nil
                    : legend.sourceFingerprint.flatMap {
                        TileUpdate.changes(since: $0, log: log, current: info.fingerprint)
                    }.map { layer.touched(by: $0, typeCode: code) }
                if let changed, changed.isEmpty, legend.sourceFingerprint == info.fingerprint {
                    print("\(path): current")
                    totals.current += 1
                    continue
                }
                jobs.append(
                    UpdateJob(
                        path: path, legend: legend, layer: layer, typeCode: code, options: o,
                        description: description, changed: changed, isPattern: isPattern,
                        otherRenderer: !sameRenderer))
            }
            // Two stores at a time, as a render does; messages in store order.
            let (workList, fingerprint, centerLat) = (jobs, info.fingerprint, info.projection.originLat)
            let all = LayerUnits(longitude: t.longitude, latitude: t.latitude)
            let results: [(message: String, tiles: Int, changed: Int, updated: Bool)?] = try Self.twoAtATime(
                workList.count
            ) { i in
                let job = workList[i]
                let (units, bounds) = all.units(
                    in: job.layer.mask(table: t, typeCode: job.typeCode, patternLabels: patternLabels))
                guard let bounds else { return nil }
                if let changed = job.changed {
                    let s = try TileUpdate.update(
                        path: job.path, legend: job.legend, layer: job.layer, units: units,
                        centerLat: centerLat, bounds: bounds, options: job.options, description: job.description,
                        sourceFingerprint: fingerprint, changed: changed)
                    return (
                        "updated \(job.path): \(s.rendered) tiles rendered again near \(changed.count) changed places (\(s.replaced) changed, \(s.unchanged) unchanged, \(s.removed) cleared)"
                            + (s.recoloured.isEmpty
                                ? ""
                                : "; colour cap moved at zoom \(s.recoloured.map(String.init).joined(separator: ", ")): those zooms whole")
                            + ", \(String(format: "%.2f", s.seconds)) s", s.rendered, s.replaced, true
                    )
                }
                let s = try TileRenderer.render(
                    layer: job.layer, units: units, centerLat: centerLat, bounds: bounds, to: job.path,
                    options: job.options, description: job.description, sourceFingerprint: fingerprint)
                return (
                    "rendered \(job.path) again whole (\(job.isPattern ? "temporal patterns change with each run" : job.otherRenderer ? "made by another version of the renderer" : "no record of the changes since it was made")): \(s.tiles) tiles, \(String(format: "%.2f", s.seconds)) s",
                    s.tiles, s.tiles, false
                )
            }
            for (job, r) in zip(workList, results) {
                guard let r else {
                    print("skipped \(job.path): the layer has no incidents now")
                    totals.skipped += 1
                    continue
                }
                print(r.message)
                totals.tiles += r.tiles
                totals.changed += r.changed
                if r.updated { totals.updated += 1 } else { totals.rendered += 1 }
            }
            print(
                "tiles --update: \(totals.updated) updated, \(totals.rendered) rendered whole, \(totals.current) current, \(totals.skipped) skipped; \(totals.tiles) tiles rendered (\(totals.changed) changed) in \(String(format: "%.2f", Date().timeIntervalSince(start))) s"
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

/// One store `tiles --update` brings up to date: updated from `changed`, or rendered whole when nil.
struct UpdateJob: Sendable {
    let path: String
    let legend: TileLegend
    let layer: TileLayer
    let typeCode: Int32?
    let options: TileOptions
    let description: String
    let changed: [[Double]]?
    let isPattern: Bool
    /// Not made by this renderer (`TileRenderer.made`: another version or deflate library): rendered whole.
    let otherRenderer: Bool
}

/// The shared cursor and results of `Tiles.Render.twoAtATime`.
final class LayerQueue<R>: @unchecked Sendable {
    private let lock = NSLock()
    private var nextIndex = 0
    private let count: Int
    private var values: [Int: R] = [:]
    private var error: (any Error)?

    init(count: Int) { self.count = count }

    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard error == nil, nextIndex < count else { return nil }
        nextIndex += 1
        return nextIndex - 1
    }

    func store(_ i: Int, _ v: R) {
        lock.lock()
        values[i] = v
        lock.unlock()
    }

    func fail(_ e: any Error) {
        lock.lock()
        if error == nil { error = e }
        lock.unlock()
    }

    func results() throws -> [R] {
        if let error { throw error }
        return (0..<count).map { values[$0]! }
    }
}
