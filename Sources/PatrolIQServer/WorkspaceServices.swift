import PatrolIQCore

/// Everything the endpoints of one workspace read: its incidents (live and stored documents), its tile
/// layers and its GeoJSON. The top-level routes have one; each `/c/{name}` has its own.
struct WorkspaceServices: Sendable {
    let live: LiveService
    let data: DashboardData
    let tiles: TileCatalog
    let geojson: GeoJSONCatalog
    let tileService: TileService

    /// `live` shares the top-level live service with the tile fast path; nil makes a new one.
    init(workspace: String, tiles: String, geojson: String, live: LiveService?, config: ServerConfiguration) {
        self.live = live ?? LiveService(path: workspace, emptyTile: config.emptyTile)
        data = DashboardData(path: workspace)
        self.tiles = TileCatalog(directory: tiles)
        self.geojson = GeoJSONCatalog(directory: geojson)
        tileService = TileService(catalog: self.tiles, config: config)
    }
}

/// `/api/cities`: the workspaces served under `/c/{name}`, with where their documents are.
struct CityCatalogue: Encodable {
    struct Entry: Encodable {
        let name: String
        let url: String
        let stats: String
        let tiles: String
        let geojson: String
        let ready: Bool
    }
    let cities: [Entry]
}
