import Foundation

/// Rolling-origin backtest settings.
public struct BacktestOptions: Sendable, Codable, Equatable {
    public var trainDays = 28
    public var testDays = 7
    /// Shares of the active study area scored (0.01 is 1 %).
    public var shares: [Double] = [0.01, 0.02, 0.05, 0.10]
    public var methods: [PredictionMethod] = PredictionMethod.allCases
    public var parameters = PredictionParameters()
    /// Folds with fewer incidents to learn from or to predict are skipped (and counted).
    public var minTrainIncidents = 30
    public var minTestIncidents = 5
    /// Only the latest folds, when set.
    public var maxFolds: Int?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case shares, methods, parameters
        case trainDays = "train_days"
        case testDays = "test_days"
        case minTrainIncidents = "min_train_incidents"
        case minTestIncidents = "min_test_incidents"
        case maxFolds = "max_folds"
    }
}

/// Mean, standard deviation and range of one figure across folds.
public struct Spread: Sendable, Codable, Equatable {
    public var mean: Double
    public var sd: Double
    public var min: Double
    public var max: Double

    public init(_ values: [Double]) {
        guard !values.isEmpty else {
            (mean, sd, min, max) = (.nan, .nan, .nan, .nan)
            return
        }
        let m = values.reduce(0, +) / Double(values.count)
        mean = m
        sd = (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count)).squareRoot()
        min = values.min() ?? m
        max = values.max() ?? m
    }
}

/// One fold: trained on the days before `origin`, scored on the days from it.
public struct BacktestFold: Sendable, Codable, Equatable {
    /// First second of the period predicted.
    public var origin: Int64
    public var trainIncidents: Int
    public var testIncidents: Int
    /// Scores per method (raw value), one per share.
    public var scores: [String: [CoverageScore]]

    enum CodingKeys: String, CodingKey {
        case origin, scores
        case trainIncidents = "train_incidents"
        case testIncidents = "test_incidents"
    }
}

/// A method's figures at one share, across folds.
public struct MethodScore: Sendable, Codable, Equatable {
    public var method: String
    public var share: Double
    public var hitRate: Spread
    public var pai: Spread
    public var pei: Spread

    enum CodingKeys: String, CodingKey {
        case method, share, pai, pei
        case hitRate = "hit_rate"
    }
}

/// What a backtest found: every fold and the summary a planner reads.
public struct BacktestResult: Sendable, Codable, Equatable {
    public var options: BacktestOptions
    public var cells: Int
    public var cellSize: Double
    public var folds: [BacktestFold]
    /// Folds left out for too few incidents.
    public var skippedFolds: Int
    public var summary: [MethodScore]

    enum CodingKeys: String, CodingKey {
        case options, cells, folds, summary
        case cellSize = "cell_m"
        case skippedFolds = "skipped_folds"
    }

    /// The method with the highest mean hit rate at the share nearest to `share` (ties: the order of
    /// `PredictionMethod.allCases`, simplest first), with its score there.
    public func best(at share: Double) -> MethodScore? {
        guard let nearest = options.shares.min(by: { abs($0 - share) < abs($1 - share) }) else { return nil }
        let rows = summary.filter { $0.share == nearest && !$0.hitRate.mean.isNaN }
        return rows.max { $0.hitRate.mean < $1.hitRate.mean }
    }

    public func score(_ method: PredictionMethod, at share: Double) -> MethodScore? {
        guard let nearest = options.shares.min(by: { abs($0 - share) < abs($1 - share) }) else { return nil }
        return summary.first { $0.method == method.rawValue && $0.share == nearest }
    }
}

/// Rolling-origin evaluation: train on `trainDays`, predict the next `testDays`, step forward by
/// `testDays`, over the whole span of the data. The last fold ends where the data ends.
public enum Backtest {
    /// Origins (first second of each test period), oldest first.
    public static func origins(_ s: IncidentSample, options o: BacktestOptions) -> [Int64] {
        guard let first = s.times.first, let last = s.times.last else { return [] }
        let day: Int64 = 86_400
        let end = (last / day + 1) * day
        let start = (first / day) * day
        var out: [Int64] = []
        var origin = end - Int64(o.testDays) * day
        while origin - Int64(o.trainDays) * day >= start {
            out.append(origin)
            origin -= Int64(o.testDays) * day
        }
        return out.reversed()
    }

    public static func run(
        sample s: IncidentSample, surface: RiskSurface, options o: BacktestOptions,
        progress: (@Sendable (Int, Int) -> Void)? = nil
    ) -> BacktestResult {
        let day: Int64 = 86_400
        let n = surface.grid.cells.count
        var candidates = origins(s, options: o).filter { origin in
            s.window(from: origin - Int64(o.trainDays) * day, to: origin).count >= o.minTrainIncidents
                && s.window(from: origin, to: origin + Int64(o.testDays) * day).count >= o.minTestIncidents
        }
        let skipped = origins(s, options: o).count - candidates.count
        if let m = o.maxFolds, candidates.count > m { candidates = Array(candidates.suffix(m)) }
        let folds = parallelMap(candidates) { origin -> BacktestFold in
            let train = s.window(from: origin - Int64(o.trainDays) * day, to: origin)
            let test = s.window(from: origin, to: origin + Int64(o.testDays) * day)
            let actual = s.counts(test, cells: n)
            var scores: [String: [CoverageScore]] = [:]
            for m in o.methods {
                let risk = surface.risk(m, sample: s, range: train, origin: origin)
                scores[m.rawValue] = PredictiveAccuracy.score(risk: risk, actual: actual, shares: o.shares)
            }
            return BacktestFold(origin: origin, trainIncidents: train.count, testIncidents: test.count, scores: scores)
        }
        var summary: [MethodScore] = []
        for m in o.methods {
            for (k, share) in o.shares.enumerated() {
                let per = folds.compactMap { $0.scores[m.rawValue]?[k] }
                summary.append(
                    MethodScore(
                        method: m.rawValue, share: share, hitRate: Spread(per.map(\.hitRate)),
                        pai: Spread(per.map(\.pai)), pei: Spread(per.map(\.pei))))
            }
        }
        return BacktestResult(
            options: o, cells: n, cellSize: surface.grid.cellSize, folds: folds, skippedFolds: skipped,
            summary: summary)
    }
}
