import ArgumentParser
import Foundation
import PatrolIQCore

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Totals, counts by type, hour, weekday, month and district, arrest and domestic rates.")

    @OptionGroup var ws: WorkspaceOptions

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        let w = try Workspace(path: ws.workspace)
        let cols: Set<String> = [
            "time", "type", "arrest", "domestic", "hour", "weekday", "month", "district", "severity",
        ]
        let stats = IncidentStatistics(
            try w.incidents(columns: cols), dictionaries: try w.dictionaries())
        if json {
            try printJSON(stats)
        } else {
            print(stats.text, terminator: "")
            if let q = try w.qualityReport() { print("\nquality: " + q.text, terminator: "") }
        }
    }
}
