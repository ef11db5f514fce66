import Foundation

/// Options of `patroliq export`.
public struct ExportOptions: Sendable {
    public var directory = "geojson"
    public var runID: Int?
    /// Hotspot contours: Gaussian sigma (m), grid cell (m), and the shares of the occupied area whose
    /// densest part each level outlines.
    public var bandwidth = 150.0
    public var cell = 25.0
    public var levels: [Double] = [0.01, 0.05, 0.10]
    /// Share of a cluster's incidents its polygon holds (highest-density region).
    public var clusterShare = 0.9
    /// Also write every layer into this GeoPackage file.
    public var geopackage: String?
    public init() {}
}

/// One written file.
public struct ExportedFile: Sendable, Codable {
    public var path: String
    public var features: Int
}

/// Builds the GeoJSON layers of a run: cluster shapes, dense zones, hotspot contours, centroids, and
/// the temporal analysis as companion JSON.
public enum GeoJSONExport {
    public static func run(workspace w: Workspace, options o: ExportOptions) throws -> (
        runID: Int, files: [ExportedFile]
    ) {
        let store = RunStore(w)
        let run = try store.run(o.runID, path: w.path)
        let info = try w.info()
        let proj = info.projection
        // Positions only: every column of 8 M incidents would cost over a gigabyte.
        let t = try w.incidents(columns: ["x", "y"])
        let labels = try store.labels(run: run.id)
        for (name, l) in labels where l.count != t.count {
            throw InputError(
                file: w.path,
                "run \(run.id) labels \(l.count) incidents ('\(name)') but the workspace holds \(t.count) (appended since?): run 'patroliq cluster' again"
            )
        }
        let summaries = try store.summaries(run: run.id)
        let points = t.points
        var files: [ExportedFile] = []
        let dir = o.directory
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let gpkg = try o.geopackage.map { try GeoPackageWriter(path: $0) }

        // Centroids of every algorithm's clusters, with their statistics.
        let centroids = try LayerWriter(directory: dir, name: "centroids", gpkg: gpkg)
        for algo in summaries.keys.sorted() {
            for s in summaries[algo]! {
                try centroids.add(
                    id: "\(algo)-\(s.cluster)", geometry: .point(SIMD2(s.centroidLon, s.centroidLat)),
                    properties: [("algorithm", .string(algo)), ("run_id", .int(run.id))] + statistics(s))
            }
        }
        try centroids.finish()
        files.append(ExportedFile(path: centroids.path, features: centroids.count))

        // Cluster shapes: the region holding `clusterShare` of each cluster's incidents.
        for algo in ["kmeans", "ward"] {
            guard let l = labels[algo], let sums = summaries[algo] else { continue }
            let out = try LayerWriter(directory: dir, name: "clusters_\(algo)", gpkg: gpkg)
            var members = [[SIMD2<Double>]](repeating: [], count: sums.count)
            for (i, c) in l.enumerated() where c >= 0 && Int(c) < members.count { members[Int(c)].append(points[i]) }
            for s in sums {
                let pts = members[s.cluster]
                let bw = max(o.bandwidth, s.radiusMedian / 4)
                let grid = MetricDensityGrid.build(points: pts, cell: max(o.cell, bw / 3), bandwidth: bw)
                let level = grid.levelHolding(o.clusterShare, of: pts)
                let polys = grid.contours(level: level).compactMap { toLonLat($0, proj) }
                guard !polys.isEmpty else { continue }
                let area = polys.reduce(0) { $0 + $1.areaKm2 }
                try out.add(
                    id: "\(algo)-\(s.cluster)", geometry: .multiPolygon(polys.map(\.polygon)),
                    properties: [
                        ("algorithm", .string(algo)), ("run_id", .int(run.id)),
                        ("shape", .string("area holding \(Int(o.clusterShare * 100)) % of the cluster's incidents")),
                        ("area_km2", .number(area)), ("shape_bandwidth_m", .number(bw)),
                    ] + statistics(s))
            }
            try out.finish()
            files.append(ExportedFile(path: out.path, features: out.count))
        }

        // DBSCAN dense zones: a concave outline of each zone's incidents, with holes where it is empty.
        if let l = labels["dbscan"] {
            let eps = Double(run.params["dbscan.eps_m"] ?? "") ?? 150
            let out = try LayerWriter(directory: dir, name: "dense_zones", gpkg: gpkg)
            let sums = summaries["dbscan"] ?? []
            var members = [[SIMD2<Double>]](repeating: [], count: sums.count)
            for (i, c) in l.enumerated() where c >= 0 && Int(c) < members.count { members[Int(c)].append(points[i]) }
            for s in sums {
                let pts = members[s.cluster]
                let grid = MetricDensityGrid.build(points: pts, cell: eps / 4, bandwidth: eps / 2)
                // Half the thinnest density at any member: every incident of the zone lies inside.
                let level = (pts.map { grid.value(at: $0) }.min() ?? 0) * 0.5
                let polys = grid.contours(level: level).compactMap { toLonLat($0, proj) }
                guard !polys.isEmpty else { continue }
                try out.add(
                    id: "dbscan-\(s.cluster)", geometry: .multiPolygon(polys.map(\.polygon)),
                    properties: [
                        ("algorithm", .string("dbscan")), ("run_id", .int(run.id)), ("eps_m", .number(eps)),
                        ("area_km2", .number(polys.reduce(0) { $0 + $1.areaKm2 })),
                    ] + statistics(s))
            }
            try out.finish()
            files.append(ExportedFile(path: out.path, features: out.count))
        }

        // Hotspot contours over all incidents.
        let grid = MetricDensityGrid.build(points: points, cell: o.cell, bandwidth: o.bandwidth)
        let values = points.map { grid.value(at: $0) }
        let out = try LayerWriter(directory: dir, name: "hotspots", gpkg: gpkg)
        let cellKm2 = grid.cell * grid.cell / 1e6
        for share in o.levels.sorted() {
            let level = grid.levelOfTopCells(share)
            let name = "top \(JSONValue.format(share * 100)) %"
            let regions = grid.contours(level: level)
            // Incidents per region: points at or above the level, located by bounding box then polygon.
            var counts = [Int](repeating: 0, count: regions.count)
            let indexed = regions.map(IndexedPolygon.init)
            let boxes = regions.map { boundingBox($0.exterior) }
            for (i, p) in points.enumerated() where values[i] >= level {
                for (k, b) in boxes.enumerated() where p.x >= b.0.x && p.x <= b.1.x && p.y >= b.0.y && p.y <= b.1.y {
                    if indexed[k].contains(p) {
                        counts[k] += 1
                        break
                    }
                }
            }
            for (k, r) in regions.enumerated() {
                guard let ll = toLonLat(r, proj) else { continue }
                try out.add(
                    id: "hotspot-top\(JSONValue.format(share * 100))-\(k)", geometry: .polygon(ll.polygon),
                    properties: [
                        ("level", .string(name)), ("level_share", .number(share)),
                        ("threshold_per_km2", .number(Double(level) / cellKm2)), ("area_km2", .number(ll.areaKm2)),
                        ("incidents", .int(counts[k])), ("bandwidth_m", .number(o.bandwidth)), ("run_id", .int(run.id)),
                    ])
            }
        }
        try out.finish()
        files.append(ExportedFile(path: out.path, features: out.count))

        if let gpkg {
            try gpkg.commit()
            files.append(ExportedFile(path: gpkg.path, features: gpkg.layerCounts.values.reduce(0, +)))
        }

        // Temporal patterns, high-risk slots and type profiles for the dashboard.
        if let data = try store.artifact(run: run.id, name: "temporal") {
            let path = dir + "/temporal.json"
            try GridExport.write(String(decoding: data, as: UTF8.self), to: path)
            files.append(ExportedFile(path: path, features: 0))
        }
        return (run.id, files)
    }

