import Foundation
import NIOConcurrencyHelpers
import PatrolIQCore

/// The exported GeoJSON layers, read from disk once per file version and kept encoded (identity and
/// gzip) with an index of each feature's bytes and bounding box, so `?bbox=` answers by copying the
/// features it keeps instead of parsing the file again.
final class GeoJSONCatalog: Sendable {
    let directory: String
    private let cache = NIOLockedValueBox<[String: Entry]>([:])

    final class Entry: Sendable {
        let stamp: FileStamp
        let body: EncodedBody
        /// Each feature's bytes in the file and its [minLon, minLat, maxLon, maxLat].
        let features: [(range: Range<Int>, bbox: GeoBounds?)]
        /// Top-level `name`, kept in filtered answers.
        let name: String?
        let bytes: [UInt8]
        /// Recent `?bbox=` answers by their normalised box.
        private let filtered = NIOLockedValueBox<[String: EncodedBody]>([:])

        init(stamp: FileStamp, bytes: [UInt8], contentType: String) {
            self.stamp = stamp
            self.bytes = bytes
            body = EncodedBody(bytes, contentType: contentType)
            let ranges = FeatureScanner.features(bytes)
            features = ranges.map { r in
                let obj = try? JSONSerialization.jsonObject(with: Data(bytes[r])) as? [String: Any]
                let geometry = obj?["geometry"] as? [String: Any]
                return (r, GeoJSONCatalog.extent(geometry?["coordinates"]))
            }
            // The top-level `name`: from the whole document when it has no features, else from its head.
            if let first = ranges.first {
                name = FeatureScanner.topLevelName(bytes, before: first)
            } else {
                name = (try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])?["name"] as? String
            }
        }

        /// The features whose bounding box meets `bbox`, as a FeatureCollection with its own `bbox`.
        func filter(_ bbox: GeoBounds) -> EncodedBody {
            let key = "\(bbox.minLon),\(bbox.minLat),\(bbox.maxLon),\(bbox.maxLat)"
            if let hit = filtered.withLockedValue({ $0[key] }) { return hit }
            var out: [UInt8] = Array("{\"type\":\"FeatureCollection\"".utf8)
            if let name { out += Array(",\"name\":\(JSONValue.string(name).json)".utf8) }
            var lo = SIMD2(Double.infinity, .infinity)
            var hi = SIMD2(-Double.infinity, -.infinity)
            var kept: [Range<Int>] = []
            for f in features {
                guard let b = f.bbox, b.minLon <= bbox.maxLon, b.maxLon >= bbox.minLon, b.minLat <= bbox.maxLat,
                    b.maxLat >= bbox.minLat
                else { continue }
                kept.append(f.range)
                lo = pointwiseMin(lo, SIMD2(b.minLon, b.minLat))
                hi = pointwiseMax(hi, SIMD2(b.maxLon, b.maxLat))
            }
            if !kept.isEmpty {
                out += Array(
                    ",\"bbox\":\(JSONValue.array([lo.x, lo.y, hi.x, hi.y].map { .number($0) }).json)".utf8)
            }
            out += Array(",\"features\":[".utf8)
            for (i, r) in kept.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out += bytes[r]
            }
            out += Array("]}".utf8)
            let body = EncodedBody(out, contentType: self.body.contentType)
            filtered.withLockedValue {
                if $0.count >= 64 { $0.removeAll() }
                $0[key] = body
            }
            return body
        }
    }

    init(directory: String) { self.directory = directory }

    static func isValidName(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 100
            && s.unicodeScalars.allSatisfy { c in
                (c >= "a" && c <= "z") || (c >= "0" && c <= "9") || c == "-" || c == "_"
            }
    }

    /// Layer names available (file names without `.geojson`).
    func names() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".geojson") }
            .map { String($0.dropLast(".geojson".count)) }.filter(Self.isValidName).sorted()
    }

    /// The file `name` (without extension), or nil.
    func entry(_ name: String, file: String? = nil, contentType: String) -> Entry? {
        guard Self.isValidName(name) else { return nil }
        let path = directory + "/" + (file ?? name + ".geojson")
        guard let stamp = FileStamp(path) else { return nil }
        if let e = cache.withLockedValue({ $0[path] }), e.stamp == stamp { return e }
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let e = Entry(stamp: stamp, bytes: [UInt8](data), contentType: contentType)
        cache.withLockedValue { $0[path] = e }
        return e
    }

    /// The extent of a GeoJSON `coordinates` value at any nesting depth.
    static func extent(_ c: Any?) -> GeoBounds? {
        if let p = c as? [Double], p.count >= 2 {
            return GeoBounds(minLon: p[0], minLat: p[1], maxLon: p[0], maxLat: p[1])
        }
        guard let list = c as? [Any] else { return nil }
        var out: GeoBounds?
        for item in list {
            guard let e = extent(item) else { continue }
            out =
                out.map {
                    GeoBounds(
                        minLon: min($0.minLon, e.minLon), minLat: min($0.minLat, e.minLat),
                        maxLon: max($0.maxLon, e.maxLon), maxLat: max($0.maxLat, e.maxLat))
                } ?? e
        }
        return out
    }
}

/// Finds the byte ranges of the members of a FeatureCollection's top-level `features` array
/// without building the document: a scan that tracks strings, escapes and nesting depth.
enum FeatureScanner {
    static func features(_ b: [UInt8]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var depth = 0
        var inString = false
        var escaped = false
        var stringStart = 0
        var lastKey: ArraySlice<UInt8> = []
        var inFeatures = false
        var start = -1
        for i in b.indices {
            let c = b[i]
            if inString {
                if escaped {
                    escaped = false
                } else if c == UInt8(ascii: "\\") {
                    escaped = true
                } else if c == UInt8(ascii: "\"") {
                    inString = false
                    if depth == 1 { lastKey = b[(stringStart + 1)..<i] }
                }
                continue
            }
            switch c {
            case UInt8(ascii: "\""):
                inString = true
                stringStart = i
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if depth == 1 && c == UInt8(ascii: "[") && lastKey.elementsEqual("features".utf8) {
                    inFeatures = true
                } else if depth == 2 && inFeatures && c == UInt8(ascii: "{") {
                    start = i
                }
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 2 && inFeatures && c == UInt8(ascii: "}") && start >= 0 {
                    out.append(start..<(i + 1))
                    start = -1
                } else if depth == 1 && inFeatures {
                    inFeatures = false
                }
                if depth == 1 { lastKey = [] }
            case UInt8(ascii: ","):
                if depth == 1 { lastKey = [] }
            default: break
            }
        }
        return out
    }

    /// The top-level `"name"` string, if any, read by parsing only the head of the document up to
    /// its first feature (whose range `features` already found).
    static func topLevelName(_ b: [UInt8], before first: Range<Int>) -> String? {
        let head = Array(b[..<first.lowerBound]) + Array("]}".utf8)
        return (try? JSONSerialization.jsonObject(with: Data(head)) as? [String: Any])?["name"] as? String
    }
}
