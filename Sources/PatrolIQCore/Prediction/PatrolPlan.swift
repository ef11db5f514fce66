import Foundation

/// What to plan for: the cells to choose and how to rank them.
public struct PlanOptions: Sendable, Codable, Equatable {
    /// How many cells to patrol; when nil, `areaShare` of the active study area.
    public var cells: Int?
    /// Share of the active study area (0.02 is 2 %), used when `cells` is nil.
    public var areaShare = 0.02
    /// The ranking method; nil: the best of the backtest at this coverage.
    public var method: PredictionMethod?
    /// The backtest that picks the method and gives the evidence.
    public var backtest = BacktestOptions()

    public init() {}

    enum CodingKeys: String, CodingKey {
        case cells, method, backtest
        case areaShare = "area_share"
    }
}

/// One patrol area: adjacent chosen cells merged.
public struct PatrolArea: Sendable, Equatable {
    public var rank: Int
    /// Active-cell indices of the area.
    public var cells: [Int]
    /// The outline, in the grid's metres.
    public var outline: [Polygon]
    /// Predicted risk summed over the area's cells (the method's units).
    public var risk: Double
    /// Incidents per shift in the area over the training window: its incidents there ÷ the shifts.
    public var expectedPerShift: Double
    /// Share of all the shift's incidents (whole history) that fell in the area.
    public var historicalShare: Double
    /// Incidents of the shift in the area over the whole history.
    public var historicalIncidents: Int
    /// Incidents of the training window in the area.
    public var recentIncidents: Int
}

/// The answer to "where do we patrol this shift": ranked areas and the evidence for the ranking.
public struct PatrolPlan: Sendable {
    public var method: PredictionMethod
    /// True when the method was the backtest's best rather than chosen by the user.
    public var methodChosenByBacktest: Bool
    public var cells: Int
    public var areaShare: Double
    public var areas: [PatrolArea]
    /// The method's backtest figures at the nearest scored share.
    public var evidence: MethodScore?
    /// Naive baseline at the same share, for comparison.
    public var baseline: MethodScore?
    public var backtest: BacktestResult
    /// Shifts (days passing the filter) in the training window.
    public var shiftsInWindow: Int
    /// The window the forecast is trained on (seconds).
    public var windowStart: Int64
    public var windowEnd: Int64
    public var incidentsInWindow: Int
    public var incidentsInHistory: Int
}

/// Ranks cells for one shift, merges the chosen ones into areas and says how well that has worked.
public enum PatrolPlanner {
    public enum Failure: Error, CustomStringConvertible, Sendable {
        case noIncidents
        case noRecentIncidents(days: Int)

        public var description: String {
            switch self {
            case .noIncidents: "no incidents match the shift and types"
            case .noRecentIncidents(let d): "no incidents of this shift in the last \(d) days of the data"
            }
        }
    }

    /// `sample` holds the shift's incidents only; `shiftDays(from:to:)` counts the shifts in a window.
    public static func plan(
        sample s: IncidentSample, surface: RiskSurface, options o: PlanOptions,
        shiftDays: (Int64, Int64) -> Int
    ) throws -> PatrolPlan {
        guard let last = s.times.last else { throw Failure.noIncidents }
        let day: Int64 = 86_400
        let n = surface.grid.cells.count
        let cells = max(1, min(n, o.cells ?? PredictiveAccuracy.cells(share: o.areaShare, active: n)))
        let share = Double(cells) / Double(n)
        var bo = o.backtest
        if !bo.shares.contains(where: { abs($0 - share) < 1e-12 }) { bo.shares = (bo.shares + [share]).sorted() }
        if let m = o.method, !bo.methods.contains(m) { bo.methods.append(m) }
        if !bo.methods.contains(.naive) { bo.methods.insert(.naive, at: 0) }
        let result = Backtest.run(sample: s, surface: surface, options: bo)
        let chosen = o.method ?? result.best(at: share).flatMap { PredictionMethod(rawValue: $0.method) } ?? .kde

        let end = (last / day + 1) * day
        let start = end - Int64(bo.trainDays) * day
        let window = s.window(from: start, to: end)
        guard !window.isEmpty else { throw Failure.noRecentIncidents(days: bo.trainDays) }
        let risk = surface.risk(chosen, sample: s, range: window, origin: end)
        let picked = Array(PredictiveAccuracy.ranking(risk).prefix(cells))
        let recent = s.counts(window, cells: n)
        let history = s.counts(0..<s.times.count, cells: n)
        let shifts = max(1, shiftDays(start, end))
        let total = Double(s.times.count)

        var areas: [PatrolArea] = components(picked, grid: surface.grid).map { members in
            let squares = Set(members.map { surface.grid.cells[$0] })
            let size = surface.grid.cellSize
            let outline = CellOutline.polygons(squares).map { p in
                func metres(_ r: Ring) -> Ring { r.map { surface.grid.origin + $0 * size } }
                return Polygon(exterior: metres(p.exterior), holes: p.holes.map(metres))
            }
            let inWindow = members.reduce(0) { $0 + recent[$1] }
            let inHistory = members.reduce(0) { $0 + history[$1] }
            return PatrolArea(
                rank: 0, cells: members.sorted(), outline: outline, risk: members.reduce(0) { $0 + risk[$1] },
                expectedPerShift: inWindow / Double(shifts), historicalShare: total > 0 ? inHistory / total : 0,
                historicalIncidents: Int(inHistory), recentIncidents: Int(inWindow))
        }
        areas.sort { ($0.expectedPerShift, $0.risk, -$0.cells[0]) > ($1.expectedPerShift, $1.risk, -$1.cells[0]) }
        for i in areas.indices { areas[i].rank = i + 1 }
        return PatrolPlan(
            method: chosen, methodChosenByBacktest: o.method == nil, cells: cells, areaShare: share, areas: areas,
            evidence: result.score(chosen, at: share), baseline: result.score(.naive, at: share), backtest: result,
            shiftsInWindow: shifts, windowStart: start, windowEnd: end, incidentsInWindow: window.count,
            incidentsInHistory: s.times.count)
    }

    /// Groups of chosen cells that share a side, each in ascending cell order.
    static func components(_ picked: [Int], grid: HotspotGrid) -> [[Int]] {
        CellOutline.components(Set(picked.map { grid.cells[$0] })).map { group in
            group.compactMap { grid.cell(column: Int($0.x), row: Int($0.y)) }.sorted()
        }
    }
}
