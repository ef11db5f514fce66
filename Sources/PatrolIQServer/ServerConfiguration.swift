/// Where the server finds its stores and how it answers.
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    public var workspace = "workspace.sqlite"
    public var tilesDirectory = "tiles"
    public var geojsonDirectory = "geojson"
    /// The dashboard.
    public var webDirectory = "web"
    /// Debian's front-end libraries folder; only `javascriptLibraries` in it are served, under /js.
    public var javascriptDirectory = "/usr/share/javascript"
    /// The libraries the dashboard loads (libjs-leaflet, libjs-chart.js).
    public var javascriptLibraries = ["leaflet", "chart.js"]
    /// The scheme, host and port clients reach the server at (behind a proxy), for the URLs in
    /// TileJSON and the catalogues; nil to take a well-formed `Host` header or the listen address.
    public var publicURL: String?
    /// A connection that sends no complete request for this long after opening or after its last
    /// response is closed (idle keep-alive sockets, slowloris clients).
    public var requestTimeout: Duration = .seconds(30)
    /// With a users file: credentials required everywhere but /health.
    public var access: AccessControl?
    /// How to answer a tile inside a layer's zoom range and bounds that holds no data.
    public var emptyTile: EmptyTileMode = .transparentPNG
    /// `Cache-Control: max-age` for tiles, seconds.
    public var tileMaxAge = 3600

    /// More workspaces, each under `/c/{name}/` with the same endpoints (`/c/chicago/tiles/all.json`,
    /// `/c/chicago/api/stats`, …) and listed at `/api/cities`; the top-level endpoints keep serving
    /// `workspace`, `tilesDirectory` and `geojsonDirectory`.
    public var cities: [City] = []

    /// One jurisdiction's stores.
    public struct City: Sendable, Equatable {
        public var name: String
        public var workspace: String
        public var tilesDirectory: String
        public var geojsonDirectory: String

        public init(name: String, workspace: String, tilesDirectory: String, geojsonDirectory: String) {
            self.name = name
            self.workspace = workspace
            self.tilesDirectory = tilesDirectory
            self.geojsonDirectory = geojsonDirectory
        }

        /// Names are URL path segments: 1–32 lowercase letters, digits, '-' or '_'.
        public static func isValidName(_ s: String) -> Bool {
            !s.isEmpty && s.utf8.count <= 32
                && s.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 || $0 == 95 }
        }
    }

    public enum EmptyTileMode: String, Sendable, CaseIterable {
        /// 200 with one shared transparent PNG (what Leaflet and MapLibre expect).
        case transparentPNG = "png"
        /// 204 No Content.
        case noContent = "204"
    }

    public init() {}
}
