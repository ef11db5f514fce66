import Foundation

/// Spherical Web Mercator (EPSG:3857) and the XYZ slippy-map tile scheme.
///
/// Global pixel coordinates at zoom z run from 0 to 256·2^z, x east, y south, as Leaflet, MapLibre and
/// OpenLayers address tiles. MBTiles stores rows in TMS order (y counted from the south).
public enum WebMercator {
    public static let radius = 6_378_137.0
    public static let maxLatitude = 85.051_128_779_806_59
    /// Half the projected world width, metres.
    public static let originShift = Double.pi * radius

    /// Global pixel coordinates of a point at zoom `z` for tiles of `tileSize` pixels.
    @inline(__always)
    public static func pixel(lon: Double, lat: Double, zoom z: Int, tileSize: Int = 256) -> SIMD2<Double> {
        unit(lon: lon, lat: lat) * (Double(tileSize) * Double(1 << z))
    }

    /// The position on the unit square (0…1 east and south): times a zoom's world size in pixels (a
    /// power of two, so exactly) it is `pixel`. Computed once, it serves every zoom.
    @inline(__always)
    public static func unit(lon: Double, lat: Double) -> SIMD2<Double> {
        let la = min(max(lat, -maxLatitude), maxLatitude) * .pi / 180
        return SIMD2((lon + 180) / 360, (1 - log(tan(la) + 1 / cos(la)) / .pi) / 2)
    }

    /// Longitude and latitude of a global pixel position.
    public static func lonLat(pixel p: SIMD2<Double>, zoom z: Int, tileSize: Int = 256) -> (lon: Double, lat: Double) {
        let size = Double(tileSize) * Double(1 << z)
        let lon = p.x / size * 360 - 180
        let n = Double.pi * (1 - 2 * p.y / size)
        return (lon, atan(sinh(n)) * 180 / .pi)
    }

    /// The XYZ tile holding a point.
    public static func tile(lon: Double, lat: Double, zoom z: Int) -> (x: Int, y: Int) {
        let p = pixel(lon: lon, lat: lat, zoom: z)
        let n = (1 << z) - 1
        return (min(max(Int(p.x / 256), 0), n), min(max(Int(p.y / 256), 0), n))
    }

    /// TMS row of an XYZ row (and back: the flip is its own inverse).
    @inline(__always)
    public static func tmsRow(_ y: Int, zoom z: Int) -> Int { (1 << z) - 1 - y }

    /// Bounds of an XYZ tile in degrees.
    public static func bounds(x: Int, y: Int, zoom z: Int) -> GeoBounds {
        let nw = lonLat(pixel: SIMD2(Double(x * 256), Double(y * 256)), zoom: z)
        let se = lonLat(pixel: SIMD2(Double((x + 1) * 256), Double((y + 1) * 256)), zoom: z)
        return GeoBounds(minLon: nw.lon, minLat: se.lat, maxLon: se.lon, maxLat: nw.lat)
    }

    /// Ground metres per pixel at latitude `lat`, zoom `z` (256-pixel tiles).
    public static func metresPerPixel(lat: Double, zoom z: Int, tileSize: Int = 256) -> Double {
        2 * originShift / (Double(tileSize) * Double(1 << z)) * cos(lat * .pi / 180)
    }

    /// EPSG:3857 metres of a global pixel position.
    public static func mercatorMetres(pixel p: SIMD2<Double>, zoom z: Int, tileSize: Int = 256) -> SIMD2<Double> {
        let res = 2 * originShift / (Double(tileSize) * Double(1 << z))
        return SIMD2(p.x * res - originShift, originShift - p.y * res)
    }
}
