import Foundation
import Testing

@testable import PatrolIQCore

/// SciPy and scikit-learn answers on a fixed point set, written by bench/make_reference.py.
struct Reference: Decodable {
    struct DB: Decodable {
        let eps: Double
        let min_samples: Int
        let labels: [Int32]
        let core: [Int]
        let silhouette: Double
        let davies_bouldin: Double
    }
    struct Weighted: Decodable {
        let points: [[Double]]
        let weights: [Double]
        let heights: [Double]
    }
    let points: [[Double]]
    let kmeans_labels: [Int32]
    let kmeans_inertia: Double
    let silhouette: Double
    let davies_bouldin: Double
    let calinski_harabasz: Double
    let dbscan: DB
    let ward_heights: [Double]
    let ward_sizes: [Double]
    let weighted: Weighted

    static let shared: Reference = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Reference/clustering.json")
        do {
            return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
        } catch {
            fatalError("cannot read \(url.path): \(error)")
        }
    }()

    var matrix: Matrix { Matrix(rows: points.count, cols: 2, data: points.flatMap { $0 }) }
    var simd: [SIMD2<Double>] { points.map { SIMD2($0[0], $0[1]) } }
}

/// scikit-learn's DBSCAN, literally: brute-force neighbourhoods, then its labelling loop.
func referenceDBSCAN(_ p: [SIMD2<Double>], eps: Double, minSamples: Int) -> (
    labels: [Int32], core: [Bool]
) {
    let n = p.count
    let nb = (0..<n).map { i in
        (0..<n).filter { j in
            let d = p[i] - p[j]
            return (d * d).sum() <= eps * eps
        }
    }
    let core = nb.map { $0.count >= minSamples }
    var labels = [Int32](repeating: -1, count: n)
    var label: Int32 = 0
    for i0 in 0..<n where labels[i0] == -1 && core[i0] {
        var stack: [Int] = []
        var i = i0
        while true {
            if labels[i] == -1 {
                labels[i] = label
                if core[i] { for v in nb[i] where labels[v] == -1 { stack.append(v) } }
            }
            guard let next = stack.popLast() else { break }
            i = next
        }
        label += 1
    }
    return (labels, core)
}

@Suite struct ClusteringTests {
    func blobs(seed: UInt64, perBlob: Int = 200) -> ([SIMD2<Double>], [Int]) {
        var rng = SeededRandom(seed: seed)
        let centres: [SIMD2<Double>] = [SIMD2(0, 0), SIMD2(5000, 0), SIMD2(0, 5000), SIMD2(5000, 5000)]
        var pts: [SIMD2<Double>] = []
        var truth: [Int] = []
        for (c, centre) in centres.enumerated() {
            for _ in 0..<perBlob {
                pts.append(centre + SIMD2(rng.gaussian(), rng.gaussian()) * 300)
                truth.append(c)
            }
        }
        return (pts, truth)
    }

