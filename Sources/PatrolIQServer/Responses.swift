import Foundation
import PatrolIQCore

/// `GET /health`.
struct Health: Encodable {
    let status: String
    let workspace: Bool
    let layers: Int
    let geojson: Int
}

/// `GET /tiles`.
struct TileCatalogue: Encodable {
    struct Layer: Encodable {
        let name: String
        let tilejson: String
        let minzoom: Int
        let maxzoom: Int
        let description: String
        let retina: Bool
    }
    let layers: [Layer]
}

/// `GET /geojson`.
struct GeoJSONList: Encodable {
    struct Layer: Encodable {
        let name: String
        let url: String
    }
    let layers: [Layer]
}

/// TileJSON 3.0.0 of one layer, with the colour legend under `patroliq`.
struct TileJSON: Encodable {
    let tilejson = "3.0.0"
    let name: String
    let description: String
    let version = "1.0.0"
    let attribution: String
    let scheme = "xyz"
    let tiles: [String]
    let minzoom: Int
    let maxzoom: Int
    let bounds: [Double]?
    let center: [Double]?
    let patroliq: TileLegend?
    /// Class → colour, for layers of classes rather than densities (Gi* hot and cold spots).
    let patroliqClasses: [String: String]?
    /// For live layers: the normalised filter and how many incidents pass it.
    var filter: String?
    var incidents: Int?

    enum CodingKeys: String, CodingKey {
        case tilejson, name, description, version, attribution, scheme, tiles, minzoom, maxzoom, bounds, center
        case patroliq, filter, incidents
        case patroliqClasses = "patroliq_classes"
    }

    /// A layer computed on request (live tiles).
    init(
        name: String, description: String, attribution: String, tiles: [String], minzoom: Int, maxzoom: Int,
        bounds: GeoBounds, legend: TileLegend, filter: String, incidents: Int
    ) {
        (self.name, self.description, self.attribution, self.tiles) = (name, description, attribution, tiles)
        (self.minzoom, self.maxzoom) = (minzoom, maxzoom)
        self.bounds = [bounds.minLon, bounds.minLat, bounds.maxLon, bounds.maxLat]
        center = [(bounds.minLon + bounds.maxLon) / 2, (bounds.minLat + bounds.maxLat) / 2, 12]
        patroliq = legend
        patroliqClasses = nil
        self.filter = filter
        self.incidents = incidents
    }

    /// The class legend `patroliq hotspots` writes into the store's `json` metadata.
    struct ClassLegend: Decodable {
        let patroliqClasses: [String: String]
        enum CodingKeys: String, CodingKey { case patroliqClasses = "patroliq_classes" }
    }

    init(_ l: LayerInfo, base: String) {
        name = l.metadata["name"] ?? l.name
        description = l.metadata["description"] ?? ""
        attribution = l.metadata["attribution"] ?? ""
        tiles = ["\(base)/tiles/\(l.name)/{z}/{x}/{y}.png"]
        minzoom = l.minZoom
        maxzoom = l.maxZoom
        bounds = l.bounds.map { [$0.minLon, $0.minLat, $0.maxLon, $0.maxLat] }
        center = l.center
        patroliq = l.legend
        patroliqClasses = l.metadata["json"].flatMap {
            try? JSONDecoder().decode(ClassLegend.self, from: Data($0.utf8)).patroliqClasses
        }
    }
}
