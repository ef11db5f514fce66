/// Where the server finds its stores and how it answers.
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    public var workspace = "workspace.sqlite"
    public var tilesDirectory = "tiles"
    public var geojsonDirectory = "geojson"
    /// The dashboard.
    public var webDirectory = "web"
    /// Debian's front-end libraries (libjs-leaflet, libjs-chart.js), served under /js.
    public var javascriptDirectory = "/usr/share/javascript"
    /// How to answer a tile inside a layer's zoom range and bounds that holds no data.
    public var emptyTile: EmptyTileMode = .transparentPNG
    /// `Cache-Control: max-age` for tiles, seconds.
    public var tileMaxAge = 3600

    public enum EmptyTileMode: String, Sendable, CaseIterable {
        /// 200 with one shared transparent PNG (what Leaflet and MapLibre expect).
        case transparentPNG = "png"
        /// 204 No Content.
        case noContent = "204"
    }

    public init() {}
}
