import CNumberFormat
import Foundation

/// A JSON property value.
public enum JSONValue: Sendable, Equatable {
    case string(String)
    case number(Double)
    case int(Int)
    case bool(Bool)
    case array([JSONValue])
    case object([(String, JSONValue)])
    case null

    public static func == (a: JSONValue, b: JSONValue) -> Bool { a.json == b.json }

    /// Compact JSON text; object keys keep their given order.
    public var json: String {
        switch self {
        case .string(let s): return JSONValue.quote(s)
        case .number(let d): return d.isFinite ? JSONValue.format(d) : "null"
        case .int(let i): return String(i)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array(let a): return "[" + a.map(\.json).joined(separator: ",") + "]"
        case .object(let o): return "{" + o.map { JSONValue.quote($0.0) + ":" + $0.1.json }.joined(separator: ",") + "}"
        }
    }

    static func format(_ d: Double) -> String {
        if d == d.rounded() && abs(d) < 1e15 { return String(Int64(d)) }
        return printf(general: 6, d)
    }

    /// C's printf text of one number (`%.{n}f` or `%.{n}g`), the same as `String(format:)` without
    /// Foundation's NSString round trip: GeoJSON writes millions of coordinates.
    static func printf(fixed decimals: Int32 = -1, general digits: Int32 = -1, _ v: Double) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buf in
            let n =
                decimals >= 0
                ? piq_format_fixed(buf.baseAddress, 64, decimals, v)
                : piq_format_general(buf.baseAddress, 64, digits, v)
            guard n > 0, n < 64 else { return String(format: decimals >= 0 ? "%.\(decimals)f" : "%.\(digits)g", v) }
            return String(decoding: UnsafeRawBufferPointer(start: buf.baseAddress, count: Int(n)), as: UTF8.self)
        }
    }

    static func quote(_ s: String) -> String {
        // Most names and labels need no escaping: copy them whole.
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) { return "\"" + s + "\"" }
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}

/// Geometry in longitude / latitude degrees.
public enum Geometry: Sendable {
    case point(SIMD2<Double>)
    case polygon(Polygon)
    case multiPolygon([Polygon])
}

/// Streams one RFC 7946 FeatureCollection to a file: features are written as they come (no large
/// string in memory), coordinates as [longitude, latitude] with 6 decimals (about 0.1 m), no `crs`
/// member, and a `bbox` over everything written. The file appears under its name only when complete.
/// Without a path it collects the document in memory (for HTTP answers).
public final class GeoJSONWriter {
    public let path: String
    private let tmp: String
    private let handle: FileHandle?
    private var memory = Data()
    /// Extra top-level members (RFC 7946 §6.1 foreign members), written after `features`.
    public var foreignMembers: [(String, JSONValue)] = []
    private var buffer = ""
    private var first = true
    private var bbox = (minX: Double.infinity, minY: Double.infinity, maxX: -Double.infinity, maxY: -Double.infinity)
    private var done = false
    public private(set) var count = 0

    public init(path: String, name: String) throws {
        self.path = path
        tmp = TemporaryFile.beside(path)
        guard FileManager.default.createFile(atPath: tmp, contents: nil), let h = FileHandle(forWritingAtPath: tmp)
        else {
            throw InputError(file: path, "cannot write (directory missing or not writable)")
        }
        handle = h
        buffer = "{\"type\":\"FeatureCollection\",\"name\":\(JSONValue.quote(name)),\"features\":[\n"
    }

    /// A collection built in memory; `finishedData()` returns it.
    public init(name: String) {
        path = ""
        tmp = ""
        handle = nil
        buffer = "{\"type\":\"FeatureCollection\",\"name\":\(JSONValue.quote(name)),\"features\":[\n"
    }

    deinit {
        if !done, let handle {
            try? handle.close()
            unlink(tmp)
        }
    }

    public func add(id: String, geometry: Geometry, properties: [(String, JSONValue)]) throws {
        if !first { buffer += ",\n" }
        first = false
        buffer += "{\"type\":\"Feature\",\"id\":\(JSONValue.quote(id)),\"geometry\":"
        buffer += geometryJSON(geometry)
        buffer += ",\"properties\":" + JSONValue.object(properties).json + "}"
        count += 1
        if buffer.utf8.count > 1 << 20 { try flush() }
    }

    private func flush() throws {
        if let handle {
            try handle.write(contentsOf: Data(buffer.utf8))
        } else {
            memory.append(contentsOf: buffer.utf8)
        }
        buffer = ""
    }

    private func coord(_ p: SIMD2<Double>) -> String {
        bbox.minX = min(bbox.minX, p.x)
        bbox.minY = min(bbox.minY, p.y)
        bbox.maxX = max(bbox.maxX, p.x)
        bbox.maxY = max(bbox.maxY, p.y)
        return "[" + Self.fixed(p.x) + "," + Self.fixed(p.y) + "]"
    }

    /// 6 decimals without trailing zeros.
    static func fixed(_ v: Double) -> String {
        var s = JSONValue.printf(fixed: 6, v)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s == "-0" ? "0" : s
    }

    private func ring(_ r: Ring) -> String { "[" + r.map(coord).joined(separator: ",") + "]" }

    private func polygon(_ p: Polygon) -> String {
        "[" + ([p.exterior] + p.holes).map(ring).joined(separator: ",") + "]"
    }

    private func geometryJSON(_ g: Geometry) -> String {
        switch g {
        case .point(let p): return "{\"type\":\"Point\",\"coordinates\":\(coord(p))}"
        case .polygon(let p): return "{\"type\":\"Polygon\",\"coordinates\":\(polygon(p))}"
        case .multiPolygon(let ps):
            return "{\"type\":\"MultiPolygon\",\"coordinates\":[" + ps.map(polygon).joined(separator: ",") + "]}"
        }
    }

    private func close() throws {
        buffer += "\n]"
        if count > 0 {
            buffer +=
                ",\"bbox\":[\(Self.fixed(bbox.minX)),\(Self.fixed(bbox.minY)),\(Self.fixed(bbox.maxX)),\(Self.fixed(bbox.maxY))]"
        }
        for (k, v) in foreignMembers { buffer += "," + JSONValue.quote(k) + ":" + v.json }
        buffer += "}\n"
        try flush()
    }

    /// Closes an in-memory collection and returns it.
    public func finishedData() throws -> Data {
        try close()
        done = true
        return memory
    }

    /// Closes the collection (with its bbox) and renames the file into place.
    public func finish() throws {
        try close()
        guard let handle else { return }
        try handle.close()
        guard rename(tmp, path) == 0 else {
            throw RuntimeError(file: path, "cannot write: \(String(cString: strerror(errno)))")
        }
        done = true
    }
}
