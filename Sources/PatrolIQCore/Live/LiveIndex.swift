import Foundation

/// Incidents ordered for map questions: sorted by their zoom-12 Web Mercator tile, so the incidents
/// near any tile at any zoom are a few contiguous runs, and an uncached tile touches only those.
///
/// The table is kept in that order (`table`); filters are evaluated once per filter into a mask over
/// it (`mask`), so a tile only checks one byte per nearby incident.
public struct LiveIndex: Sendable {
    /// The zoom of the buckets: at 256 px, about 10 km wide at the equator, 7 km in Chicago.
    public static let bucketZoom = 12

    public let table: IncidentTable
    /// For each row of `table`, its row in the table the index was built from.
    public let order: [Int32]
    /// Each row's Web Mercator position in [0, 1) (Float: within a few pixels at zoom 18), to skip the
    /// incidents of a bucket that are far from a tile before computing their exact pixel.
    public let mercator: [SIMD2<Float>]
    public let dictionaries: IncidentDictionaries
    /// Sorted zoom-12 tile keys (y << 12 | x) present, and where each one's incidents start.
    private let keys: [UInt32]
    private let starts: [Int]
    public let centerLat: Double

    /// `table` needs latitude and longitude; rows are reordered by bucket (then by time, newest
    /// first, so street-level lists come out in that order).
    public init(table input: consuming IncidentTable, dictionaries: IncidentDictionaries, centerLat: Double) {
        var t = input
        let n = t.count
        let key = (0..<n).map { i -> UInt32 in
            let p = WebMercator.pixel(lon: t.longitude[i], lat: t.latitude[i], zoom: Self.bucketZoom) / 256
            let x = UInt32(min(max(p.x, 0), 4095))
            let y = UInt32(min(max(p.y, 0), 4095))
            return y << 12 | x
        }
        let order = (0..<Int32(n)).sorted {
            let (a, b) = (Int($0), Int($1))
            return key[a] != key[b] ? key[a] < key[b] : (t.time[a], b) > (t.time[b], a)
        }
        t.permute(order)
        let world = Double(256 << Self.bucketZoom)
        mercator = (0..<n).map { i in
            SIMD2<Float>(WebMercator.pixel(lon: t.longitude[i], lat: t.latitude[i], zoom: Self.bucketZoom) / world)
        }
        table = t
        self.order = order
        self.dictionaries = dictionaries
        self.centerLat = centerLat
        var keys: [UInt32] = []
        var starts: [Int] = []
        for (k, i) in order.enumerated() where keys.last != key[Int(i)] {
            keys.append(key[Int(i)])
            starts.append(k)
        }
        starts.append(n)
        self.keys = keys
        self.starts = starts
    }

    public var count: Int { table.count }

    /// Rows passing `filter` (in the index's order); an unknown type is an error.
    public func mask(_ filter: IncidentFilter) throws -> [Bool] {
        filter.isEmpty ? [Bool](repeating: true, count: count) : try filter.rows(table, typeNames: dictionaries.type)
    }

    /// Calls `body` with each run of rows whose bucket meets the box of global pixels at `zoom`.
    public func runs(zoom: Int, from lo: SIMD2<Double>, to hi: SIMD2<Double>, _ body: (Range<Int>) -> Void) {
        let scale = pow(2, Double(Self.bucketZoom - zoom)) / 256
        let x0 = max(0, Int((lo.x * scale).rounded(.down)))
        let y0 = max(0, Int((lo.y * scale).rounded(.down)))
        let x1 = min(4095, Int((hi.x * scale).rounded(.down)))
        let y1 = min(4095, Int((hi.y * scale).rounded(.down)))
        guard x0 <= x1, y0 <= y1 else { return }
        for y in y0...y1 {
            // Keys of one row of buckets are contiguous: find the first at or after x0.
            var k = keys.lowerBound(of: UInt32(y) << 12 | UInt32(x0))
            while k < keys.count, keys[k] <= UInt32(y) << 12 | UInt32(x1) {
                body(starts[k]..<starts[k + 1])
                k += 1
            }
        }
    }

    /// Rows passing `mask` inside the box (degrees), newest first within each bucket.
    public func rows(in box: GeoBounds, mask: [Bool]) -> [Int] {
        let z = Self.bucketZoom
        let a = WebMercator.pixel(lon: box.minLon, lat: box.maxLat, zoom: z)
        let b = WebMercator.pixel(lon: box.maxLon, lat: box.minLat, zoom: z)
        var out: [Int] = []
        runs(zoom: z, from: a, to: b) { r in
            for i in r where mask[i] {
                let lon = table.longitude[i]
                let lat = table.latitude[i]
                if lon >= box.minLon, lon <= box.maxLon, lat >= box.minLat, lat <= box.maxLat { out.append(i) }
            }
        }
        return out.sorted { (table.time[$0], $1) > (table.time[$1], $0) }
    }
}
