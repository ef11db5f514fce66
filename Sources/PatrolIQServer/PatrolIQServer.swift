/// The HTTP service (tiles, TileJSON, GeoJSON, statistics) lives here; see issue 7.
public enum PatrolIQServer {
    public static let name = "patroliq-server"
}
