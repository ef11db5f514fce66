import Foundation

/// Moves one MLflow REST call: sends `json` (a GET when nil) to `url` and returns the status and body.
/// The exporter builds the calls and reads the answers; the command-line tool supplies a transport
/// over AsyncHTTPClient, and tests a scripted one.
public protocol MLflowTransport {
    func send(method: String, url: String, json: Data?) throws -> (status: Int, body: Data)
}

/// Mirrors cluster runs to an MLflow tracking server through its REST API (2.0): one MLflow run per
/// PatrolIQ run, with its parameters, metrics and tags. Runs already mirrored (tag `patroliq.run_id`)
/// are skipped, so exporting twice is harmless.
public struct MLflowExporter {
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

    /// Exports `runs`; returns (exported, skipped).
    public func export(_ runs: [RunRecord]) throws -> (Int, Int) {
        let exp = try experimentID()
        var exported = 0
        var skipped = 0
        for r in runs {
            let found = try call(
                "runs/search",
                [
                    "experiment_ids": [exp],
                    "filter":
                        "tags.`patroliq.run_id` = '\(r.id)' and tags.`patroliq.fingerprint` = '\(r.fingerprint)'",
                    "max_results": 1,
                ])
            if let list = found["runs"] as? [Any], !list.isEmpty {
                skipped += 1
                continue
            }
            let startMS = Int64(
                (ISO8601DateFormatter().date(from: r.createdAt) ?? Date()).timeIntervalSince1970 * 1000)
            let created = try call(
                "runs/create",
                [
                    "experiment_id": exp, "start_time": startMS, "run_name": "patroliq-run-\(r.id)",
                    "tags": [
                        ["key": "patroliq.run_id", "value": String(r.id)],
                        ["key": "patroliq.fingerprint", "value": r.fingerprint],
                        ["key": "patroliq.algorithms", "value": r.algorithms.joined(separator: ",")],
                    ],
                ])
            guard let run = created["run"] as? [String: Any], let rinfo = run["info"] as? [String: Any],
                let runID = rinfo["run_id"] as? String
            else { throw Failure(description: "MLflow did not return a run id") }
            var params = r.params.map { ["key": $0.key, "value": $0.value] }
            params.append(["key": "rows", "value": String(r.rows)])
            var metrics = r.metrics.filter { $0.value.isFinite }.map {
                ["key": $0.key, "value": $0.value, "timestamp": startMS, "step": 0] as [String: Any]
            }
            metrics.append([
                "key": "duration_s", "value": r.durationSeconds, "timestamp": startMS, "step": 0,
            ])
            _ = try call("runs/log-batch", ["run_id": runID, "params": params, "metrics": metrics])
            _ = try call(
                "runs/update",
                [
                    "run_id": runID, "status": "FINISHED",
                    "end_time": startMS + Int64(r.durationSeconds * 1000),
                ])
            exported += 1
        }
        return (exported, skipped)
    }

    func experimentID() throws -> String {
        if let got = try? call(
            "experiments/get-by-name?experiment_name="
                + (experiment.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? experiment),
            nil),
            let e = got["experiment"] as? [String: Any], let id = e["experiment_id"] as? String
        {
            return id
        }
        let made = try call("experiments/create", ["name": experiment])
        guard let id = made["experiment_id"] as? String else {
            throw Failure(description: "MLflow did not create the experiment")
        }
        return id
    }

    /// One REST call; POST with a JSON body, or GET when `body` is nil.
    func call(_ path: String, _ body: [String: Any]?) throws -> [String: Any] {
        guard
            let url = URL(
                string: base.absoluteString.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
                    + "/api/2.0/mlflow/" + path)
        else { throw Failure(description: "bad MLflow URL for \(path)") }
        let answer: (status: Int, body: Data)
        do {
            answer = try transport.send(
                method: body == nil ? "GET" : "POST", url: url.absoluteString,
                json: try body.map { try JSONSerialization.data(withJSONObject: $0) })
        } catch {
            throw Failure(description: "MLflow at \(base.absoluteString): \(error)")
        }
        let obj = (try? JSONSerialization.jsonObject(with: answer.body) as? [String: Any]) ?? [:]
        guard (200..<300).contains(answer.status) else {
            throw Failure(
                description: "MLflow \(path): HTTP \(answer.status) \(obj["message"] as? String ?? "")")
        }
        return obj
    }
}
