import ArgumentParser
import Foundation
import PatrolIQCore

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Totals, counts by type, hour, weekday, month and district, arrest and domestic rates.")

    @OptionGroup var ws: WorkspaceOptions
    @OptionGroup var filterOptions: FilterOptions

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        let f = try filterOptions.filter()
        let w = try Workspace(path: ws.workspace)
        let stats = try IncidentStatistics.filtered(w, f)
        if json {
            try printJSON(stats)
        } else {
            print(stats.text, terminator: "")
            if f.isEmpty, let q = try w.qualityReport() { print("\nquality: " + q.text, terminator: "") }
            if !f.isEmpty { print("filter: \(f.normalized)") }
        }
    }
}
