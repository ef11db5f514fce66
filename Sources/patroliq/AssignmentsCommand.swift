import ArgumentParser
import Foundation
import PatrolIQCore

struct Assignments: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write each incident's cluster labels as CSV, to join back in QGIS or a spreadsheet.",
        discussion:
            "Columns: ID, Latitude, Longitude, then one label column per algorithm of the run (−1 is DBSCAN noise)."
    )

    @OptionGroup var ws: WorkspaceOptions
    @Option(name: .customLong("run"), help: "Run id (the latest when omitted).") var runID: Int?
    @Option(help: "Output CSV path.") var out: String = "labels.csv"

    func run() throws {
        let w = try Workspace(path: ws.workspace)
        let store = RunStore(w)
        let r = try store.run(runID, path: ws.workspace)
        let labels = try store.labels(run: r.id)
        let t = try w.incidents(columns: ["id", "latitude", "longitude"])
        let names = labels.keys.sorted()
        for n in names where labels[n]!.count != t.count {
            throw InputError(
                file: ws.workspace, "run \(r.id) labels '\(n)' do not match the incidents; re-run cluster")
        }
        let tmp = TemporaryFile.beside(out)
        guard FileManager.default.createFile(atPath: tmp, contents: nil),
            let h = FileHandle(forWritingAtPath: tmp)
        else {
            throw InputError(file: out, "cannot write")
        }
        var buf = "ID,Latitude,Longitude," + names.map { "\($0)_label" }.joined(separator: ",") + "\n"
        for i in 0..<t.count {
            var id = t.id[i]
            if id.contains(",") || id.contains("\"") {
                id = "\"" + id.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }
            buf += "\(id),\(t.latitude[i]),\(t.longitude[i])"
            for n in names { buf += ",\(labels[n]![i])" }
            buf += "\n"
            if buf.utf8.count > 1 << 20 {
                h.write(Data(buf.utf8))
                buf = ""
            }
        }
        h.write(Data(buf.utf8))
        try h.close()
        guard rename(tmp, out) == 0 else {
            unlink(tmp)
            throw RuntimeError(file: out, "cannot write: \(String(cString: strerror(errno)))")
        }
        print(
            "wrote \(out): \(t.count) incidents, labels \(names.joined(separator: ", ")) of run \(r.id)")
    }
}
