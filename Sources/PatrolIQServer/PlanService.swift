import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import PatrolIQCore

/// `/api/plan` (GeoJSON), `/api/plan.csv` and `/api/backtest`: the patrol plan for any shift,
/// computed from the workspace on request and kept per query until the workspace changes.
struct PlanService: Sendable {
    let data: DashboardData

    /// The parameters `/api/plan` takes; any other is a typo worth a 400.
    static let parameters: Set<String> = ["day", "hours", "types", "cells", "area_share", "method", "access_token"]

    /// The request from the query string; errors name the parameter and the form it takes.
    static func request(_ uri: URI) throws -> PlanRequest {
        let q = uri.queryParameters
        for (k, _) in q where !parameters.contains(String(k)) {
            throw APIError.badRequest(
                "unknown parameter '\(k)' (use \(parameters.subtracting(["access_token"]).sorted().joined(separator: ", ")))"
            )
        }
        func text(_ k: String) -> String? { q.get(k).flatMap { $0.isEmpty ? nil : $0 } }
        var r = PlanRequest()
        r.day = text("day")
        r.hours = text("hours")
        r.types = text("types")
        r.method = text("method")
        if let c = text("cells") {
            guard let v = Int(c) else { throw APIError.badRequest("cells: '\(c)' is not a whole number of cells") }
            r.cells = v
        }
        if let a = text("area_share") {
            guard let v = Double(a), v.isFinite else {
                throw APIError.badRequest("area_share: '\(a)' is not a percentage (e.g. 2)")
            }
            r.areaSharePercent = v
        }
        do {
            _ = try r.validated()
        } catch let e as IncidentFilter.Invalid {
            throw APIError.badRequest(e.description)
        }
        return r
    }

    /// The key of a normalised request, so `?hours=22-6&day=fri` and `?day=fri&hours=22-6` share an answer.
    static func key(_ r: PlanRequest, _ format: String) -> String {
        "query:plan.\(format):"
            + [
                r.day, r.hours, r.types?.uppercased(), r.cells.map(String.init), r.areaSharePercent.map { "\($0)" },
                r.method,
            ]
            .map { $0 ?? "" }.joined(separator: "|")
    }

    func plan(_ request: Request, csv: Bool) throws -> Response {
        let r = try Self.request(request.uri)
        var failure: APIError?
        let body = try data.body(Self.key(r, csv ? "csv" : "geojson")) { w in
            let info = try w.info()
            let t = try w.incidents(columns: ["time", "type", "hour", "weekday", "x", "y", "block"])
            do {
                let a = try PatrolPlanner.answer(
                    r, table: t, dictionaries: try w.dictionaries(), projection: info.projection)
                return csv
                    ? EncodedBody(Array(PlanExport.csv(a)), contentType: "text/csv; charset=utf-8")
                    : EncodedBody(Array(try PlanExport.geojson(a)), contentType: "application/geo+json")
            } catch let e as IncidentFilter.Invalid {
                failure = .badRequest(e.description)
            } catch let e as PatrolPlanner.Failure {
                failure = .notFound(e.description)
            }
            return nil
        }
        if let failure { throw failure }
        guard let body else { throw APIError.notFound("no workspace") }
        var response = body.response(to: request)
        if csv { response.headers[.contentDisposition] = "attachment; filename=\"patrol-plan.csv\"" }
        return response
    }

    /// The latest backtest run (or `?run=`): its record and result.
    func backtest(_ id: Int?) throws -> EncodedBody? {
        try data.document("backtest-\(id.map(String.init) ?? "latest")") { w -> BacktestDocument? in
            let store = RunStore(w)
            guard let r = try? store.run(id, kind: .backtest, path: ""),
                let d = try store.artifact(run: r.id, name: "backtest")
            else { return nil }
            return BacktestDocument(record: r, result: try JSONDecoder().decode(BacktestResult.self, from: d))
        }
    }
}

/// `/api/backtest`.
struct BacktestDocument: Encodable {
    let record: RunRecord
    let result: BacktestResult
}
