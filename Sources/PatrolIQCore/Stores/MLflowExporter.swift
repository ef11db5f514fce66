import Foundation

/// Moves one MLflow REST call: sends `json` (a GET when nil) to `url` and returns the status and body.
/// The exporter builds the calls and reads the answers; the command-line tool supplies a transport
/// over AsyncHTTPClient, and tests a scripted one.
public protocol MLflowTransport: Sendable {
    /// `body` is JSON unless `contentType` says otherwise (artifact uploads).
    func send(method: String, url: String, body: Data?, contentType: String) async throws -> (status: Int, body: Data)
}

/// What is mirrored of a run beside its record: the k sweep as step metrics, and files as artifacts.
public struct MLflowRunDetails {
    /// Metric name → (step, value), e.g. `kmeans.sweep.silhouette` by k.
    public var stepMetrics: [(key: String, step: Int, value: Double)] = []
    /// Artifact path (e.g. `geojson/hotspots.geojson`) → bytes.
    public var artifacts: [(path: String, data: Data)] = []

    public init() {}

    /// The k sweep of a run's `kmeans_sweep` artifact as step metrics (step = k).
    public static func sweepMetrics(_ choice: KChoice) -> [(key: String, step: Int, value: Double)] {
        var out: [(key: String, step: Int, value: Double)] = []
        for s in choice.scores {
            out.append(("kmeans.sweep.inertia", s.k, s.inertia))
            if let v = s.silhouette { out.append(("kmeans.sweep.silhouette", s.k, v)) }
            if let v = s.daviesBouldin { out.append(("kmeans.sweep.davies_bouldin", s.k, v)) }
            if let v = s.calinskiHarabasz { out.append(("kmeans.sweep.calinski_harabasz", s.k, v)) }
        }
        return out.filter { $0.value.isFinite }
    }
}

