import ArgumentParser
import Foundation
import PatrolIQCore

struct Ingest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Read a crime CSV (or .csv.gz) into a workspace: validate, derive features, report quality.",
        discussion: """
            The City of Chicago "Crimes - 2001 to Present" header is recognised; any other incident CSV is \
            read with --map. Every row read is kept, rejected with a reason, or excluded by a filter, and \
            the quality report says which, with line numbers. The workspace is written beside the old \
            one and renamed into place, so a failed ingest leaves the previous workspace intact; the one \
            it replaces is kept as WORKSPACE.previous until the next ingest.
            """)

    @Argument(help: "The CSV file (plain or gzip).")
    var file: String

    @OptionGroup var ws: WorkspaceOptions

    @Option(
        help: ArgumentHelp(
            "Column mapping for non-Chicago files, FIELD=COLUMN pairs separated by commas.",
            discussion:
                "Fields: \(IncidentField.mappable). Example: --map latitude=GEO_LAT,longitude=GEO_LON,time=FIRST_OCCURRENCE_DATE,type=OFFENSE_CATEGORY_ID; with the time of day in its own column: --map date=CrimeDate,time_of_day=CrimeTime (both are also found from their values).",
            valueName: "mapping"))
    var map: String?

    @Option(
        help:
            "Layout of the time column in strftime notation, e.g. '%d.%m.%Y %H:%M'. Without it every value is read in any common US layout (month- or year-first, 12- or 24-hour, ISO 8601)."
    )
    var timeFormat: String?

    @Option(
        help:
            "Plausible extent minLon,minLat,maxLon,maxLat; rows outside are rejected (Chicago's by default)."
    )
    var extent: String?

    @Option(help: "Keep only the N most recent records (e.g. 500000 for the working sample).")
    var recent: Int?

    @Option(help: "Keep records on or after this date (YYYY-MM-DD).")
    var since: String?

    @Option(help: "Keep records before this date (YYYY-MM-DD).")
    var until: String?

    @Option(help: "Keep only these Primary Types, comma separated (case-insensitive).")
    var types: String?

    @Option(help: "Side of a grid cell in metres, for the cell feature.")
    var cellSize: Double = 500

    @Flag(
        inversion: .prefixedNo,
        help: ArgumentHelp(
            "Keep the workspace this ingest replaces as WORKSPACE.previous until the next ingest.",
            discussion:
                "Kept as a hard link: no copy, and the old file's disk space is freed in the background by the next ingest instead of while this one commits."
        ))
    var keepPrevious = true

    @Flag(
        help: ArgumentHelp(
            "Add the file to the existing workspace instead of replacing it (a day's update).",
            discussion:
                "New IDs are added at the end; IDs already present replace their row when the content differs (counted as updates). Read with the workspace's extent and grid; give the same --map/--time-format as the first ingest. One SQLite transaction: a failed or killed append leaves the workspace as it was. Then 'patroliq tiles --update' re-renders only the tiles the new incidents touch."
        ))
    var append = false

    @Flag(help: "Print the quality report as JSON on stdout.")
    var json = false

    @OptionGroup var progress: ProgressOptions

    func validate() throws {
        if let r = recent, r <= 0 { throw ValidationError("--recent must be positive") }
        guard cellSize > 0 else { throw ValidationError("--cell-size must be positive") }
        if append && (recent != nil || extent != nil) {
            throw ValidationError(
                "--append keeps the workspace's extent and every incident: drop --recent and --extent")
        }
    }

    func options() throws -> IngestOptions {
        var o = IngestOptions()
        if let map { o.mapping = try ColumnMapping.parse(map, file: file) }
        if let timeFormat {
            do { o.timeFormat = try TimestampFormat(timeFormat) } catch {
                throw ValidationError("--time-format: \(error)")
            }
        }
        if let extent {
            guard let e = GeoBounds(parsing: extent) else {
                throw ValidationError("--extent must be minLon,minLat,maxLon,maxLat with min < max")
            }
            o.extent = e
        }
        let day = TimestampFormat.isoDate
        if let since {
            guard let t = day.parse(since) else { throw ValidationError("--since must be YYYY-MM-DD") }
            o.since = t
        }
        if let until {
            guard let t = day.parse(until) else { throw ValidationError("--until must be YYYY-MM-DD") }
            o.until = t
        }
        if let types {
            o.types = Set(
                types.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() })
        }
        o.recent = recent
        o.cellSize = cellSize
        o.keepPrevious = keepPrevious
        return o
    }

    func run() throws {
        if append { return try runAppend() }
        let p = ProgressLine("ingest", enabled: progress.enabled)
        let r = try PatrolIQCore.Ingest.run(file: file, workspace: ws.workspace, options: options()) {
            p.update(count: $0, done: $1, total: $2)
        }
        p.finish()
        if json {
            try printJSON(r.report)
            return
        }
        print(r.report.text, terminator: "")
        let rate = Double(r.report.rowsRead) / max(r.seconds, 1e-9)
        print(
            "wrote \(ws.workspace): \(r.report.rowsKept) incidents in \(String(format: "%.2f", r.seconds)) s (\(Int(rate)) rows/s)"
        )
    }

    func runAppend() throws {
        let p = ProgressLine("append", enabled: progress.enabled)
        let r = try PatrolIQCore.Ingest.append(file: file, workspace: ws.workspace, options: options()) {
            p.update(count: $0, done: $1, total: $2)
        }
        p.finish()
        if json {
            try printJSON(r.record)
            return
        }
        let a = r.record
        print(
            "appended \(a.file) to \(ws.workspace): \(a.rowsRead) rows read, \(a.added) new incidents, \(a.updated) updates (IDs already present, other content), \(a.unchanged) unchanged, \(a.rejected) rejected; \(r.info.rowCount) incidents in \(String(format: "%.2f", r.seconds)) s"
        )
        if a.rejected > 0 { print(r.report.text, terminator: "") }
    }
}
