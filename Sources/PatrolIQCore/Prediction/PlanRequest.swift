import Foundation

/// A patrol-plan question as a user states it (CLI options or URL parameters), checked before any
/// work: errors name the parameter and the form it takes.
public struct PlanRequest: Sendable, Equatable {
    /// The shift's day(s): `fri`, `fri,sat`, `weekend`, `weekdays`; every day when nil.
    public var day: String?
    /// The shift, `START-END` with the end excluded; `22-6` runs past midnight into the next day.
    public var hours: String?
    public var types: String?
    public var cells: Int?
    /// Percent of the active study area (2 is 2 %).
    public var areaSharePercent: Double?
    public var method: String?
    public var cellSize = 250.0
    public var trainDays = 28
    public var testDays = 7

    public init() {}

    /// The filter for the shift and the plan's options.
    public func validated() throws -> (filter: IncidentFilter, options: PlanOptions) {
        var f = IncidentFilter()
        if let day { f.days = try IncidentFilter.parseDays(day) }
        if let hours { try f.setHours(hours) }
        if let types {
            f.types = IncidentFilter.parseTypes(types)
            if f.types?.isEmpty == true { throw IncidentFilter.Invalid(parameter: "types", message: "no type given") }
        }
        var o = PlanOptions()
        if let cells {
            guard (1...5_000).contains(cells) else {
                throw IncidentFilter.Invalid(
                    parameter: "cells", message: "'\(cells)' is not a cell count within 1–5000")
            }
            o.cells = cells
        }
        if let p = areaSharePercent {
            guard p > 0, p <= 50 else {
                throw IncidentFilter.Invalid(parameter: "area_share", message: "'\(p)' is not a percentage within 0–50")
            }
            o.areaShare = p / 100
        }
        if let method {
            guard let m = PredictionMethod(name: method) else {
                throw IncidentFilter.Invalid(
                    parameter: "method",
                    message:
                        "'\(method)' is not a method (\(PredictionMethod.allCases.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            o.method = m
        }
        guard cellSize >= 50, cellSize <= 2_000 else {
            throw IncidentFilter.Invalid(
                parameter: "cell", message: "'\(cellSize)' is not a cell side within 50–2000 m")
        }
        guard (1...365).contains(trainDays), (1...90).contains(testDays) else {
            throw IncidentFilter.Invalid(parameter: "train_days", message: "train 1–365 days, test 1–90 days")
        }
        o.backtest.trainDays = trainDays
        o.backtest.testDays = testDays
        return (f, o)
    }
}

/// A plan with what it needs to be drawn and explained: the grid, the projection, top blocks.
public struct PlanAnswer: Sendable {
    public var plan: PatrolPlan
    public var grid: HotspotGrid
    public var projection: LocalProjection
    /// The most frequent block of each area's incidents (by area rank − 1).
    public var topBlocks: [String]
    public var request: PlanRequest
}

extension PatrolPlanner {
    /// Plans from a workspace's table (columns time, type, hour, weekday, x, y, block).
    public static func answer(
        _ request: PlanRequest, table t: IncidentTable, dictionaries d: IncidentDictionaries,
        projection: LocalProjection
    ) throws -> PlanAnswer {
        let (filter, options) = try request.validated()
        let keep = try filter.rows(t, typeNames: d.type)
        let points = t.points
        let grid = HotspotGrid(area: points, selected: { keep[$0] }, cellSize: request.cellSize)
        let sample = IncidentSample(points: points, times: t.time, grid: grid) { keep[$0] }
        let surface = RiskSurface(grid: grid)
        let plan = try plan(sample: sample, surface: surface, options: options) { filter.shifts(from: $0, to: $1) }
        var cellArea = [Int](repeating: -1, count: grid.cells.count)
        for a in plan.areas { for c in a.cells { cellArea[c] = a.rank - 1 } }
        var blocks = [[Int32: Int]](repeating: [:], count: plan.areas.count)
        if !t.block.isEmpty {
            for (k, c) in sample.cells.enumerated() where cellArea[Int(c)] >= 0 {
                blocks[cellArea[Int(c)]][t.block[Int(sample.rows[k])], default: 0] += 1
            }
        }
        let top = blocks.map { counts -> String in
            guard let b = counts.max(by: { ($0.value, -$0.key) < ($1.value, -$1.key) })?.key,
                Int(b) < d.block.count, b >= 0
            else { return "" }
            return d.block[Int(b)]
        }
        return PlanAnswer(plan: plan, grid: grid, projection: projection, topBlocks: top, request: request)
    }
}
