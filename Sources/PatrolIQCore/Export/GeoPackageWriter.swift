import Foundation

/// One OGC GeoPackage 1.3 file (SQLite) holding every exported layer as a feature table in WGS 84,
/// for QGIS users who prefer one file to five. Written to a temporary file and renamed by `commit`.
public final class GeoPackageWriter {
    public let path: String
    let tmp: String
    let db: SQLiteDatabase
    private var committed = false
    private var tables: [String: Table] = [:]

    final class Table {
        let name: String
        let columns: [(String, String)]  // name, SQL type
        let insert: SQLiteStatement
        var count = 0
        var bbox = (minX: Double.infinity, minY: Double.infinity, maxX: -Double.infinity, maxY: -Double.infinity)
        init(name: String, columns: [(String, String)], insert: SQLiteStatement) {
            self.name = name
            self.columns = columns
            self.insert = insert
        }
    }

    public init(path: String) throws {
        self.path = path
        tmp = TemporaryFile.beside(path)
        try? FileManager.default.removeItem(atPath: tmp)
        guard FileManager.default.createFile(atPath: tmp, contents: nil) else {
            throw InputError(file: path, "cannot write (directory missing or not writable)")
        }
        db = try SQLiteDatabase(path: tmp)
        try db.execute(
            """
            PRAGMA application_id = 1196444487;
            PRAGMA user_version = 10300;
            CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
                organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL,
                description TEXT);
            INSERT INTO gpkg_spatial_ref_sys VALUES
                ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
                ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system'),
                ('WGS 84 geodetic', 4326, 'EPSG', 4326, 'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]', 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid');
            CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,
                identifier TEXT UNIQUE, description TEXT DEFAULT '',
                last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
                min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
                CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
            CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
                geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
                CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
                CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
                CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
            BEGIN;
            """)
    }

    deinit {
        if !committed { try? FileManager.default.removeItem(atPath: tmp) }
    }

    /// Adds a feature to layer `layer`; the first feature fixes the layer's columns and geometry type.
    func add(layer: String, geometry: Geometry, properties: [(String, JSONValue)]) throws {
        let table: Table
        if let t = tables[layer] {
            table = t
        } else {
            table = try createTable(layer, geometry: geometry, properties: properties)
            tables[layer] = table
        }
        let s = table.insert
        try s.bind(1, blob: Self.geometryBlob(geometry, bbox: &table.bbox))
        for (k, (name, _)) in table.columns.enumerated() {
            let i = Int32(k + 2)
            switch properties.first(where: { $0.0 == name })?.1 {
            case .string(let v): try s.bind(i, v)
            case .int(let v): try s.bind(i, v)
            case .number(let v) where v.isFinite: try s.bind(i, v)
            case .bool(let v): try s.bind(i, v ? 1 : 0)
            case .array, .object: try s.bind(i, properties.first(where: { $0.0 == name })!.1.json)
            default: try s.bindNull(i)
            }
        }
        try s.step()
        s.reset()
        table.count += 1
    }

    private func createTable(_ name: String, geometry: Geometry, properties: [(String, JSONValue)]) throws -> Table {
        let columns = properties.map { (k, v) -> (String, String) in
            switch v {
            case .int, .bool: return (k, "INTEGER")
            case .number: return (k, "REAL")
            default: return (k, "TEXT")
            }
        }
        let type: String
        switch geometry {
        case .point: type = "POINT"
        case .polygon: type = "POLYGON"
        case .multiPolygon: type = "MULTIPOLYGON"
        }
        let cols = columns.map { "\"\($0.0)\" \($0.1)" }.joined(separator: ", ")
        try db.execute(
            """
            CREATE TABLE "\(name)" (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom \(type)\(cols.isEmpty ? "" : ", " + cols));
            INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)
                VALUES ('\(name)', 'features', '\(name)', 'PatrolIQ \(name)', 4326);
            INSERT INTO gpkg_geometry_columns VALUES ('\(name)', 'geom', '\(type)', 4326, 0, 0);
            """)
        let marks = Array(repeating: "?", count: columns.count + 1).joined(separator: ",")
        let names = (["geom"] + columns.map { "\"\($0.0)\"" }).joined(separator: ",")
        return Table(
            name: name, columns: columns, insert: try db.prepare("INSERT INTO \"\(name)\" (\(names)) VALUES (\(marks))")
        )
    }

