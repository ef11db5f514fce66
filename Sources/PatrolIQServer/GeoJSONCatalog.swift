import Foundation
import PatrolIQCore

/// The exported GeoJSON layers, read from disk once per file version, kept with a gzip copy.
final class GeoJSONCatalog: Sendable {
    let directory: String
    private let cache = Locked<[String: Entry]>([:])

    struct Entry: Sendable {
        let stamp: FileStamp
        let bytes: [UInt8]
        let gzip: [UInt8]?
        let etag: String
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
    func entry(_ name: String, file: String? = nil) -> Entry? {
        guard Self.isValidName(name) else { return nil }
        let path = directory + "/" + (file ?? name + ".geojson")
        guard let stamp = FileStamp(path) else { return nil }
        if let e = cache.withLock({ $0[path] }), e.stamp == stamp { return e }
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let bytes = [UInt8](data)
        let e = Entry(stamp: stamp, bytes: bytes, gzip: Gzip.compress(bytes), etag: "\"\(ContentDigest.of(bytes))\"")
        cache.withLock { $0[path] = e }
        return e
    }

    /// Features whose bounding box meets `bbox` (minLon, minLat, maxLon, maxLat), as a new collection.
    static func filter(_ bytes: [UInt8], bbox: GeoBounds) throws -> [UInt8] {
        guard var fc = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
            let features = fc["features"] as? [[String: Any]]
        else { return bytes }
        var lo = SIMD2(Double.infinity, .infinity)
        var hi = SIMD2(-Double.infinity, -.infinity)
        let kept = features.filter { f in
            guard let g = f["geometry"] as? [String: Any], let (a, b) = extent(g["coordinates"]) else { return false }
            let hit = a.x <= bbox.maxLon && b.x >= bbox.minLon && a.y <= bbox.maxLat && b.y >= bbox.minLat
            if hit {
                lo = pointwiseMin(lo, a)
                hi = pointwiseMax(hi, b)
            }
            return hit
        }
        fc["features"] = kept
        fc["bbox"] = kept.isEmpty ? nil : [lo.x, lo.y, hi.x, hi.y]
        return [UInt8](try JSONSerialization.data(withJSONObject: fc))
    }

    static func extent(_ c: Any?) -> (SIMD2<Double>, SIMD2<Double>)? {
        if let p = c as? [Double], p.count >= 2 { return (SIMD2(p[0], p[1]), SIMD2(p[0], p[1])) }
        guard let list = c as? [Any] else { return nil }
        var out: (SIMD2<Double>, SIMD2<Double>)?
        for item in list {
            guard let e = extent(item) else { continue }
            out = out.map { (pointwiseMin($0.0, e.0), pointwiseMax($0.1, e.1)) } ?? e
        }
        return out
    }
}
