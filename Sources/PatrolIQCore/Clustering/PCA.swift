/// Principal components of standardised features (Jacobi eigen-decomposition of the correlation matrix).
public struct PCAResult: Codable, Sendable, Equatable {
    public var features: [String]
    /// Components as rows (unit vectors over the standardised features), largest variance first.
    public var components: [[Double]]
    public var explainedVarianceRatio: [Double]
    public var mean: [Double]
    public var scale: [Double]
    enum CodingKeys: String, CodingKey {
        case features, components, mean, scale
        case explainedVarianceRatio = "explained_variance_ratio"
    }

    /// Coordinates of row `i` of `x` on the components.
    public func project(_ x: Matrix, _ i: Int) -> [Double] {
        components.map { c in
            var s = 0.0
            for j in 0..<x.cols { s += c[j] * (x.data[i * x.cols + j] - mean[j]) / scale[j] }
            return s
        }
    }
}

public enum PCA {
    public static func fit(_ x: Matrix, features: [String], components: Int = 2) -> PCAResult {
        fit(rows: x.rows, features: features, components: components) { _ in x }
    }

    /// The same fit from row blocks (`block(range)` gives those rows' features), two passes, so the
    /// feature matrix of millions of incidents never exists whole; sums run in row order either way.
    public static func fit(
        rows n: Int, features: [String], components: Int = 2, blockRows: Int = 65_536,
        block: (Range<Int>) -> Matrix
    ) -> PCAResult {
        let d = features.count
        func blocks(_ body: (Matrix) -> Void) {
            var start = 0
            while start < n {
                let r = start..<min(n, start + blockRows)
                let m = block(r)
                // A whole-matrix block (the Matrix form) is passed once.
                if m.rows == n {
                    body(m)
                    return
                }
                body(m)
                start = r.upperBound
            }
        }
        var mean = [Double](repeating: 0, count: d)
        blocks { x in for i in 0..<x.rows { for j in 0..<d { mean[j] += x.data[i * d + j] } } }
        for j in 0..<d { mean[j] /= Double(max(n, 1)) }
        var cov = [Double](repeating: 0, count: d * d)
        blocks { x in
            for i in 0..<x.rows {
                for a in 0..<d {
                    let va = x.data[i * d + a] - mean[a]
                    for b in a..<d { cov[a * d + b] += va * (x.data[i * d + b] - mean[b]) }
                }
            }
        }
        for a in 0..<d {
            for b in a..<d {
                cov[a * d + b] /= Double(max(n - 1, 1))
                cov[b * d + a] = cov[a * d + b]
            }
        }
        var scale = (0..<d).map { cov[$0 * d + $0].squareRoot() }
        for j in 0..<d where scale[j] == 0 { scale[j] = 1 }
        var corr = cov
        for a in 0..<d { for b in 0..<d { corr[a * d + b] = cov[a * d + b] / (scale[a] * scale[b]) } }
        let (values, vectors) = jacobi(corr, d)
        let order = values.indices.sorted { values[$0] > values[$1] }
        let total = values.reduce(0) { $0 + max($1, 0) }
        let m = min(components, d)
        let comps = order.prefix(m).map { k -> [Double] in
            var v = (0..<d).map { vectors[$0 * d + k] }
            // Sign convention: largest-magnitude entry positive, for stable output.
            if let big = v.indices.max(by: { abs(v[$0]) < abs(v[$1]) }), v[big] < 0 { v = v.map { -$0 } }
            return v
        }
        return PCAResult(
            features: features, components: comps,
            explainedVarianceRatio: order.prefix(m).map { total > 0 ? max(values[$0], 0) / total : 0 },
            mean: mean,
            scale: scale)
    }

    /// Eigenvalues and eigenvectors (columns) of a symmetric d × d matrix.
    static func jacobi(_ a0: [Double], _ d: Int) -> ([Double], [Double]) {
        var a = a0
        var v = [Double](repeating: 0, count: d * d)
        for i in 0..<d { v[i * d + i] = 1 }
        for _ in 0..<100 {
            var off = 0.0
            for p in 0..<d { for q in (p + 1)..<max(d, p + 1) { off += a[p * d + q] * a[p * d + q] } }
            if off < 1e-22 { break }
            for p in 0..<d {
                for q in (p + 1)..<max(d, p + 1) where abs(a[p * d + q]) > 1e-300 {
                    let theta = (a[q * d + q] - a[p * d + p]) / (2 * a[p * d + q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot()
                    let s = t * c
                    for k in 0..<d {
                        let akp = a[k * d + p]
                        let akq = a[k * d + q]
                        a[k * d + p] = c * akp - s * akq
                        a[k * d + q] = s * akp + c * akq
                    }
                    for k in 0..<d {
                        let apk = a[p * d + k]
                        let aqk = a[q * d + k]
                        a[p * d + k] = c * apk - s * aqk
                        a[q * d + k] = s * apk + c * aqk
                    }
                    for k in 0..<d {
                        let vkp = v[k * d + p]
                        let vkq = v[k * d + q]
                        v[k * d + p] = c * vkp - s * vkq
                        v[k * d + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        return ((0..<d).map { a[$0 * d + $0] }, v)
    }
}
