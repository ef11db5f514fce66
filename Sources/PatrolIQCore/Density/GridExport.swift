import Foundation

/// Density grids for analysts: ESRI ASCII grids in Web Mercator with a `.prj`, which QGIS and GDAL open.
public enum GridExport {
    /// ESRI WKT of EPSG:3857.
    static let webMercatorWKT =
        #"PROJCS["WGS_1984_Web_Mercator_Auxiliary_Sphere",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Mercator_Auxiliary_Sphere"],PARAMETER["False_Easting",0.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",0.0],PARAMETER["Standard_Parallel_1",0.0],PARAMETER["Auxiliary_Sphere_Type",0.0],UNIT["Meter",1.0]]"#

    /// Writes `raster` as incidents per km² (ground area at `lat`), atomically, with a `.prj` beside it.
    public static func writeASCII(_ r: DensityRaster, to path: String, lat: Double) throws {
        let res = 2 * WebMercator.originShift / (Double(r.tileSize) * Double(1 << r.zoom)) * Double(r.factor)
        // Lower-left corner: the raster's south-west in EPSG:3857 metres.
        let sw = WebMercator.mercatorMetres(
            pixel: SIMD2(r.origin.x, r.origin.y + Double(r.height * r.factor)), zoom: r.zoom, tileSize: r.tileSize)
        var s =
            "ncols \(r.width)\nnrows \(r.height)\nxllcorner \(sw.x)\nyllcorner \(sw.y)\ncellsize \(res)\nNODATA_value -9999\n"
        s.reserveCapacity(r.width * r.height * 8)
        for y in 0..<r.height {
            var line = ""
            for x in 0..<r.width {
                let v = r.perSquareKilometre(r.values[y * r.width + x], lat: lat)
                line += (x == 0 ? "" : " ") + (v < 1e-6 ? "0" : String(format: "%.4g", v))
            }
            s += line + "\n"
        }
        try write(s, to: path)
        try write(webMercatorWKT, to: (path as NSString).deletingPathExtension + ".prj")
    }

    static func write(_ text: String, to path: String) throws {
        try TemporaryFile.write(Data(text.utf8), to: path)
    }
}
