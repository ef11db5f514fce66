import Foundation

/// What a run analysed: clusters, significant hot spots, or a predictive backtest.
public enum RunKind: String, Codable, Sendable, CaseIterable {
    case cluster, hotspots, backtest
}

/// The record of one run (`cluster`, `hotspots` or `backtest`).
public struct RunRecord: Codable, Sendable, Equatable {
    public var id: Int
    public var kind: RunKind = .cluster
    public var createdAt: String
    public var fingerprint: String
    public var rows: Int
    public var algorithms: [String]
    public var params: [String: String]
    public var metrics: [String: Double]
    public var durationSeconds: Double
    public var notes: [String]

    enum CodingKeys: String, CodingKey {
        case id, kind, fingerprint, rows, algorithms, params, metrics, notes
        case createdAt = "created_at"
        case durationSeconds = "duration_s"
    }
}

/// Cluster runs inside the workspace: records, per-incident labels, cluster summaries, artifacts.
/// A run is written in one transaction, so it is there whole or not at all.
public struct RunStore {
    let db: SQLiteDatabase

    public init(_ workspace: Workspace) { db = workspace.db }

    static let schema = """
        CREATE TABLE IF NOT EXISTS runs(
            id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, fingerprint TEXT NOT NULL, rows INTEGER NOT NULL,
            algorithms TEXT NOT NULL, params TEXT NOT NULL, metrics TEXT NOT NULL, duration REAL NOT NULL,
            notes TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS run_labels(
            run_id INTEGER NOT NULL, algorithm TEXT NOT NULL, labels BLOB NOT NULL, PRIMARY KEY(run_id, algorithm));
        CREATE TABLE IF NOT EXISTS run_clusters(
            run_id INTEGER NOT NULL, algorithm TEXT NOT NULL, cluster INTEGER NOT NULL, summary TEXT NOT NULL,
            PRIMARY KEY(run_id, algorithm, cluster));
        CREATE TABLE IF NOT EXISTS run_artifacts(
            run_id INTEGER NOT NULL, name TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY(run_id, name));
        """

    /// Creates the tables, and adds the `kind` column to a workspace written before runs had kinds
    /// (its runs are cluster runs).
    func migrate() throws {
        try db.execute(Self.schema)
        if try !hasKindColumn() {
            try db.execute("ALTER TABLE runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'cluster'")
        }
    }

    private func hasKindColumn() throws -> Bool {
        let s = try db.prepare("PRAGMA table_info(runs)")
        while try s.step() { if s.string(1) == "kind" { return true } }
        return false
    }

    /// Stores a `hotspots` or `backtest` run: its record and its artifacts (JSON documents), at once.
    public func save(
        kind: RunKind, info: WorkspaceInfo, rows: Int, methods: [String], params: [String: String],
        metrics: [String: Double], artifacts: [String: Data], notes: [String] = [], duration: Double
    ) throws -> RunRecord {
        try migrate()
        return try db.transaction {
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            let s = try db.prepare(
                "INSERT INTO runs(created_at, fingerprint, rows, algorithms, params, metrics, duration, notes, kind) VALUES(?,?,?,?,?,?,?,?,?)"
            )
            let created = ISO8601DateFormatter().string(from: Date())
            try s.bind(1, created)
            try s.bind(2, info.fingerprint)
            try s.bind(3, rows)
            try s.bind(4, methods.joined(separator: ","))
            try s.bind(5, String(decoding: try enc.encode(params), as: UTF8.self))
            try s.bind(6, String(decoding: try enc.encode(metrics.filter { $0.value.isFinite }), as: UTF8.self))
            try s.bind(7, duration)
            try s.bind(8, String(decoding: try enc.encode(notes), as: UTF8.self))
            try s.bind(9, kind.rawValue)
            try s.step()
            let id = Int(sqlite3LastInsertRowID())
            try insertArtifacts(artifacts, run: id)
            return RunRecord(
                id: id, kind: kind, createdAt: created, fingerprint: info.fingerprint, rows: rows,
                algorithms: methods, params: params, metrics: metrics.filter { $0.value.isFinite },
                durationSeconds: duration, notes: notes)
        }
    }

    /// Stores a run; returns its record.
    public func save(
        _ out: ClusterOutput, info: WorkspaceInfo, options: ClusterOptions, duration: Double
    ) throws -> RunRecord {
        try migrate()
        return try db.transaction {
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            let algorithms = options.algorithms.map(\.rawValue)
            let s = try db.prepare(
                "INSERT INTO runs(created_at, fingerprint, rows, algorithms, params, metrics, duration, notes) VALUES(?,?,?,?,?,?,?,?)"
            )
            let created = ISO8601DateFormatter().string(from: Date())
            try s.bind(1, created)
            try s.bind(2, info.fingerprint)
            try s.bind(3, info.rowCount)
            try s.bind(4, algorithms.joined(separator: ","))
            try s.bind(5, String(decoding: try enc.encode(options.params), as: UTF8.self))
            try s.bind(6, String(decoding: try enc.encode(out.metrics), as: UTF8.self))
            try s.bind(7, duration)
            try s.bind(8, String(decoding: try enc.encode(out.notes), as: UTF8.self))
            try s.step()
            let id = Int(sqlite3LastInsertRowID())
            let l = try db.prepare("INSERT INTO run_labels(run_id, algorithm, labels) VALUES(?,?,?)")
            for (name, labels) in out.labels.sorted(by: { $0.key < $1.key }) {
                try l.bind(1, id)
                try l.bind(2, name)
                try labels.withUnsafeBytes { try l.bind(3, blob: $0) }
                try l.step()
                l.reset()
            }
            let c = try db.prepare(
                "INSERT INTO run_clusters(run_id, algorithm, cluster, summary) VALUES(?,?,?,?)")
            for (name, sums) in out.summaries.sorted(by: { $0.key < $1.key }) {
                for sm in sums {
                    try c.bind(1, id)
                    try c.bind(2, name)
                    try c.bind(3, sm.cluster)
                    try c.bind(4, String(decoding: try enc.encode(sm), as: UTF8.self))
                    try c.step()
                    c.reset()
                }
            }
            try insertArtifacts(out.artifacts, run: id)
            return RunRecord(
                id: id, createdAt: created, fingerprint: info.fingerprint, rows: info.rowCount,
                algorithms: algorithms,
                params: options.params, metrics: out.metrics, durationSeconds: duration, notes: out.notes)
        }
    }