    static func statistics(_ s: ClusterSummary) -> [(String, JSONValue)] {
        [
            ("cluster", .int(s.cluster)), ("count", .int(s.count)), ("share", .number(s.share)),
            ("radius_median_m", .number(s.radiusMedian)), ("radius_p90_m", .number(s.radiusP90)),
            ("top_types", .array(s.topTypes.map { .object([("type", .string($0.type)), ("count", .int($0.count))]) })),
            ("arrest_rate", .number(s.arrestRate)), ("domestic_rate", .number(s.domesticRate)),
            ("mean_severity", .number(s.meanSeverity)), ("peak_hour", .int(s.peakHour)),
            ("peak_weekday", .string(TimeFeatures.weekdayNames[s.peakWeekday])),
            ("centroid_lon", .number(s.centroidLon)), ("centroid_lat", .number(s.centroidLat)),
        ]
    }

    /// A polygon in degrees, rounded to the 6 decimals the file keeps, with its ground area.
    public struct LonLatPolygon {
        public var polygon: Polygon
        public var areaKm2: Double
    }

    /// Unprojects, rounds to 1e-6° and re-validates: rings that rounding collapses or turns are dropped.
    static func toLonLat(_ p: Polygon, _ proj: LocalProjection) -> LonLatPolygon? {
        func convert(_ r: Ring) -> Ring? {
            PolygonMath.cleaned(
                r.map { q in
                    let ll = proj.unproject(q)
                    return SIMD2((ll.lon * 1e6).rounded() / 1e6, (ll.lat * 1e6).rounded() / 1e6)
                })
        }
        guard let ext = convert(p.exterior), PolygonMath.signedArea(ext) > 0 else { return nil }
        let holes = p.holes.compactMap(convert).filter { PolygonMath.signedArea($0) < 0 }
        return LonLatPolygon(polygon: Polygon(exterior: ext, holes: holes), areaKm2: p.area / 1e6)
    }
}
