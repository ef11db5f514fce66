import ArgumentParser
import Foundation
import PatrolIQCore

struct Runs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, show and compare runs (cluster, hotspots, backtest); mirror them to MLflow.",
        subcommands: [List.self, Show.self, Compare.self, ExportMLflow.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One line per run.")
        @OptionGroup var ws: WorkspaceOptions
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let runs = try RunStore(Workspace(path: ws.workspace)).list()
            if json { return try printJSON(runs) }
            if runs.isEmpty {
                print("no runs in \(ws.workspace); run 'patroliq cluster' first")
                return
            }
            print(
                "id  kind      created               rows      algorithms                        result                                secs"
            )
            for r in runs {
                print(
                    String(r.id).padding(toLength: 4, withPad: " ", startingAt: 0)
                        + r.kind.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
                        + r.createdAt.prefix(19).padding(toLength: 22, withPad: " ", startingAt: 0)
                        + String(r.rows).padding(toLength: 10, withPad: " ", startingAt: 0)
                        + Self.fit(r.algorithms.joined(separator: ","), 34)
                        + Self.fit(Self.result(r), 38)
                        + String(format: "%.2f", r.durationSeconds))
            }
        }

        /// `text` in a column of `width` characters, cut with an ellipsis when longer.
        static func fit(_ text: String, _ width: Int) -> String {
            let cut = text.count < width ? text : String(text.prefix(width - 2)) + "…"
            return cut.padding(toLength: width, withPad: " ", startingAt: 0)
        }

        /// The figure a reader scans for: the chosen k and its scores, the hot cells, the best method.
        static func result(_ r: RunRecord) -> String {
            let m = r.metrics
            func f(_ k: String, _ fmt: String) -> String { m[k].map { String(format: fmt, $0) } ?? "-" }
            switch r.kind {
            case .cluster:
                return
                    "k \(f("kmeans.k", "%.0f")) sil \(f("kmeans.silhouette", "%.3f")) DB \(f("kmeans.davies_bouldin", "%.3f")) zones \(f("dbscan.clusters", "%.0f"))"
            case .hotspots:
                let hot = (1...3).reduce(0.0) { $0 + (m["class+\($1)"] ?? 0) }
                let cold = (1...3).reduce(0.0) { $0 + (m["class-\($1)"] ?? 0) }
                return "\(Int(hot)) hot, \(Int(cold)) cold of \(f("cells", "%.0f")) cells"
            case .backtest:
                let best = m.filter { $0.key.hasSuffix(".pai_at_5pct") }.max { ($0.value, $1.key) < ($1.value, $0.key) }
                guard let best else { return "\(f("folds", "%.0f")) folds" }
                return
                    "best at 5%: \(best.key.split(separator: ".")[0]) PAI \(String(format: "%.2f", best.value))"
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A run's parameters, metrics and notes.")
        @OptionGroup var ws: WorkspaceOptions
        @Argument(help: "Run id (the latest when omitted).") var id: Int?
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let w = try Workspace(path: ws.workspace)
            let store = RunStore(w)
            let r = try store.run(id, kind: nil, path: ws.workspace)
            if json { return try printJSON(r) }
            print(
                "run \(r.id) — \(r.createdAt), \(r.rows) incidents, data \(r.fingerprint), \(String(format: "%.2f", r.durationSeconds)) s"
            )
            print("parameters:")
            for (k, v) in r.params.sorted(by: { $0.key < $1.key }) { print("  \(k) = \(v)") }
            print("metrics:")
            for (k, v) in r.metrics.sorted(by: { $0.key < $1.key }) {
                print("  \(k) = \(String(format: "%.6g", v))")
            }
            for n in r.notes { print(n) }
            if let data = try store.artifact(run: r.id, name: "backtest"),
                let result = try? JSONDecoder().decode(BacktestResult.self, from: data)
            {
                print(BacktestCommand.table(result))
            }
            if let data = try store.artifact(run: r.id, name: "kmeans_sweep"),
                let c = try? JSONDecoder().decode(KChoice.self, from: data)
            {
                print("k sweep:   k  inertia          silhouette  davies_bouldin  calinski_harabasz")
                for s in c.scores {
                    print(
                        String(
                            format: "          %-2d %-16.6g %-11.4f %-15.4f %.1f", s.k, s.inertia,
                            s.silhouette ?? .nan,
                            s.daviesBouldin ?? .nan, s.calinskiHarabasz ?? .nan))
                }
            }
        }
    }

    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Two runs side by side: parameters and metrics that differ.")
        @OptionGroup var ws: WorkspaceOptions
        @Argument(help: "First run id.") var a: Int
        @Argument(help: "Second run id.") var b: Int
        @Flag(help: "Print JSON.") var json = false

        struct Row: Encodable {
            let name: String
            let a: String
            let b: String
        }

        func run() throws {
            let store = RunStore(try Workspace(path: ws.workspace))
            let ra = try store.run(a, kind: nil, path: ws.workspace)
            let rb = try store.run(b, kind: nil, path: ws.workspace)
            var rows: [Row] = []
            if ra.kind != rb.kind { rows.append(Row(name: "kind", a: ra.kind.rawValue, b: rb.kind.rawValue)) }
            if ra.fingerprint != rb.fingerprint {
                rows.append(Row(name: "data", a: ra.fingerprint, b: rb.fingerprint))
            }
            for k in Set(ra.params.keys).union(rb.params.keys).sorted() where ra.params[k] != rb.params[k] {
                rows.append(Row(name: "param " + k, a: ra.params[k] ?? "-", b: rb.params[k] ?? "-"))
            }
            for k in Set(ra.metrics.keys).union(rb.metrics.keys).sorted() {
                rows.append(
                    Row(
                        name: k, a: ra.metrics[k].map { String(format: "%.6g", $0) } ?? "-",
                        b: rb.metrics[k].map { String(format: "%.6g", $0) } ?? "-"))
            }
            rows.append(
                Row(
                    name: "duration_s", a: String(format: "%.2f", ra.durationSeconds),
                    b: String(format: "%.2f", rb.durationSeconds)))
            if json { return try printJSON(rows) }
            print(
                "".padding(toLength: 36, withPad: " ", startingAt: 0)
                    + "run \(a)".padding(toLength: 20, withPad: " ", startingAt: 0) + "run \(b)")
            for r in rows {
                print(
                    r.name.padding(toLength: 36, withPad: " ", startingAt: 0)
                        + r.a.padding(toLength: 20, withPad: " ", startingAt: 0) + r.b)
            }
        }
    }
}