/// Mirrors cluster runs to an MLflow tracking server through its REST API (2.0): one MLflow run per
/// PatrolIQ run, with its parameters, metrics, the k sweep as step metrics, tags and artifacts. Runs
/// already mirrored are skipped, so exporting twice is harmless. A run is known by `patroliq.run_key`:
/// its fingerprint, id and creation time together, since a rebuilt workspace numbers runs from 1 again.
public struct MLflowExporter: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let base: URL
    public let experiment: String
    let transport: any MLflowTransport

    public init(trackingURI: String, experiment: String, transport: any MLflowTransport) throws {
        guard let u = URL(string: trackingURI), let s = u.scheme, s == "http" || s == "https",
            u.host != nil
        else {
            throw Failure(
                description: "--tracking-uri must be an http(s) URL such as http://127.0.0.1:5000")
        }
        base = u
        self.experiment = experiment
        self.transport = transport
    }

    /// The key that tells this run from every other, across rebuilt workspaces.
    public static func runKey(_ r: RunRecord) -> String { "\(r.fingerprint)-\(r.id)-\(r.createdAt)" }

    /// Exports `runs`; returns (exported, skipped). `details` gives each run's step metrics and artifacts.
    public func export(_ runs: [RunRecord], details: (RunRecord) throws -> MLflowRunDetails = { _ in .init() })
        async throws
        -> (Int, Int)
    {
        let exp = try await experimentID()
        var exported = 0
        var skipped = 0
        for r in runs {
            let key = Self.runKey(r)
            let found = try await call(
                "runs/search",
                ["experiment_ids": [exp], "filter": "tags.`patroliq.run_key` = '\(key)'", "max_results": 1])
            if let list = found["runs"] as? [Any], !list.isEmpty {
                skipped += 1
                continue
            }
            let startMS = Int64(
                (ISO8601DateFormatter().date(from: r.createdAt) ?? Date()).timeIntervalSince1970 * 1000)
            let created = try await call(
                "runs/create",
                [
                    "experiment_id": exp, "start_time": startMS, "run_name": "patroliq-run-\(r.id)",
                    "tags": [
                        ["key": "patroliq.run_key", "value": key],
                        ["key": "patroliq.run_id", "value": String(r.id)],
                        ["key": "patroliq.fingerprint", "value": r.fingerprint],
                        ["key": "patroliq.algorithms", "value": r.algorithms.joined(separator: ",")],
                        ["key": "patroliq.kind", "value": r.kind.rawValue],
                    ],
                ])
            guard let run = created["run"] as? [String: Any], let rinfo = run["info"] as? [String: Any],
                let runID = rinfo["run_id"] as? String
            else { throw Failure(description: "MLflow did not return a run id") }
            let more = try details(r)
            var params = r.params.map { ["key": $0.key, "value": $0.value] }
            params.append(["key": "rows", "value": String(r.rows)])
            var metrics = r.metrics.filter { $0.value.isFinite }.map {
                ["key": $0.key, "value": $0.value, "timestamp": startMS, "step": 0] as [String: Any]
            }
            metrics.append([
                "key": "duration_s", "value": r.durationSeconds, "timestamp": startMS, "step": 0,
            ])
            metrics += more.stepMetrics.map {
                ["key": $0.key, "value": $0.value, "timestamp": startMS, "step": $0.step] as [String: Any]
            }
            // log-batch takes at most 1 000 metrics and 100 params per call.
            for first in stride(from: 0, to: max(metrics.count, params.count), by: 100) {
                _ = try await call(
                    "runs/log-batch",
                    [
                        "run_id": runID,
                        "params": Array(params[min(first, params.count)..<min(first + 100, params.count)]),
                        "metrics": Array(metrics[min(first, metrics.count)..<min(first + 100, metrics.count)]),
                    ])
            }
            if !more.artifacts.isEmpty {
                try await upload(more.artifacts, artifactURI: rinfo["artifact_uri"] as? String)
            }
            _ = try await call(
                "runs/update",
                [
                    "run_id": runID, "status": "FINISHED",
                    "end_time": startMS + Int64(r.durationSeconds * 1000),
                ])
            exported += 1
        }
        return (exported, skipped)
    }

    /// Uploads through the tracking server's artifact proxy (`mlflow server`'s default), which a run's
    /// `mlflow-artifacts:/…` URI names; other artifact stores are the client's to reach, so they fail.
    func upload(_ files: [(path: String, data: Data)], artifactURI: String?) async throws {
        guard let uri = artifactURI, uri.hasPrefix("mlflow-artifacts:") else {
            throw Failure(
                description:
                    "MLflow's artifact store (\(artifactURI ?? "none")) is not served by the tracking server; start it with --serve-artifacts"
            )
        }
        var rest = String(uri.dropFirst("mlflow-artifacts:".count))
        while rest.hasPrefix("/") { rest.removeFirst() }
        for f in files {
            let url = root + "/api/2.0/mlflow-artifacts/artifacts/" + rest + "/" + f.path
            let answer: (status: Int, body: Data)
            do {
                answer = try await transport.send(
                    method: "PUT", url: url, body: f.data, contentType: "application/octet-stream")
            } catch {
                throw Failure(description: "MLflow at \(base.absoluteString): \(Self.reason(error))")
            }
            guard (200..<300).contains(answer.status) else {
                throw Failure(description: "MLflow artifact upload of \(f.path): HTTP \(answer.status)")
            }
        }
    }

    /// The experiment's id, created when missing. The first call also tells whether the server is an
    /// MLflow tracking server at all: anything but MLflow's own answers is said plainly.
    func experimentID() async throws -> String {
        let path =
            "experiments/get-by-name?experiment_name="
            + (experiment.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? experiment)
        let answer = try await send(path, nil)
        let obj = (try? JSONSerialization.jsonObject(with: answer.body) as? [String: Any]) ?? [:]
        if answer.status == 200, let e = obj["experiment"] as? [String: Any], let id = e["experiment_id"] as? String {
            return id
        }
        guard answer.status == 404, obj["error_code"] as? String == "RESOURCE_DOES_NOT_EXIST" else {
            throw Failure(
                description:
                    "\(base.absoluteString) is not an MLflow tracking server (HTTP \(answer.status) on /api/2.0/mlflow/experiments/get-by-name)"
            )
        }
        let made = try await call("experiments/create", ["name": experiment])
        guard let id = made["experiment_id"] as? String else {
            throw Failure(description: "MLflow did not create the experiment")
        }
        return id
    }

    var root: String { base.absoluteString.trimmingCharacters(in: CharacterSet(charactersIn: "/")) }

    /// One REST call, its status and body as they came.
    func send(_ path: String, _ body: [String: Any]?) async throws -> (status: Int, body: Data) {
        do {
            return try await transport.send(
                method: body == nil ? "GET" : "POST", url: root + "/api/2.0/mlflow/" + path,
                body: try body.map { try JSONSerialization.data(withJSONObject: $0) }, contentType: "application/json")
        } catch {
            throw Failure(description: "MLflow at \(base.absoluteString): \(Self.reason(error))")
        }
    }

    /// One REST call; POST with a JSON body, or GET when `body` is nil. Errors unless 2xx.
    func call(_ path: String, _ body: [String: Any]?) async throws -> [String: Any] {
        let answer = try await send(path, body)
        let obj = (try? JSONSerialization.jsonObject(with: answer.body) as? [String: Any]) ?? [:]
        guard (200..<300).contains(answer.status) else {
            throw Failure(
                description: "MLflow \(path): HTTP \(answer.status) \(obj["message"] as? String ?? "")")
        }
        return obj
    }

    /// A transport error in a few words: a refused connection or a TLS mismatch, not a library dump.
    static func reason(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("connect") || text.contains("ECONNREFUSED") || text.contains("refused") {
            return "cannot connect (nothing listening?)"
        }
        if text.contains("SSL") || text.contains("TLS") || text.contains("handshake") {
            return "TLS handshake failed (is it an http:// server?)"
        }
        if text.contains("deadline") || text.contains("timeout") || text.contains("Timeout") {
            return "no answer within the time limit"
        }
        return text.count > 120 ? String(text.prefix(120)) + "…" : text
    }
}
