import ArgumentParser
import Foundation
import PatrolIQCore

/// Does a hotspot method predict? Rolling-origin backtest of every method, scored by hit rate, PAI and PEI*.
struct BacktestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Which method predicts next week's crime best: rolling-origin backtest with hit rate, PAI and PEI*.",
        discussion: """
            Over the whole span of the (filtered) data: train on --train-days, predict the next --test-days, \
            step forward by --test-days; the last fold ends where the data ends. Every method ranks the active \
            grid cells (cells of --cell metres holding any incident of the workspace) and is scored at each \
            --coverage percentage of that area: hit rate (share of the next window's incidents in the chosen \
            cells), PAI = hit rate ÷ area share (Chainey et al. 2008; 1 is chance), PEI* = hits ÷ the hits of \
            the window's own busiest cells of the same area (Hunt 2016; 1 is perfect).
            Methods: naive (counts of the last --naive-days), kde (the tiles' Gaussian KDE, sigma --bandwidth), \
            prospective_kde (the same with weight ½^(age/--half-life-days), Bowers, Johnson & Pease 2004), \
            gi_star (Gi* z, 1.5-cell band), kmeans (k = 8, cluster density), dbscan (150 m, min_samples \
            scaled to the training window's density). Folds with fewer than 30 training or 5 test incidents \
            are skipped and counted. The result is stored as a 'backtest' run (runs list / show / compare).
            """)

    @OptionGroup var ws: WorkspaceOptions
    @OptionGroup var filterOptions: FilterOptions
    @Option(help: "Grid cell side in metres.") var cell: Double = 250
    @Option(help: "Days each fold learns from.") var trainDays: Int = 28
    @Option(help: "Days each fold predicts (and the step between folds).") var testDays: Int = 7
    @Option(help: "Area coverages scored, percent of the active study area, comma separated.") var coverage: String =
        "1,2,5,10"
    @Option(
        help:
            "Methods, comma separated (default all): \(PredictionMethod.allCases.map(\.rawValue).joined(separator: ", "))."
    )
    var methods: String?
    @Option(help: "Prospective KDE: days after which an incident weighs half.") var halfLifeDays: Double = 7
    @Option(help: "KDE bandwidth (Gaussian sigma) in metres.") var bandwidth: Double = 150
    @Option(help: "Days the naive baseline counts.") var naiveDays: Int = 7
    @Option(help: "Score only the latest N folds.") var maxFolds: Int?
    @Flag(help: "Print the result as JSON.") var json = false
    @Flag(help: "Do not store the result as a run.") var noStore = false

    func validate() throws {
        guard cell >= 50, cell <= 2_000 else { throw ValidationError("--cell must be within 50–2000 metres") }
        guard (1...365).contains(trainDays) else { throw ValidationError("--train-days must be within 1–365") }
        guard (1...90).contains(testDays) else { throw ValidationError("--test-days must be within 1–90") }
        guard halfLifeDays > 0, bandwidth > 0, naiveDays > 0 else {
            throw ValidationError("--half-life-days, --bandwidth and --naive-days must be positive")
        }
        if let m = maxFolds, m < 1 { throw ValidationError("--max-folds must be at least 1") }
        _ = try options()
        _ = try filterOptions.filter()
    }

    func options() throws -> BacktestOptions {
        var o = BacktestOptions()
        o.trainDays = trainDays
        o.testDays = testDays
        o.maxFolds = maxFolds
        o.parameters.halfLifeDays = halfLifeDays
        o.parameters.bandwidth = bandwidth
        o.parameters.naiveDays = naiveDays
        let shares = coverage.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !shares.isEmpty, shares.allSatisfy({ $0.map { $0 > 0 && $0 <= 100 } ?? false }) else {
            throw ValidationError("--coverage: '\(coverage)' is not a list of percentages within 0–100 (e.g. 1,2,5,10)")
        }
        o.shares = shares.compactMap { $0.map { $0 / 100 } }
        if let methods {
            o.methods = try methods.split(separator: ",").map { name in
                guard let m = PredictionMethod(name: String(name).trimmingCharacters(in: .whitespaces)) else {
                    throw ValidationError(
                        "--methods: unknown method '\(name)' (\(PredictionMethod.allCases.map(\.rawValue).joined(separator: ", ")))"
                    )
                }
                return m
            }
        }
        return o
    }

    func run() throws {
        let start = Date()
        let o = try options()
        let f = try filterOptions.filter()
        let w = try Workspace(path: ws.workspace, readOnly: noStore)
        let info = try w.info()
        let t = try w.incidents(columns: ["time", "type", "hour", "weekday", "x", "y"])
        let keep = try FilterOptions.rows(f, t, of: w)
        let points = t.points
        let grid = HotspotGrid(area: points, selected: { keep[$0] }, cellSize: cell)
        let sample = IncidentSample(points: points, times: t.time, grid: grid) { keep[$0] }
        guard !sample.times.isEmpty else { throw InputError(file: ws.workspace, "no incidents pass the filter") }
        let result = Backtest.run(
            sample: sample, surface: RiskSurface(grid: grid, parameters: o.parameters), options: o)
        guard !result.folds.isEmpty else {
            throw InputError(
                file: ws.workspace,
                "no fold has \(o.minTrainIncidents) incidents to learn from and \(o.minTestIncidents) to predict "
                    + "(\(sample.times.count) incidents; try a wider filter or longer --train-days / --test-days)")
        }
        var note = ""
        if !noStore {
            var metrics: [String: Double] = [
                "folds": Double(result.folds.count), "skipped_folds": Double(result.skippedFolds),
                "cells": Double(result.cells),
            ]
            for s in result.summary {
                // MLflow takes letters, digits, _ - . / and spaces in metric names.
                let at = "_at_" + Self.percent(s.share).replacingOccurrences(of: "%", with: "pct")
                metrics["\(s.method).pai\(at)"] = s.pai.mean
                metrics["\(s.method).hit_rate\(at)"] = s.hitRate.mean
                metrics["\(s.method).pei\(at)"] = s.pei.mean
            }
            let params = [
                "cell_m": String(cell), "train_days": String(trainDays), "test_days": String(testDays),
                "coverage": coverage, "half_life_days": String(halfLifeDays), "bandwidth": String(bandwidth),
                "naive_days": String(naiveDays), "filter": filterOptions.summary,
            ]
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            let r = try RunStore(w).save(
                kind: .backtest, info: info, rows: sample.times.count, methods: o.methods.map(\.rawValue),
                params: params, metrics: metrics, artifacts: ["backtest": try enc.encode(result)],
                duration: Date().timeIntervalSince(start))
            note = ", stored as run \(r.id)"
        }
        if json { return try printJSON(result) }
        print(Self.table(result))
        print(
            "backtest: \(result.folds.count) folds of \(trainDays) + \(testDays) days (\(result.skippedFolds) skipped), "
                + "\(sample.times.count) incidents, \(result.cells) cells of \(Int(cell)) m\(note) "
                + String(format: "(%.2f s)", Date().timeIntervalSince(start)))
    }

    static func percent(_ share: Double) -> String {
        let p = share * 100
        return p == p.rounded() ? "\(Int(p))%" : String(format: "%.2g%%", p)
    }

    /// Methods by rows, coverages by columns: mean PAI ± sd and mean hit rate; the naive baseline
    /// first, and each method's PAI marked when it is below the baseline's.
    static func table(_ r: BacktestResult) -> String {
        var lines = [
            "method            "
                + r.options.shares.map {
                    "\(percent($0)) PAI ± sd   hit".padding(toLength: 24, withPad: " ", startingAt: 0)
                }.joined()
        ]
        for m in r.options.methods {
            var line = m.rawValue.padding(toLength: 18, withPad: " ", startingAt: 0)
            for share in r.options.shares {
                guard let s = r.summary.first(where: { $0.method == m.rawValue && $0.share == share }) else { continue }
                let base = r.summary.first { $0.method == "naive" && $0.share == share }
                let worse = m != .naive && base.map { s.pai.mean < $0.pai.mean } == true
                line +=
                    (String(format: "%5.2f ± %-5.2f %5.1f%%", s.pai.mean, s.pai.sd, s.hitRate.mean * 100)
                    + (worse ? "↓" : " "))
                    .padding(toLength: 24, withPad: " ", startingAt: 0)
            }
            lines.append(line)
        }
        lines.append("(↓: below the naive baseline at that coverage)")
        return lines.joined(separator: "\n")
    }
}