extension Runs {
    struct ExportMLflow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export-mlflow",
            abstract:
                "Mirror runs to an MLflow tracking server: parameters, metrics, the k sweep by step, tags, artifacts.",
            discussion: """
                Artifacts are the run's GeoJSON layers (under geojson/) and its Ward dendrogram (ward_linkage.json); \
                they go through the tracking server's artifact proxy (mlflow server's default). A run already \
                mirrored (same data fingerprint, run id and creation time) is skipped.
                """)
        @OptionGroup var ws: WorkspaceOptions
        @Option(help: "MLflow tracking server URL, e.g. http://127.0.0.1:5000.") var trackingUri: String
        @Option(help: "MLflow experiment name (created when missing).") var experiment: String =
            "patroliq"
        @Option(name: .customLong("run"), help: "Export only this run (all runs when omitted).")
        var runID: Int?
        @Flag(help: "Mirror records and metrics only, without the GeoJSON and dendrogram artifacts.")
        var noArtifacts = false

        func run() async throws {
            let workspace = try Workspace(path: ws.workspace)
            let store = RunStore(workspace)
            let runs = try runID.map { [try store.run($0, kind: nil, path: ws.workspace)] } ?? store.list()
            let exporter: MLflowExporter
            do {
                exporter = try MLflowExporter(
                    trackingURI: trackingUri, experiment: experiment, transport: HTTPClientTransport())
            } catch {
                throw ValidationError("\(error)")
            }
            let withArtifacts = !noArtifacts
            do {
                let (done, skipped) = try await exporter.export(runs) { r in
                    var d = MLflowRunDetails()
                    if let sweep = try store.artifact(run: r.id, name: "kmeans_sweep"),
                        let choice = try? JSONDecoder().decode(KChoice.self, from: sweep)
                    {
                        d.stepMetrics = MLflowRunDetails.sweepMetrics(choice)
                    }
                    guard withArtifacts else { return d }
                    for name in ["backtest", "hotspots_gi"] {
                        if let a = try store.artifact(run: r.id, name: name) { d.artifacts.append(("\(name).json", a)) }
                    }
                    guard r.kind == .cluster else { return d }
                    if let ward = try store.artifact(run: r.id, name: "ward_linkage") {
                        d.artifacts.append(("ward_linkage.json", ward))
                    }
                    d.artifacts += try Self.geojson(workspace, run: r.id)
                    return d
                }
                print(
                    "exported \(done) run(s) to \(trackingUri) experiment '\(experiment)' (\(skipped) already there)"
                )
            } catch let e as MLflowExporter.Failure {
                throw RuntimeError(e.description)
            }
        }

        /// The run's GeoJSON layers, exported into a temporary folder and read back.
        static func geojson(_ w: Workspace, run: Int) throws -> [(path: String, data: Data)] {
            let dir = NSTemporaryDirectory() + "patroliq-mlflow-\(getpid())-\(run)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            var o = ExportOptions()
            o.directory = dir
            o.runID = run
            let result = try GeoJSONExport.run(workspace: w, options: o)
            return result.files.compactMap { f in
                FileManager.default.contents(atPath: f.path).map {
                    ("geojson/" + (f.path as NSString).lastPathComponent, $0)
                }
            }
        }
    }
}
