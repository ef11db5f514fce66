import Foundation

/// Scores of one K-Means fit in the k sweep.
public struct KScore: Codable, Sendable, Equatable {
    public var k: Int
    public var inertia: Double
    public var silhouette: Double?
    public var daviesBouldin: Double?
    public var calinskiHarabasz: Double?
    public var iterations: Int
    enum CodingKeys: String, CodingKey {
        case k, inertia, silhouette, iterations
        case daviesBouldin = "davies_bouldin"
        case calinskiHarabasz = "calinski_harabasz"
    }
}

/// The k sweep and the documented rule that picks k.
public struct KChoice: Codable, Sendable, Equatable {
    public var scores: [KScore]
    public var k: Int
    /// Elbow of the inertia curve: the k farthest from the chord joining the first and last points.
    public var elbow: Int
    public var bestSilhouette: Int?
    public var bestDaviesBouldin: Int?
    public var reason: String
    public var rule =
        "highest silhouette; when two k are within 0.01, the one with the lower Davies–Bouldin, then the smaller k"
    /// Rows of the seeded sample the sweep was fitted and scored on (nil: every row).
    public var sample: Int?

    enum CodingKeys: String, CodingKey {
        case scores, k, elbow, reason, rule, sample
        case bestSilhouette = "best_silhouette"
        case bestDaviesBouldin = "best_davies_bouldin"
    }

    public init(scores: [KScore]) {
        self.scores = scores
        // Elbow: maximum distance below the chord of the normalised inertia curve.
        let ks = scores.map { Double($0.k) }
        let ins = scores.map(\.inertia)
        var elbow = scores.first?.k ?? 0
        if scores.count >= 3, let k0 = ks.first, let k1 = ks.last, let i0 = ins.first,
            let i1 = ins.last, i0 != i1
        {
            var bestD = -Double.infinity
            for (j, s) in scores.enumerated() {
                let u = (ks[j] - k0) / (k1 - k0)
                let v = (ins[j] - i1) / (i0 - i1)
                let dist = (1 - u) - v  // below the chord from (0,1) to (1,0)
                if dist > bestD {
                    bestD = dist
                    elbow = s.k
                }
            }
        }
        self.elbow = elbow
        let withSil = scores.filter { $0.silhouette != nil }
        bestSilhouette = withSil.max { ($0.silhouette!, -$0.k) < ($1.silhouette!, -$1.k) }?.k
        bestDaviesBouldin =
            scores.filter { $0.daviesBouldin != nil }.min {
                ($0.daviesBouldin!, $0.k) < ($1.daviesBouldin!, $1.k)
            }?.k
        if let top = withSil.map({ $0.silhouette! }).max() {
            let near = withSil.filter { top - $0.silhouette! <= 0.01 }
            let pick = near.min {
                (($0.daviesBouldin ?? .infinity), $0.k) < (($1.daviesBouldin ?? .infinity), $1.k)
            }!
            k = pick.k
            reason = String(
                format:
                    "kmeans: k=%d chosen: silhouette %.3f (best %.3f at k=%d)%@; elbow at k=%d; lowest Davies–Bouldin at k=%d",
                pick.k, pick.silhouette!, top, bestSilhouette ?? pick.k,
                near.count > 1 ? ", tie within 0.01 broken by Davies–Bouldin" : "", elbow,
                bestDaviesBouldin ?? pick.k)
        } else {
            k = elbow
            reason = "kmeans: k=\(elbow) chosen at the elbow (silhouette undefined)"
        }
    }
}