    /// Writes a run's artifacts (inside the caller's transaction).
    private func insertArtifacts(_ artifacts: [String: Data], run id: Int) throws {
        let a = try db.prepare("INSERT INTO run_artifacts(run_id, name, data) VALUES(?,?,?)")
        for (name, data) in artifacts.sorted(by: { $0.key < $1.key }) {
            try a.bind(1, id)
            try a.bind(2, name)
            try a.bind(3, blob: [UInt8](data))
            try a.step()
            a.reset()
        }
    }

    private func sqlite3LastInsertRowID() -> Int64 {
        (try? db.prepare("SELECT last_insert_rowid()")).flatMap { s in
            (try? s.step()) == true ? s.int64(0) : nil
        } ?? 0
    }

    public var hasRuns: Bool { (try? db.tableExists("runs")) ?? false }

    /// Runs oldest first, of one kind or all.
    public func list(kind: RunKind? = nil) throws -> [RunRecord] {
        guard hasRuns else { return [] }
        // Read-only readers (the server) cannot migrate: runs without a kind are cluster runs.
        let kindColumn = try hasKindColumn() ? "kind" : "'cluster'"
        let s = try db.prepare(
            "SELECT id, created_at, fingerprint, rows, algorithms, params, metrics, duration, notes, \(kindColumn) FROM runs ORDER BY id"
        )
        var out: [RunRecord] = []
        let dec = JSONDecoder()
        while try s.step() {
            out.append(
                RunRecord(
                    id: s.int(0), createdAt: s.string(1), fingerprint: s.string(2), rows: s.int(3),
                    algorithms: s.string(4).split(separator: ",").map(String.init),
                    params: (try? dec.decode([String: String].self, from: Data(s.string(5).utf8))) ?? [:],
                    metrics: (try? dec.decode([String: Double].self, from: Data(s.string(6).utf8))) ?? [:],
                    durationSeconds: s.double(7),
                    notes: (try? dec.decode([String].self, from: Data(s.string(8).utf8))) ?? []))
            out[out.count - 1].kind = RunKind(rawValue: s.string(9)) ?? .cluster
        }
        return kind.map { k in out.filter { $0.kind == k } } ?? out
    }

    /// The run with `id` (of `kind` when given), or the latest of `kind` when nil.
    public func run(_ id: Int?, kind: RunKind? = .cluster, path: String) throws -> RunRecord {
        let all = try list(kind: kind)
        let what = kind.map { "\($0.rawValue) runs" } ?? "runs"
        guard !all.isEmpty else {
            throw InputError(
                file: path, "workspace has no \(what); run 'patroliq \(kind?.rawValue ?? "cluster")' first")
        }
        guard let id else { return all[all.count - 1] }
        guard let r = all.first(where: { $0.id == id }) else {
            throw InputError(
                file: path,
                "no \(what.dropLast()) \(id) (\(what): \(all.map { String($0.id) }.joined(separator: ", ")))")
        }
        return r
    }

    public func labels(run: Int) throws -> [String: [Int32]] {
        let s = try db.prepare(
            "SELECT algorithm, labels FROM run_labels WHERE run_id = ? ORDER BY algorithm")
        try s.bind(1, run)
        var out: [String: [Int32]] = [:]
        while try s.step() { out[s.string(0)] = s.blobArray(1, of: Int32.self) }
        return out
    }

    /// One algorithm's labels of a run (nil when it has none): a run's labels are 4 bytes per incident
    /// per algorithm, 126 MB for the default algorithms on 8 M rows, so callers after one load one.
    public func labels(run: Int, algorithm: String) throws -> [Int32]? {
        let s = try db.prepare("SELECT labels FROM run_labels WHERE run_id = ? AND algorithm = ?")
        try s.bind(1, run)
        try s.bind(2, algorithm)
        return try s.step() ? s.blobArray(0, of: Int32.self) : nil
    }

    public func summaries(run: Int) throws -> [String: [ClusterSummary]] {
        let s = try db.prepare(
            "SELECT algorithm, summary FROM run_clusters WHERE run_id = ? ORDER BY algorithm, cluster")
        try s.bind(1, run)
        var out: [String: [ClusterSummary]] = [:]
        let dec = JSONDecoder()
        while try s.step() {
            if let v = try? dec.decode(ClusterSummary.self, from: Data(s.string(1).utf8)) {
                out[s.string(0), default: []].append(v)
            }
        }
        return out
    }

    public func artifact(run: Int, name: String) throws -> Data? {
        let s = try db.prepare("SELECT data FROM run_artifacts WHERE run_id = ? AND name = ?")
        try s.bind(1, run)
        try s.bind(2, name)
        return try s.step() ? Data(s.blob(0)) : nil
    }
}
