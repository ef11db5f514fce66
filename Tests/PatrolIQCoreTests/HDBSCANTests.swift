import Foundation
import Testing

@testable import PatrolIQCore

/// scikit-learn's labels on the 50 000-point fixture (bench/make_hdbscan_reference.py).
struct HDBSCANReference: Decodable {
    let n: Int
    let seed: UInt64
    let min_cluster_size: Int
    let min_samples: Int
    let first_point: [Double]
    let last_point: [Double]
    let labels: String

    static func load() throws -> HDBSCANReference {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Reference/hdbscan.json")
        return try JSONDecoder().decode(HDBSCANReference.self, from: Data(contentsOf: url))
    }

    var decodedLabels: [Int32] { labels.unicodeScalars.map { Int32($0.value) - 49 } }

    /// The fixture, drawn exactly as the Python script draws it: uniform draws, sums and products only.
    static func fixture(n: Int, seed: UInt64) -> [SIMD2<Double>] {
        var rng = SeededRandom(seed: seed)
        let centres = (0..<16).map { _ in (rng.unit() * 20000, rng.unit() * 20000, 100 + rng.unit() * 500) }
        var out: [SIMD2<Double>] = []
        out.reserveCapacity(n)
        for _ in 0..<n {
            if rng.unit() < 0.3 {
                let x = rng.unit() * 20000
                out.append(SIMD2(x, rng.unit() * 20000))
            } else {
                let c = centres[rng.below(16)]
                let x = c.0 + (rng.unit() + rng.unit() + rng.unit() + rng.unit() - 2) * c.2
                let y = c.1 + (rng.unit() + rng.unit() + rng.unit() + rng.unit() - 2) * c.2
                out.append(SIMD2(x, y))
            }
        }
        return out
    }
}

@Suite struct HDBSCANTests {
    @Test func labelsMatchScikitLearnOnFiftyThousandPoints() throws {
        let ref = try HDBSCANReference.load()
        let pts = HDBSCANReference.fixture(n: ref.n, seed: ref.seed)
        #expect(pts.first.map { [$0.x, $0.y] } == ref.first_point)
        #expect(pts.last.map { [$0.x, $0.y] } == ref.last_point)
        let r = HDBSCAN(minClusterSize: ref.min_cluster_size, minSamples: ref.min_samples).fit(pts)
        let expected = ref.decodedLabels
        #expect(r.clusterCount == Int(expected.max() ?? -1) + 1)
        // Equal-weight edges (many: a core distance is the weight of every edge inside it) may enter
        // the tree in another order than scikit-learn's unstable sort puts them; a few boundary
        // points then leave their zone at another split.
        #expect(abs(r.noiseCount - expected.filter { $0 < 0 }.count) <= ref.n / 1000)
        let ari = ClusterMetrics.adjustedRand(r.labels, expected)
        print("hdbscan fixture: ARI \(ari), noise \(r.noiseCount) vs \(expected.filter { $0 < 0 }.count)")
        #expect(ari >= 0.99, "ARI \(ari)")
    }

    /// Two tight groups and a far point: two clusters, the outlier noise.
    @Test func smallKnownAnswer() {
        var pts: [SIMD2<Double>] = []
        for i in 0..<12 { pts.append(SIMD2(Double(i % 4), Double(i / 4))) }
        for i in 0..<12 { pts.append(SIMD2(100 + Double(i % 4), Double(i / 4))) }
        pts.append(SIMD2(50, 500))
        let r = HDBSCAN(minClusterSize: 5, minSamples: 3).fit(pts)
        #expect(r.clusterCount == 2)
        #expect(Set(r.labels[0..<12]).count == 1)
        #expect(Set(r.labels[12..<24]).count == 1)
        #expect(r.labels[0] != r.labels[12])
        #expect(r.labels[24] == -1)
    }

    @Test func boruvkaTreeIsKruskalsOnTheCompleteGraph() {
        var rng = SeededRandom(seed: 5)
        let pts = (0..<300).map { _ in SIMD2(rng.unit() * 100, rng.unit() * 100) }
        let grid = PointGrid(pts, perCell: 4)
        let (core2, near) = grid.kthNearestSquared(4, keep: HDBSCAN.kept)
        // Core distances against brute force.
        for i in pts.indices {
            let d = pts.map { (($0 - pts[i]) * ($0 - pts[i])).sum() }.sorted()
            #expect(core2[i] == d[3])
        }
        // Kruskal over every pair.
        var edges: [(Double, Int, Int)] = []
        for i in pts.indices {
            for j in (i + 1)..<pts.count {
                let d = ((pts[i] - pts[j]) * (pts[i] - pts[j])).sum()
                edges.append((max(d, core2[i], core2[j]).squareRoot(), i, j))
            }
        }
        edges.sort { $0.0 < $1.0 }
        var uf = UnionFind(pts.count)
        var total = 0.0
        for e in edges where uf.union(e.1, e.2) { total += e.0 }
        #expect(total > 0)
        let tree = HDBSCAN.boruvka(grid, core2: core2, neighbours: near)
        #expect(tree.weight.count == pts.count - 1)
        #expect(abs(tree.weight.reduce(0, +) - total) < 1e-9 * total)
        var kruskal: [Double] = []
        var uf2 = UnionFind(pts.count)
        for e in edges where uf2.union(e.1, e.2) { kruskal.append(e.0) }
        #expect(tree.weight.sorted() == kruskal)
    }

    @Test func sampledRunLabelsEveryPointByItsNearestSampledPoint() throws {
        var o = ClusterOptions()
        o.algorithms = [.hdbscan]
        o.hdbscanSample = 2_000
        var rng = SeededRandom(seed: 9)
        var t = IncidentTable()
        for _ in 0..<6_000 {
            t.x.append(rng.unit() * 1000)
            t.y.append(rng.unit() * 1000)
        }
        let pts = t.points
        #expect(pts.count == 6_000)
        let a = try #require(
            ClusterPipeline.hdbscan(
                t, Matrix(points: pts), options: o, summaries: { _ in [] }, progress: nil))
        #expect(a.fitted == 2_000)
        #expect(a.result.labels.count == 6_000)
        #expect(a.result.labels.allSatisfy { $0 >= -1 && $0 < Int32(a.result.clusterCount) })
        // Spot checks against a brute-force nearest sampled point.
        let rows = ClusterPipeline.sampleRows(6_000, size: 2_000, seed: o.seed)
        let fitted = HDBSCAN(minClusterSize: a.minClusterSize, minSamples: a.minSamples).fit(rows.map { pts[$0] })
        for i in stride(from: 0, to: 6_000, by: 97) {
            let k = rows.indices.min {
                ((pts[rows[$0]] - pts[i]) * (pts[rows[$0]] - pts[i])).sum()
                    < ((pts[rows[$1]] - pts[i]) * (pts[rows[$1]] - pts[i])).sum()
            }!
            #expect(a.result.labels[i] == fitted.labels[k])
        }
    }

    @Test func adjustedRandIsOneForRelabelledPartitionsAndLowForChance() {
        let a: [Int32] = [0, 0, 1, 1, 2, 2, -1]
        let b: [Int32] = [5, 5, 3, 3, 9, 9, 7]
        #expect(ClusterMetrics.adjustedRand(a, b) == 1)
        var rng = SeededRandom(seed: 1)
        let x = (0..<5000).map { _ in Int32(rng.below(4)) }
        let y = (0..<5000).map { _ in Int32(rng.below(4)) }
        #expect(abs(ClusterMetrics.adjustedRand(x, y)) < 0.01)
    }
}
