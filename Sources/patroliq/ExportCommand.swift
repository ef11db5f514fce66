import ArgumentParser
import Foundation
import PatrolIQCore

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a run as RFC 7946 GeoJSON: cluster shapes, dense zones, hotspot contours, centroids.",
        discussion: """
            Files in --out: centroids.geojson, clusters_kmeans.geojson, clusters_ward.geojson, \
            dense_zones.geojson, hotspots.geojson and temporal.json; with --gpkg also one GeoPackage holding \
            every layer. Each file is written under a temporary name and renamed when complete.
            """)

    @OptionGroup var ws: WorkspaceOptions
    @Option(name: .customLong("run"), help: "Run id (the latest when omitted).") var runID: Int?
    @Option(help: "Output directory.") var out: String = "geojson"
    @Option(help: "Hotspot contours: Gaussian kernel sigma in metres.") var bandwidth: Double = 150
    @Option(help: "Hotspot contours: grid cell in metres.") var cell: Double = 25
    @Option(help: "Hotspot levels: shares of the occupied area, densest first (comma separated).")
    var levels: String = "0.01,0.05,0.10"
    @Option(help: "Share of a cluster's incidents its polygon holds.") var clusterShare: Double = 0.9
    @Option(help: "Also write all layers into one GeoPackage file (e.g. geojson/patroliq.gpkg) for QGIS.")
    var gpkg: String?

    func parsedLevels() throws -> [Double] {
        let v = levels.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !v.isEmpty, v.allSatisfy({ $0 != nil && $0! > 0 && $0! < 1 }) else {
            throw ValidationError("--levels must be shares between 0 and 1, e.g. 0.01,0.05,0.10")
        }
        return v.map { $0! }
    }

    func validate() throws {
        guard bandwidth > 0, cell > 0 else { throw ValidationError("--bandwidth and --cell must be positive") }
        guard clusterShare > 0, clusterShare < 1 else {
            throw ValidationError("--cluster-share must be between 0 and 1")
        }
        _ = try parsedLevels()
    }

    func run() throws {
        let start = Date()
        var o = ExportOptions()
        o.directory = out
        o.runID = runID
        o.bandwidth = bandwidth
        o.cell = cell
        o.levels = try parsedLevels()
        o.clusterShare = clusterShare
        o.geopackage = gpkg
        let w = try Workspace(path: ws.workspace)
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: out, isDirectory: &isDir), !isDir.boolValue {
            throw InputError(file: out, "exists and is not a directory")
        }
        let (id, files) = try GeoJSONExport.run(workspace: w, options: o)
        for f in files {
            print(
                "wrote \(f.path)" + (f.features > 0 || f.path.hasSuffix(".geojson") ? ": \(f.features) features" : ""))
        }
        print("exported run \(id) to \(out)/ in \(String(format: "%.2f", Date().timeIntervalSince(start))) s")
    }
}
