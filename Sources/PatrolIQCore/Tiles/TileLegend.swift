/// What a heatmap layer's colours mean, stored in the MBTiles `json` metadata under `patroliq` and
/// served in TileJSON, so a map can draw a true legend at every zoom.
public struct TileLegend: Codable, Sendable, Equatable {
    public var colormap: String
    /// Ramp colours from low to high, `#rrggbb`.
    public var colors: [String]
    public var units = "incidents per km²"
    /// The quantile of non-zero density that maps to the top colour.
    public var quantile: Double
    /// The top colour's density per zoom (keys are zoom levels).
    public var caps: [String: Double]
    public var bandwidthMetres: Double
    public var kernel = "gaussian"
    public var layer: String
    public var incidents: Int
    public var tileSize: Int
    /// The raster value at the top of the colour scale per zoom, exactly (`tiles --update` compares it).
    public var capValues: [String: Float]?
    /// The workspace fingerprint the store was rendered from: where `tiles --update` starts.
    public var sourceFingerprint: String?
    /// `TileRenderer.version` of the build that rendered the store: another version's tiles differ in
    /// bytes, so `tiles --update` renders such a store whole rather than mix the two.
    public var renderer: Int?
    /// The deflate library that compressed the tiles (`ImageDeflate.library`): another version may
    /// compress the same pixels to other bytes, so it counts as another renderer too.
    public var deflate: String?

    enum CodingKeys: String, CodingKey {
        case colormap, colors, units, quantile, caps, kernel, layer, incidents, renderer, deflate
        case bandwidthMetres = "bandwidth_m"
        case tileSize = "tile_size"
        case capValues = "cap_values"
        case sourceFingerprint = "source_fingerprint"
    }

    /// The metadata document `{"patroliq": legend}`.
    public struct Metadata: Codable, Sendable {
        public var patroliq: TileLegend
    }
}
