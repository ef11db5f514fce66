import ArgumentParser
import Foundation
import PatrolIQCore

@main
struct PatrolIQ: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patroliq",
        abstract:
            "Crime-hotspot analysis: ingest incidents, cluster, render heatmap tiles, export GeoJSON, serve.",
        discussion: """
            Stages run in order and each reads the previous one's store:
              generate → ingest → stats → cluster → tiles → export → serve
            (runs and assignments read the cluster runs). Where to patrol next: hotspots (Gi*), \
            backtest (which method predicts), plan (areas for one shift).
            Exit codes: 0 success, 1 runtime failure, 2 bad usage or bad input.
            """,
        subcommands: [
            Generate.self, Ingest.self, Stats.self, Cluster.self, Runs.self, Assignments.self, Tiles.self, Export.self,
            Serve.self, Users.self, Hotspots.self, BacktestCommand.self, PlanCommand.self,
        ])

    /// Parses and runs, mapping errors to the project's exit codes: usage and input errors exit 2
    /// with one line on stderr, runtime failures exit 1.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var async = command as? any AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
        } catch let e as InputError {
            fail(e.description, code: 2)
        } catch let e as RuntimeError {
            fail(e.description, code: 1)
        } catch let e as SQLiteError {
            fail(e.description, code: 1)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                exit(withError: error)  // --help, --version
            }
            if code.rawValue == ExitCode.validationFailure.rawValue {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            if error is ExitCode { Foundation.exit(code.rawValue) }
            fail(fullMessage(for: error), code: 1)
        }
    }

    static func fail(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("patroliq: error: \(message)\n".utf8))
        Foundation.exit(code)
    }
}

/// Options every stage that reads or writes the workspace shares.
struct WorkspaceOptions: ParsableArguments {
    @Option(help: "The workspace database (SQLite) that stages read and write.")
    var workspace: String = "workspace.sqlite"
}

/// Progress lines on stderr: on a terminal, or always with `--progress`.
struct ProgressOptions: ParsableArguments {
    @Flag(help: "Show progress on stderr even when it is not a terminal.")
    var progress = false

    var enabled: Bool { progress || isatty(2) == 1 }
}

/// Rate-limited progress printer for long jobs.
final class ProgressLine: @unchecked Sendable {
    let enabled: Bool
    let label: String
    let start = Date()
    var last = Date.distantPast
    let tty = isatty(2) == 1

    init(_ label: String, enabled: Bool) {
        self.label = label
        self.enabled = enabled
    }

    /// `done` of `total` units (bytes or rows), with `count` items processed so far.
    func update(count: Int, done: Int, total: Int, unit: String = "rows") {
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(last) >= 0.5 || done >= total else { return }
        last = now
        let el = now.timeIntervalSince(start)
        let rate = el > 0 ? Double(count) / el : 0
        var s = "\(label): \(count) \(unit), \(Int(rate)) \(unit)/s"
        if total > 0 {
            let f = min(Double(done) / Double(total), 1)
            s += String(format: ", %.0f%%", f * 100)
            if f > 0.01 && f < 1 { s += String(format: ", ETA %.0f s", el * (1 - f) / f) }
        }
        FileHandle.standardError.write(Data(((tty ? "\r\u{1B}[K" : "") + s + (tty ? "" : "\n")).utf8))
    }

    func finish() {
        if enabled && tty { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

func printJSON<T: Encodable>(_ v: T) throws {
    let enc = JSONEncoder()
    enc.outputFormatting = [.prettyPrinted, .sortedKeys]
    print(String(decoding: try enc.encode(v), as: UTF8.self))
}

/// Which incidents an analysis counts: the same options, with the same meaning, on every command.
struct FilterOptions: ParsableArguments {
    @Option(help: "Primary Types to count, comma separated (all when omitted).") var types: String?
    @Option(help: "First day counted, YYYY-MM-DD.") var since: String?
    @Option(help: "Day after the last one counted, YYYY-MM-DD.") var until: String?
    @Option(
        help:
            "Hours of the day, START-END with the end excluded (22-4 is 22:00–03:59 and counts for the day it starts)."
    ) var hours: String?
    @Option(help: "Weekdays: mon,tue,…, weekend or weekdays.") var days: String?
    @Option(
        name: .customLong("filter"),
        help: ArgumentHelp(
            "Any filter as name=value pairs joined by & (the URL parameters' names and forms).",
            discussion:
                "Names: \(IncidentFilter.parameters.map { "\($0.name) (\($0.form))" }.joined(separator: "; ")). "
                + "Options given separately take precedence.")) var filterText: String?

    /// The filter, or a usage error naming the option and the form it takes.
    func filter() throws -> IncidentFilter {
        var f = IncidentFilter()
        do {
            if let filterText { f = try IncidentFilter(text: filterText) }
            if let types { f.types = IncidentFilter.parseTypes(types) }
            if let since { f.since = try IncidentFilter.parseDate(since, "since") }
            if let until { f.until = try IncidentFilter.parseDate(until, "until") }
            if let hours { try f.setHours(hours) }
            if let days { f.days = try IncidentFilter.parseDays(days) }
        } catch let e as IncidentFilter.Invalid {
            throw ValidationError("--\(e.description)")
        }
        return f
    }

    /// The rows of the workspace's incidents `t` that pass `f` (parsed once by `filter()`); an unknown
    /// type is an input error naming it.
    static func rows(_ f: IncidentFilter, _ t: IncidentTable, of w: Workspace) throws -> [Bool] {
        do {
            return try f.rows(t, typeNames: try w.dictionaries().type)
        } catch let e as IncidentFilter.Invalid {
            throw InputError(file: w.path, field: e.parameter, e.message)
        }
    }

    /// The options given, as stored with a run (`types=…; hours=…`).
    var summary: String {
        ([
            ("filter", filterText), ("types", types), ("since", since), ("until", until), ("hours", hours),
            ("days", days),
        ]
            as [(String, String?)]).compactMap { k, v in v.map { "\(k)=\($0)" } }.joined(separator: "; ")
    }
}