    /// GeoPackage binary: "GP", version 0, flags (little-endian, xy envelope), srs id, envelope, then WKB.
    static func geometryBlob(_ g: Geometry, bbox: inout (minX: Double, minY: Double, maxX: Double, maxY: Double))
        -> [UInt8]
    {
        var wkb: [UInt8] = []
        var env = (minX: Double.infinity, minY: Double.infinity, maxX: -Double.infinity, maxY: -Double.infinity)
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { wkb.append(contentsOf: $0) } }
        func point(_ p: SIMD2<Double>) {
            env = (min(env.minX, p.x), min(env.minY, p.y), max(env.maxX, p.x), max(env.maxY, p.y))
            withUnsafeBytes(of: p.x.bitPattern.littleEndian) { wkb.append(contentsOf: $0) }
            withUnsafeBytes(of: p.y.bitPattern.littleEndian) { wkb.append(contentsOf: $0) }
        }
        func polygon(_ p: Polygon) {
            wkb.append(1)
            u32(3)
            let rings = [p.exterior] + p.holes
            u32(UInt32(rings.count))
            for r in rings {
                u32(UInt32(r.count))
                r.forEach(point)
            }
        }
        switch g {
        case .point(let p):
            wkb.append(1)
            u32(1)
            point(p)
        case .polygon(let p): polygon(p)
        case .multiPolygon(let ps):
            wkb.append(1)
            u32(6)
            u32(UInt32(ps.count))
            ps.forEach(polygon)
        }
        bbox = (min(bbox.minX, env.minX), min(bbox.minY, env.minY), max(bbox.maxX, env.maxX), max(bbox.maxY, env.maxY))
        var out: [UInt8] = [0x47, 0x50, 0, 0b0000_0011]
        withUnsafeBytes(of: Int32(4326).littleEndian) { out.append(contentsOf: $0) }
        for v in [env.minX, env.maxX, env.minY, env.maxY] {
            withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) }
        }
        return out + wkb
    }

    /// Records each layer's extent, finishes the file and renames it into place.
    public func commit() throws {
        let s = try db.prepare(
            "UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ? WHERE table_name = ?")
        for t in tables.values where t.count > 0 {
            try s.bind(1, t.bbox.minX)
            try s.bind(2, t.bbox.minY)
            try s.bind(3, t.bbox.maxX)
            try s.bind(4, t.bbox.maxY)
            try s.bind(5, t.name)
            try s.step()
            s.reset()
        }
        try db.execute("COMMIT")
        guard rename(tmp, path) == 0 else {
            throw RuntimeError(file: path, "cannot write: \(String(cString: strerror(errno)))")
        }
        committed = true
    }

    public var layerCounts: [String: Int] { tables.mapValues(\.count) }
}

/// One exported layer: a GeoJSON file, and the same features in the GeoPackage when there is one.
final class LayerWriter {
    let geojson: GeoJSONWriter
    let gpkg: GeoPackageWriter?
    let name: String
    var path: String { geojson.path }
    var count: Int { geojson.count }

    init(directory: String, name: String, gpkg: GeoPackageWriter?) throws {
        geojson = try GeoJSONWriter(path: directory + "/" + name + ".geojson", name: name)
        self.gpkg = gpkg
        self.name = name
    }

    func add(id: String, geometry: Geometry, properties: [(String, JSONValue)]) throws {
        try geojson.add(id: id, geometry: geometry, properties: properties)
        try gpkg?.add(layer: name, geometry: geometry, properties: [("feature_id", .string(id))] + properties)
    }

    func finish() throws { try geojson.finish() }
}
