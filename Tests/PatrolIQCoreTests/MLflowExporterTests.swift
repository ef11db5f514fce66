import Foundation
import Testing

@testable import PatrolIQCore

/// A scripted MLflow server: answers each REST call by its path and records what was sent.
final class ScriptedMLflow: MLflowTransport, @unchecked Sendable {
    var calls: [(method: String, path: String, body: [String: Any])] = []
    var mirrored: Set<String> = []
    var experimentExists = false
    var uploads: [(url: String, bytes: Int)] = []

    func send(method: String, url: String, body json: Data?, contentType: String) async throws -> (
        status: Int, body: Data
    ) {
        if method == "PUT" {
            uploads.append((url, json?.count ?? 0))
            return (200, Data("{}".utf8))
        }
        let path = String(url.split(separator: "/api/2.0/mlflow/", maxSplits: 1).last ?? "")
        let body = json.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
        calls.append((method, path, body))
        func reply(_ status: Int, _ obj: [String: Any]) throws -> (Int, Data) {
            (status, try JSONSerialization.data(withJSONObject: obj))
        }
        switch path.split(separator: "?").first.map(String.init) ?? path {
        case "experiments/get-by-name":
            return experimentExists
                ? try reply(200, ["experiment": ["experiment_id": "7"]])
                : try reply(404, ["error_code": "RESOURCE_DOES_NOT_EXIST", "message": "no experiment"])
        case "experiments/create":
            experimentExists = true
            return try reply(200, ["experiment_id": "7"])
        case "runs/search":
            let filter = body["filter"] as? String ?? ""
            let known = mirrored.contains { filter.contains("'\($0)'") }
            return try reply(200, known ? ["runs": [["info": [:]]]] : [:])
        case "runs/create":
            let tags = body["tags"] as? [[String: String]] ?? []
            if let id = tags.first(where: { $0["key"] == "patroliq.run_key" })?["value"] { mirrored.insert(id) }
            return try reply(
                200,
                [
                    "run": [
                        "info": [
                            "run_id": "mlflow-\(mirrored.count)",
                            "artifact_uri": "mlflow-artifacts:/7/r\(mirrored.count)/artifacts",
                        ]
                    ]
                ])
        case "runs/log-batch", "runs/update":
            return try reply(200, [:])
        default:
            return try reply(404, ["message": "unknown endpoint \(path)"])
        }
    }
}

@Suite struct MLflowExporterTests {
    let run = RunRecord(
        id: 3, createdAt: "2026-11-30T03:00:00Z", fingerprint: "abc", rows: 1000, algorithms: ["kmeans"],
        params: ["k": "6"], metrics: ["silhouette": 0.41, "nan": .nan], durationSeconds: 2.5, notes: [])

    @Test func mirrorsARunOnceWithItsParamsMetricsAndTags() async throws {
        let server = ScriptedMLflow()
        let exporter = try MLflowExporter(trackingURI: "http://127.0.0.1:5000", experiment: "it", transport: server)
        #expect(try await exporter.export([run]) == (1, 0))
        #expect(
            server.calls.map(\.path) == [
                "experiments/get-by-name?experiment_name=it", "experiments/create", "runs/search", "runs/create",
                "runs/log-batch", "runs/update",
            ])
        #expect(server.calls.map(\.method) == ["GET", "POST", "POST", "POST", "POST", "POST"])
        let batch = server.calls[4].body
        let params = batch["params"] as? [[String: String]] ?? []
        #expect(params.contains { $0["key"] == "k" && $0["value"] == "6" })
        #expect(params.contains { $0["key"] == "rows" && $0["value"] == "1000" })
        let metrics = (batch["metrics"] as? [[String: Any]] ?? []).compactMap { $0["key"] as? String }
        #expect(Set(metrics) == ["silhouette", "duration_s"])  // NaN is not sent
        #expect(server.calls[5].body["status"] as? String == "FINISHED")
        // A second export finds the run by its key and skips it.
        #expect(try await exporter.export([run]) == (0, 1))
        // A rebuilt workspace starts its runs at 1 again: a new run with the same id and data is not
        // the one already mirrored (it was created at another time).
        var rebuilt = run
        rebuilt.createdAt = "2026-12-01T09:00:00Z"
        #expect(try await exporter.export([rebuilt]) == (1, 0))
    }

    @Test func mirrorsTheKSweepAsStepsAndUploadsArtifacts() async throws {
        let server = ScriptedMLflow()
        let exporter = try MLflowExporter(trackingURI: "http://127.0.0.1:5000/", experiment: "it", transport: server)
        let scores = [5, 6, 7].map {
            KScore(
                k: $0, inertia: Double(100 - $0), silhouette: 0.1 * Double($0), daviesBouldin: 1, calinskiHarabasz: 2,
                iterations: 10)
        }
        let choice = KChoice(scores: scores)
        _ = try await exporter.export([run]) { _ in
            var d = MLflowRunDetails()
            d.stepMetrics = MLflowRunDetails.sweepMetrics(choice)
            d.artifacts = [("geojson/hotspots.geojson", Data("{}".utf8)), ("ward_linkage.json", Data("[]".utf8))]
            return d
        }
        let metrics = server.calls.first { $0.path == "runs/log-batch" }?.body["metrics"] as? [[String: Any]] ?? []
        let silhouette = metrics.filter { $0["key"] as? String == "kmeans.sweep.silhouette" }
        #expect(silhouette.compactMap { $0["step"] as? Int } == [5, 6, 7])
        #expect(
            server.uploads.map(\.url) == [
                "http://127.0.0.1:5000/api/2.0/mlflow-artifacts/artifacts/7/r1/artifacts/geojson/hotspots.geojson",
                "http://127.0.0.1:5000/api/2.0/mlflow-artifacts/artifacts/7/r1/artifacts/ward_linkage.json",
            ])
    }

    @Test func errorsNameTheServerAndTheCall() async throws {
        #expect(throws: MLflowExporter.Failure.self) {
            try MLflowExporter(trackingURI: "nowhere", experiment: "it", transport: ScriptedMLflow())
        }
        struct Down: MLflowTransport {
            func send(method: String, url: String, body: Data?, contentType: String) async throws -> (
                status: Int, body: Data
            ) {
                throw POSIXError(.ECONNREFUSED)
            }
        }
        let exporter = try MLflowExporter(trackingURI: "http://127.0.0.1:9", experiment: "it", transport: Down())
        await #expect {
            _ = try await exporter.export([run])
        } throws: { error in
            "\(error)" == "MLflow at http://127.0.0.1:9: cannot connect (nothing listening?)"
        }
        struct NotMLflow: MLflowTransport {
            func send(method: String, url: String, body: Data?, contentType: String) async throws -> (
                status: Int, body: Data
            ) {
                (404, Data("<html>Not Found</html>".utf8))
            }
        }
        let web = try MLflowExporter(trackingURI: "http://127.0.0.1:8080", experiment: "it", transport: NotMLflow())
        await #expect {
            _ = try await web.export([run])
        } throws: { error in
            "\(error)".contains(
                "is not an MLflow tracking server (HTTP 404 on /api/2.0/mlflow/experiments/get-by-name)")
        }
    }
}
