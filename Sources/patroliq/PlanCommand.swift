import ArgumentParser
import Foundation
import PatrolIQCore

/// Where to patrol one shift: ranked areas by the best backtested method, as GeoJSON and CSV.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Patrol areas for one shift: cells ranked by the best backtested method, merged into areas.",
        discussion: """
            The shift is --day (mon…sun, several comma separated, weekend, weekdays) and --hours START-END \
            with the end excluded; a shift past midnight (22-6) counts the early hours for the day it started. \
            Only the shift's incidents (and --types) are used. A backtest of every method on them (as \
            'patroliq backtest', with the plan's coverage added) picks the method with the best mean hit rate \
            at that coverage unless --method is given; the method then ranks cells on the last --train-days \
            of data, the top --cells (or --area-share % of the active area) are chosen, and cells sharing a \
            side are merged into areas. Each area: expected incidents per shift (its incidents of the shift \
            in the last --train-days ÷ the shifts in them), the share of all the shift's incidents it held, \
            its busiest block, and the method's backtested PAI and hit rate at this coverage.
            """)

    @OptionGroup var ws: WorkspaceOptions
    @Option(help: "The shift's day: mon…sun, comma separated, weekend or weekdays (every day when omitted).")
    var day: String?
    @Option(help: "The shift, START-END with the end excluded (22-6 runs to 06:00 the next day).") var hours: String?
    @Option(help: "Primary Types, comma separated (all when omitted).") var types: String?
    @Option(help: "Cells to patrol.") var cells: Int?
    @Option(help: "Percent of the active study area to patrol (when --cells is not given).") var areaShare: Double =
        2
    @Option(help: "Ranking method (default: the best of the backtest).") var method: String?
    @Option(help: "Grid cell side in metres.") var cell: Double = 250
    @Option(help: "Days the forecast and each backtest fold learn from.") var trainDays: Int = 28
    @Option(help: "Days each backtest fold predicts.") var testDays: Int = 7
    @Option(help: "GeoJSON output file.") var geojson: String = "plan.geojson"
    @Option(help: "CSV output file (one line per area).") var csv: String = "plan.csv"

    var request: PlanRequest {
        var r = PlanRequest()
        r.day = day
        r.hours = hours
        r.types = types
        r.cells = cells
        r.areaSharePercent = cells == nil ? areaShare : nil
        r.method = method
        r.cellSize = cell
        r.trainDays = trainDays
        r.testDays = testDays
        return r
    }

    func validate() throws {
        do {
            _ = try request.validated()
        } catch let e as IncidentFilter.Invalid {
            throw ValidationError("--\(e.parameter.replacingOccurrences(of: "_", with: "-")): \(e.message)")
        }
    }

    func run() throws {
        let start = Date()
        let w = try Workspace(path: ws.workspace)
        let info = try w.info()
        let t = try w.incidents(columns: ["time", "type", "hour", "weekday", "x", "y", "block"])
        let answer: PlanAnswer
        do {
            answer = try PatrolPlanner.answer(
                request, table: t, dictionaries: try w.dictionaries(), projection: info.projection)
        } catch let e as IncidentFilter.Invalid {
            throw InputError(file: ws.workspace, field: e.parameter, e.message)
        } catch let e as PatrolPlanner.Failure {
            throw InputError(file: ws.workspace, e.description)
        }
        try TemporaryFile.write(try PlanExport.geojson(answer), to: geojson)
        try TemporaryFile.write(PlanExport.csv(answer), to: csv)
        let p = answer.plan
        print("rank  expected/shift  share  cells  top block")
        for (k, a) in p.areas.enumerated() {
            print(
                String(
                    format: "%-5d %-15.2f %-6@ %-6d ", a.rank, a.expectedPerShift,
                    BacktestCommand.percent(a.historicalShare) as NSString, a.cells.count)
                    + answer.topBlocks[k])
        }
        let ev =
            p.evidence.map {
                String(
                    format: "backtested PAI %.2f ± %.2f, hit rate %.1f %%", $0.pai.mean, $0.pai.sd,
                    $0.hitRate.mean * 100)
            } ?? "no backtest fold"
        let base = p.baseline.map { String(format: " (naive baseline: PAI %.2f)", $0.pai.mean) } ?? ""
        print(
            "wrote \(geojson) and \(csv): \(p.areas.count) areas of \(p.cells) cells (\(BacktestCommand.percent(p.areaShare)) of the area) "
                + "by \(p.method.rawValue)\(p.methodChosenByBacktest ? " (best backtested)" : ""); \(ev)\(base), "
                + "\(p.backtest.folds.count) folds; "
                + String(format: "%.2f", p.areas.reduce(0) { $0 + $1.expectedPerShift })
                + " incidents expected per shift "
                + String(format: "(%.2f s)", Date().timeIntervalSince(start)))
    }
}