    @Test func kmeansSeparatesBlobsAndIsDeterministic() {
        let (pts, truth) = blobs(seed: 1)
        let x = Matrix(points: pts)
        let r = KMeans(k: 4, seed: 9).fit(x)
        #expect(r.labels.count == pts.count && r.labels.allSatisfy { $0 >= 0 && $0 < 4 })
        // Same partition as the truth, up to renaming.
        var map = [Int: Int32]()
        for (i, t) in truth.enumerated() {
            if let m = map[t] { #expect(m == r.labels[i]) } else { map[t] = r.labels[i] }
        }
        #expect(Set(map.values).count == 4)
        for j in 0..<4 {
            let c = SIMD2(r.centers.data[2 * j], r.centers.data[2 * j + 1])
            let nearest = [SIMD2<Double>(0, 0), SIMD2(5000, 0), SIMD2(0, 5000), SIMD2(5000, 5000)].map {
                ((c - $0) * (c - $0)).sum().squareRoot()
            }.min()!
            #expect(nearest < 60)
        }
        #expect(KMeans(k: 4, seed: 9).fit(x) == r)
        // The inertia, summed here independently of the code under test.
        var inertia = 0.0
        for i in 0..<x.rows {
            let a = Int(r.labels[i])
            let dx = x.data[2 * i] - r.centers.data[2 * a]
            let dy = x.data[2 * i + 1] - r.centers.data[2 * a + 1]
            inertia += dx * dx + dy * dy
        }
        #expect(abs(r.inertia - inertia) <= 1e-9 * inertia)
    }

    @Test func kmeansMatchesScikitLearnInertia() {
        let ref = Reference.shared
        let r = KMeans(k: 4, restarts: 10, seed: 1).fit(ref.matrix)
        // A local optimum at least as good as scikit-learn's best of 10 (within 0.5 %).
        #expect(r.inertia <= ref.kmeans_inertia * 1.005)
        // Lloyd's fixed point: every centre is the mean of its members.
        let x = ref.matrix
        for j in 0..<r.centers.rows {
            let members = (0..<x.rows).filter { r.labels[$0] == j }
            #expect(!members.isEmpty)
            for t in 0..<x.cols {
                let mean = members.reduce(0.0) { $0 + x.data[$1 * x.cols + t] } / Double(members.count)
                #expect(abs(r.centers.data[j * x.cols + t] - mean) <= 1e-9 * max(1, abs(mean)), "centre \(j)")
            }
        }
    }

    @Test func metricsEqualScikitLearn() throws {
        let ref = Reference.shared
        let x = ref.matrix
        let s = try #require(ClusterMetrics.silhouette(x, labels: ref.kmeans_labels))
        #expect(abs(s - ref.silhouette) < 1e-9)
        let db = try #require(ClusterMetrics.daviesBouldin(x, labels: ref.kmeans_labels))
        #expect(abs(db - ref.davies_bouldin) < 1e-9)
        let ch = try #require(ClusterMetrics.calinskiHarabasz(x, labels: ref.kmeans_labels))
        #expect(abs(ch - ref.calinski_harabasz) / ref.calinski_harabasz < 1e-9)
        #expect(ClusterMetrics.silhouette(x, labels: [Int32](repeating: 0, count: x.rows)) == nil)
    }

    @Test func weightedRowsAreTheRowsRepeated() throws {
        // 40 distinct 6-feature rows with multiplicities 1…5, and the same rows written out.
        var rng = SeededRandom(seed: 11)
        let distinct = (0..<40).map { i in (0..<6).map { _ in Double(i % 4) * 3 + rng.gaussian() } }
        let weights = (0..<40).map { _ in Double(1 + rng.below(5)) }
        let x = Matrix(rows: 40, cols: 6, data: distinct.flatMap { $0 })
        var repeated: [Double] = []
        var rowOf: [Int] = []
        for (i, w) in weights.enumerated() {
            for _ in 0..<Int(w) {
                repeated += distinct[i]
                rowOf.append(i)
            }
        }
        let big = Matrix(rows: rowOf.count, cols: 6, data: repeated)
        let fit = KMeans(k: 4, restarts: 5, seed: 3).fit(x, weights: weights)
        // Lloyd's fixed point with weights: every centre is the weighted mean of its members.
        for j in 0..<4 {
            let members = (0..<40).filter { fit.labels[$0] == j }
            let total = members.reduce(0.0) { $0 + weights[$1] }
            #expect(total > 0)
            for t in 0..<6 {
                let mean = members.reduce(0.0) { $0 + weights[$1] * x.data[$1 * 6 + t] } / total
                #expect(abs(fit.centers.data[j * 6 + t] - mean) <= 1e-9 * max(1, abs(mean)))
            }
        }
        // Inertia and silhouette of the weighted rows are those of the rows repeated.
        let expanded = rowOf.map { fit.labels[$0] }
        let inertia = (0..<big.rows).reduce(0.0) { s, i in
            let c = Int(expanded[i])
            return s + (0..<6).reduce(0.0) { $0 + pow(big.data[i * 6 + $1] - fit.centers.data[c * 6 + $1], 2) }
        }
        #expect(abs(fit.inertia - inertia) <= 1e-9 * inertia)
        let weighted = try #require(ClusterMetrics.silhouette(x, labels: fit.labels, weights: weights))
        let plain = try #require(ClusterMetrics.silhouette(big, labels: expanded))
        #expect(abs(weighted - plain) < 1e-12)
    }

    @Test(arguments: [5, 70]) func silhouetteEqualsTheDefinition(clusters: Int) throws {
        // Few clusters take the symmetric table, many (DBSCAN's zones) the per-row sums: both must give
        // the textbook value, summed here naively.
        var rng = SeededRandom(seed: UInt64(clusters))
        let n = 400
        var data = (0..<(2 * n)).map { _ in rng.gaussian() * 100 }
        // A quarter of the rows repeat others' places (as incidents geocoded to one block do), some with
        // the same label and some not: those are merged into weighted rows internally.
        for i in 300..<n { (data[2 * i], data[2 * i + 1]) = (data[2 * (i - 300)], data[2 * (i - 300) + 1]) }
        let x = Matrix(rows: n, cols: 2, data: data)
        let labels = (0..<n).map { i -> Int32 in
            i < clusters ? Int32(i) : i >= 350 ? Int32(i % clusters) : Int32(rng.below(clusters))
        }
        func dist(_ i: Int, _ j: Int) -> Double {
            let dx = x.data[2 * i] - x.data[2 * j]
            let dy = x.data[2 * i + 1] - x.data[2 * j + 1]
            return (dx * dx + dy * dy).squareRoot()
        }
        var total = 0.0
        for i in 0..<n {
            var sums = [Double](repeating: 0, count: clusters)
            var sizes = [Int](repeating: 0, count: clusters)
            for j in 0..<n {
                sums[Int(labels[j])] += dist(i, j)
                sizes[Int(labels[j])] += 1
            }
            let own = Int(labels[i])
            guard sizes[own] > 1 else { continue }
            let a = sums[own] / Double(sizes[own] - 1)
            let b = (0..<clusters).filter { $0 != own }.map { sums[$0] / Double(sizes[$0]) }.min()!
            total += (b - a) / max(a, b)
        }
        let s = try #require(ClusterMetrics.silhouette(x, labels: labels))
        #expect(abs(s - total / Double(n)) < 1e-12)
    }

    @Test func silhouetteDoesNotDependOnTheThreadCount() throws {
        let (pts, _) = blobs(seed: 5, perBlob: 700)
        let x = Matrix(points: pts)
        let labels = KMeans(k: 6, seed: 2).fit(x).labels
        let saved = Parallelism.threads
        defer { Parallelism.threads = saved }
        var values: [Double] = []
        for threads in [1, 2, 8] {
            Parallelism.threads = threads
            values.append(try #require(ClusterMetrics.silhouette(x, labels: labels)))
        }
        #expect(values[0] == values[1] && values[1] == values[2])
    }

    @Test func dbscanEqualsScikitLearn() throws {
        let ref = Reference.shared
        let r = DBSCAN(eps: ref.dbscan.eps, minSamples: ref.dbscan.min_samples).fit(ref.simd)
        #expect(r.labels == ref.dbscan.labels)
        #expect(r.isCore.indices.filter { r.isCore[$0] } == ref.dbscan.core)
        let keep = r.labels.indices.filter { r.labels[$0] >= 0 }
        let sub = ref.matrix.select(keep)
        let lab = keep.map { r.labels[$0] }
        #expect(
            abs(try #require(ClusterMetrics.silhouette(sub, labels: lab)) - ref.dbscan.silhouette) < 1e-9)
        #expect(
            abs(try #require(ClusterMetrics.daviesBouldin(sub, labels: lab)) - ref.dbscan.davies_bouldin)
                < 1e-9)
    }

    @Test func dbscanHandMadeLayout() {
        // Four points in a tight square (each has 4 within eps → core with min_samples 4),
        // one border point next to a corner, one isolated noise point, and a second square.
        let pts: [SIMD2<Double>] = [
            SIMD2(0, 0), SIMD2(1, 0), SIMD2(0, 1), SIMD2(1, 1),  // cluster 0 (core)
            SIMD2(2.0, 1.0),  // border: within 1.5 of (1,0),(1,1) only
            SIMD2(50, 50),  // noise
            SIMD2(10, 10), SIMD2(11, 10), SIMD2(10, 11), SIMD2(11, 11),  // cluster 1
        ]
        let r = DBSCAN(eps: 1.5, minSamples: 4).fit(pts)
        #expect(r.labels == [0, 0, 0, 0, 0, -1, 1, 1, 1, 1])
        #expect(r.isCore == [true, true, true, true, false, false, true, true, true, true])
        #expect(r.clusterCount == 2 && r.noiseCount == 1)
    }

    @Test func dbscanBorderPointJoinsTheLowestCluster() {
        // A border point between two clusters goes to the one whose lowest core index is smaller.
        let pts: [SIMD2<Double>] = [
            SIMD2(10, 0), SIMD2(10.5, 0), SIMD2(10, 0.5),  // cluster B listed first → label 0
            SIMD2(0, 0), SIMD2(0.5, 0), SIMD2(0, 0.5),  // cluster A → label 1
            SIMD2(5, 0),  // border of both when eps reaches
        ]
        let r = DBSCAN(eps: 5.0, minSamples: 3).fit(pts)
        let ref = referenceDBSCAN(pts, eps: 5.0, minSamples: 3)
        #expect(r.labels == ref.labels && r.isCore == ref.core)
    }

    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func dbscanEqualsBruteForceOnRandomData(seed: UInt64) {
        var rng = SeededRandom(seed: seed)
        var pts: [SIMD2<Double>] = []
        for _ in 0..<600 {
            if rng.unit() < 0.7 {
                let c = [SIMD2<Double>(0, 0), SIMD2(400, 100), SIMD2(150, 420)][rng.below(3)]
                pts.append(c + SIMD2(rng.gaussian(), rng.gaussian()) * 60)
            } else {
                pts.append(SIMD2(rng.unit() * 700 - 100, rng.unit() * 700 - 100))
            }
        }
        let r = DBSCAN(eps: 30, minSamples: 6).fit(pts)
        let ref = referenceDBSCAN(pts, eps: 30, minSamples: 6)
        #expect(r.labels == ref.labels)
        #expect(r.isCore == ref.core)
    }

    @Test func scaledMinSamplesFollowsTheDensity() {
        // 400 points on 4 squares of side eps: 100 per eps², so a disc holds 100π; twice that, rounded.
        let eps = 50.0
        let pts = (0..<400).map { (i: Int) -> SIMD2<Double> in
            let x: Double = Double(i % 20) * 5 + 0.5
            let y: Double = Double(i / 20) * 5 + 0.5
            return SIMD2(x, y)
        }
        #expect(DBSCAN.scaledMinSamples(pts, eps: eps) == Int((2 * 100 * Double.pi).rounded()))
        // Sixteen times the points on the same ground: sixteen times the count.
        let dense = pts.flatMap { [SIMD2<Double>](repeating: $0, count: 16) }
        #expect(DBSCAN.scaledMinSamples(dense, eps: eps) == Int((2 * 1600 * Double.pi).rounded()))
        // Isolated points, one per square: twice a disc of one point per eps², 2π → 6.
        #expect(DBSCAN.scaledMinSamples([SIMD2(0, 0), SIMD2(1000, 0)], eps: eps) == 6)
        // An extent too vast for a table of cells counts them in a set: the same answer.
        #expect(DBSCAN.scaledMinSamples([SIMD2(0, 0), SIMD2(1e9, 0)], eps: eps) == 6)
        #expect(
            DBSCAN.scaledMinSamples(dense + [SIMD2(1e9, 1e9)], eps: eps)
                == DBSCAN.scaledMinSamples(dense + [SIMD2(1e4, 1e4)], eps: eps))
    }

    @Test(arguments: [65, 90, 120]) func dbscanWithManyNeighboursEqualsReference(minSamples: Int) {
        // Above 64 neighbours the core test runs on the finer counting grid: dense blobs, a sparse
        // background and duplicates at one place, against the literal algorithm.
        var rng = SeededRandom(seed: UInt64(minSamples))
        var pts: [SIMD2<Double>] = []
        for _ in 0..<3000 {
            if rng.unit() < 0.8 {
                let c = [SIMD2<Double>(0, 0), SIMD2(300, 80), SIMD2(120, 330)][rng.below(3)]
                pts.append(c + SIMD2(rng.gaussian(), rng.gaussian()) * 45)
            } else {
                pts.append(SIMD2(rng.unit() * 600 - 150, rng.unit() * 600 - 150))
            }
        }
        pts += [SIMD2<Double>](repeating: SIMD2(500, 500), count: 70)
        let r = DBSCAN(eps: 25, minSamples: minSamples).fit(pts)
        let ref = referenceDBSCAN(pts, eps: 25, minSamples: minSamples)
        #expect(r.isCore == ref.core)
        #expect(r.labels == ref.labels)
        #expect(r.clusterCount > 0)
    }

    @Test func dbscanOnALatticeCountsNeighboursAtExactlyEps() {
        // Whole-metre places: many pairs lie at exactly eps (10, (6, 8), …), where the counting grid's
        // runs of squares end; a thinned lattice puts counts on both sides of min_samples.
        var rng = SeededRandom(seed: 11)
        var pts: [SIMD2<Double>] = []
        for y in 0..<60 {
            for x in 0..<60 where rng.unit() < 0.9 { pts.append(SIMD2(Double(x), Double(y))) }
        }
        let r = DBSCAN(eps: 10, minSamples: 280).fit(pts)
        let ref = referenceDBSCAN(pts, eps: 10, minSamples: 280)
        #expect(r.isCore == ref.core)
        #expect(r.labels == ref.labels)
        #expect(r.isCore.contains(true) && r.isCore.contains(false))
    }

    @Test func wardHeightsEqualSciPy() {
        let ref = Reference.shared
        let z = Ward.linkage(ref.matrix)
        #expect(z.count == ref.points.count - 1)
        for (a, b) in zip(z.map(\.height), ref.ward_heights) { #expect(abs(a - b) <= 1e-9 * max(1, b)) }
        #expect(z.map(\.size) == ref.ward_sizes)
        // SciPy layout: ids of merge i are < n + i, sizes add up.
        let n = ref.points.count
        for (i, m) in z.enumerated() { #expect(m.a < m.b && m.b < n + i) }
        #expect(z.last?.size == Double(n))
    }

    @Test func weightedWardEqualsSciPyOnRepeatedPoints() {
        let w = Reference.shared.weighted
        let z = Ward.linkage(
            Matrix(rows: w.points.count, cols: 2, data: w.points.flatMap { $0 }), weights: w.weights)
        #expect(z.count == w.heights.count)
        for (a, b) in zip(z.map(\.height), w.heights) { #expect(abs(a - b) <= 1e-9 * max(1, b)) }
    }

    @Test func wardCutGivesKClustersEveryPointAssigned() {
        let (pts, truth) = blobs(seed: 3, perBlob: 50)
        let z = Ward.linkage(Matrix(points: pts))
        let labels = Ward.cut(z, n: pts.count, clusters: 4)
        #expect(Set(labels) == [0, 1, 2, 3])
        var map = [Int: Int32]()
        for (i, t) in truth.enumerated() {
            if let m = map[t] { #expect(m == labels[i]) } else { map[t] = labels[i] }
        }
        #expect(Ward.cut(z, n: pts.count, clusters: 1).allSatisfy { $0 == 0 })
        #expect(Set(Ward.cut(z, n: pts.count, clusters: pts.count)).count == pts.count)
    }

    @Test func cyclicFeaturesWrap() {
        func dist(_ a: Double, _ b: Double, _ p: Double) -> Double {
            let x = CyclicFeatures.encode(a, period: p)
            let y = CyclicFeatures.encode(b, period: p)
            return ((x.sin - y.sin) * (x.sin - y.sin) + (x.cos - y.cos) * (x.cos - y.cos)).squareRoot()
        }
        #expect(abs(dist(23, 0, 24) - dist(0, 1, 24)) < 1e-12)
        #expect(dist(23, 0, 24) < dist(0, 12, 24) / 5)
        #expect(abs(dist(6, 0, 7) - dist(0, 1, 7)) < 1e-12)  // Sunday next to Monday
        let m = CyclicFeatures.matrix(hour: [23, 0], weekday: [6, 0], month: [12, 1])
        #expect(m.cols == 6 && m.rows == 2)
    }

    @Test func kChoiceRule() {
        func s(_ k: Int, _ inertia: Double, _ sil: Double, _ db: Double) -> KScore {
            KScore(
                k: k, inertia: inertia, silhouette: sil, daviesBouldin: db, calinskiHarabasz: 1,
                iterations: 1)
        }
        let c = KChoice(scores: [
            s(5, 100, 0.40, 0.9), s(6, 60, 0.45, 0.8), s(7, 50, 0.445, 0.7), s(8, 45, 0.30, 0.95),
        ])
        #expect(c.bestSilhouette == 6)
        #expect(c.k == 7)  // within 0.01 of the best silhouette, lower Davies–Bouldin
        #expect(c.elbow == 6)
    }

    @Test func temporalDescriptionAndRiskSlots() {
        // 1 000 incidents at Friday 22 h and an even spread elsewhere.
        var hour: [UInt8] = []
        var day: [UInt8] = []
        var month: [UInt8] = []
        var wk: [UInt8] = []
        var type: [Int32] = []
        for i in 0..<1000 {
            hour.append(22)
            day.append(4)
            month.append(UInt8(1 + i % 12))
            wk.append(0)
            type.append(0)
        }
        for w in 0..<7 {
            for h in 0..<24 {
                for _ in 0..<5 {
                    hour.append(UInt8(h))
                    day.append(UInt8(w))
                    month.append(6)
                    wk.append(w >= 5 ? 1 : 0)
                    type.append(1)
                }
            }
        }
        let labels = (0..<hour.count).map { Int32($0 < 1000 ? 0 : 1) }
        let a = TemporalAnalysis.describe(
            labels: labels, k: 2, hour: hour, weekday: day, month: month, weekend: wk, type: type,
            typeNames: ["ROBBERY", "THEFT"], silhouetteByK: [2: 0.5])
        #expect(a.patterns[0].peakHours.first == 22 && a.patterns[0].peakWeekdays.first == 4)
        #expect(a.riskSlots.count == 1 && a.riskSlots[0].weekday == 4 && a.riskSlots[0].hour == 22)
        #expect(a.profiles.first { $0.type == "ROBBERY" }?.patternShares == [1, 0])
        #expect(
            a.profiles.first { $0.type == "THEFT" }?.hourly.allSatisfy { abs($0 - 1.0 / 24) < 1e-12 }
                == true)
    }

    @Test func pcaFindsTheDominantDirection() {
        var rng = SeededRandom(seed: 5)
        var d: [Double] = []
        for _ in 0..<2000 {
            let t = rng.gaussian()
            d += [t, t + 0.01 * rng.gaussian(), rng.gaussian()]
        }
        let p = PCA.fit(Matrix(rows: 2000, cols: 3, data: d), features: ["a", "b", "c"])
        #expect(p.explainedVarianceRatio[0] > 0.6)
        #expect(abs(abs(p.components[0][0]) - 0.7071) < 0.01 && abs(p.components[0][2]) < 0.05)
    }
}

/// Same seed, same answer, whatever the number of threads.
@Suite(.serialized) struct ThreadIndependenceTests {
    @Test func kmeansLabelsDoNotDependOnTheThreadCount() {
        var rng = SeededRandom(seed: 11)
        var data: [Double] = []
        for i in 0..<60_000 {
            let cx: Double = Double(i % 7) * 900 + rng.gaussian() * 400
            let cy: Double = Double(i % 5) * 700 + rng.gaussian() * 400
            data.append(cx)
            data.append(cy)
        }
        let x = Matrix(rows: 60_000, cols: 2, data: data)
        let saved = Parallelism.threads
        defer { Parallelism.threads = saved }
        var results: [KMeansResult] = []
        for threads in [1, 2, 8] {
            Parallelism.threads = threads
            results.append(KMeans(k: 7, restarts: 2, seed: 5).fit(x))
        }
        #expect(results[0].labels == results[1].labels && results[1].labels == results[2].labels)
        #expect(
            results[0].centers.data == results[1].centers.data && results[1].centers.data == results[2].centers.data)
        #expect(results[0].inertia == results[2].inertia)
    }

    /// The banded parallel splat gives the serial splat's raster bit for bit, on any number of threads.
    @Test func densityRasterDoesNotDependOnTheThreadCount() {
        var rng = SeededRandom(seed: 4)
        let lon = (0..<50_000).map { _ in -87.9 + rng.unit() * 0.4 }
        let lat = (0..<50_000).map { _ in 41.7 + rng.gaussian() * 0.05 }
        let saved = Parallelism.threads
        defer { Parallelism.threads = saved }
        for zoom in [10, 14] {
            var rasters: [DensityRaster] = []
            for threads in [1, 2, 3] {
                Parallelism.threads = threads
                rasters.append(DensityRaster.build(lon: lon, lat: lat, zoom: zoom, bandwidth: 150, centerLat: 41.85))
            }
            #expect(rasters[0].values == rasters[1].values && rasters[1].values == rasters[2].values)
            // The serial definition: every point splatted in row order, then blurred.
            let r = rasters[0]
            let k = DensityRaster.kernel(zoom: zoom, bandwidth: 150, centerLat: 41.85)
            var grid = [Float](repeating: 0, count: r.width * r.height)
            for i in lon.indices {
                let p = WebMercator.pixel(lon: lon[i], lat: lat[i], zoom: zoom) / Double(k.factor)
                Bilinear.splat(&grid, width: r.width, at: p - r.origin / Double(k.factor))
            }
            let serial = DensityRaster.gaussianBlur(
                grid, width: r.width, height: r.height, sigma: k.sigma, radius: k.radius)
            #expect(serial == r.values)
        }
    }
}

@Suite struct TSNETests {
    /// Three well separated blobs in five dimensions.
    func blobs(_ n: Int, seed: UInt64) -> Matrix {
        var rng = SeededRandom(seed: seed)
        var data: [Double] = []
        for i in 0..<n {
            for t in 0..<5 {
                let centre: Double = t == i % 3 ? 8 : 0
                data.append(centre + rng.gaussian())
            }
        }
        return Matrix(rows: n, cols: 5, data: data)
    }

    @Test func embeddingKeepsNeighbourhoodsAndIgnoresTheThreadCount() throws {
        let x = blobs(300, seed: 4)
        let saved = Parallelism.threads
        defer { Parallelism.threads = saved }
        // Fewer iterations than the defaults keep the debug-build test short; the blobs separate early.
        var method = TSNE()
        method.exaggerationIterations = 100
        method.iterations = 150
        Parallelism.threads = 1
        let one = method.embed(x)
        Parallelism.threads = 2
        let two = method.embed(x)
        #expect(one == two)
        let t = try #require(ClusterMetrics.trustworthiness(x, embedding: two, k: 10))
        #expect(t > 0.9, "trustworthiness \(t)")
        // The blobs stay apart: every point's nearest embedded neighbour is of its own blob.
        for i in 0..<x.rows {
            func e(_ j: Int) -> Double {
                let v: SIMD2<Double> = two[j] - two[i]
                return (v * v).sum()
            }
            let j = try #require((0..<x.rows).filter { $0 != i }.min { e($0) < e($1) })
            #expect(j % 3 == i % 3, "point \(i)")
        }
    }

    @Test func trustworthinessEqualsTheDefinition() throws {
        var rng = SeededRandom(seed: 8)
        let n = 60
        let k = 5
        let x = Matrix(rows: n, cols: 3, data: (0..<(3 * n)).map { _ in rng.gaussian() })
        let y = (0..<n).map { _ in SIMD2(rng.gaussian(), rng.gaussian()) }
        func d(_ i: Int, _ j: Int) -> Double {
            var s = 0.0
            for t in 0..<3 {
                let v: Double = x.data[i * 3 + t] - x.data[j * 3 + t]
                s += v * v
            }
            return s
        }
        func e(_ i: Int, _ j: Int) -> Double {
            let v: SIMD2<Double> = y[i] - y[j]
            return (v * v).sum()
        }
        var penalty = 0.0
        for i in 0..<n {
            let byInput = (0..<n).filter { $0 != i }.sorted { d(i, $0) < d(i, $1) }
            let byEmbedding = (0..<n).filter { $0 != i }.sorted { e(i, $0) < e(i, $1) }
            for j in byEmbedding.prefix(k) { penalty += Double(max(0, byInput.firstIndex(of: j)! + 1 - k)) }
        }
        let expected = 1 - penalty * 2 / Double(n * k * (2 * n - 3 * k - 1))
        let t = try #require(ClusterMetrics.trustworthiness(x, embedding: y, k: k))
        #expect(abs(t - expected) < 1e-12)
        // An embedding that is the data itself keeps every neighbourhood.
        let flat = Matrix(rows: n, cols: 2, data: (0..<(2 * n)).map { x.data[($0 / 2) * 3 + $0 % 2] })
        let same = (0..<n).map { SIMD2(flat.data[2 * $0], flat.data[2 * $0 + 1]) }
        #expect(try #require(ClusterMetrics.trustworthiness(flat, embedding: same, k: k)) == 1)
    }
}
