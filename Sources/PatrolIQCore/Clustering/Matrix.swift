import Dispatch
import Foundation

/// Row-major points: `rows` points of `cols` coordinates each. Clustering works on these.
public struct Matrix: Sendable, Equatable {
    public let rows: Int
    public let cols: Int
    public var data: [Double]

    public init(rows: Int, cols: Int, data: [Double]) {
        precondition(data.count == rows * cols, "matrix data size")
        self.rows = rows
        self.cols = cols
        self.data = data
    }

    public init(points: [SIMD2<Double>]) {
        rows = points.count
        cols = 2
        data = [Double](unsafeUninitializedCapacity: points.count * 2) { b, n in
            for (i, p) in points.enumerated() {
                b[2 * i] = p.x
                b[2 * i + 1] = p.y
            }
            n = points.count * 2
        }
    }

    public subscript(i: Int) -> ArraySlice<Double> { data[i * cols..<(i + 1) * cols] }

    /// Each row as its own array: the shape K-Means start centres and the stored centres take.
    public var rowArrays: [[Double]] { (0..<rows).map { Array(self[$0]) } }

    /// Rows `indices`, in that order.
    public func select(_ indices: [Int]) -> Matrix {
        var d = [Double]()
        d.reserveCapacity(indices.count * cols)
        for i in indices { d.append(contentsOf: self[i]) }
        return Matrix(rows: indices.count, cols: cols, data: d)
    }
}

/// Squared Euclidean distance between row `i` of `a` and row `j` of `b`.
@inline(__always)
func squaredDistance(
    _ a: UnsafePointer<Double>, _ i: Int, _ b: UnsafePointer<Double>, _ j: Int, _ d: Int
) -> Double {
    let p = a + i * d
    let q = b + j * d
    // The plane is the hot case: a fixed-size body the compiler keeps in registers.
    if d == 2 {
        let x = p[0] - q[0]
        let y = p[1] - q[1]
        return x * x + y * y
    }
    var s = 0.0
    for k in 0..<d {
        let t = p[k] - q[k]
        s += t * t
    }
    return s
}

/// Splits 0..<n into `parts` contiguous ranges and runs them concurrently (both cores), or one after
/// another when `Parallelism.threads` is 1. Callers that add up per-part results use a fixed
/// `parts`, so what they compute does not depend on the number of threads.
///
/// `concurrent: false` runs the same parts one after another: for work that is itself one of many
/// items already spread over the cores.
func parallelRanges(
    _ n: Int, parts: Int = 2, minimum: Int = 4096, concurrent: Bool = true, _ body: (Range<Int>, Int) -> Void
) {
    let p = n < minimum ? 1 : max(1, parts)
    if p == 1 {
        body(0..<n, 0)
        return
    }
    if Parallelism.threads == 1 || !concurrent {
        for t in 0..<p { body(n * t / p..<n * (t + 1) / p, t) }
        return
    }
    withoutActuallyEscaping(body) { b in
        // Each part touches only its own range (and its own slot of any per-part output).
        let shared = UncheckedSendable(b)
        DispatchQueue.concurrentPerform(iterations: p) { t in
            let lo = n * t / p
            let hi = n * (t + 1) / p
            shared.value(lo..<hi, t)
        }
    }
}

/// `body` of every item, on the threads in use, results in input order: each item is computed on
/// its own, so the results do not depend on the thread count.
func parallelMap<T, R>(_ items: [T], _ body: (T) -> R) -> [R] {
    var out = [R?](repeating: nil, count: items.count)
    out.withUnsafeMutableBufferPointer { buffer in
        let slots = UncheckedSendable(buffer)
        parallelRanges(items.count, parts: Parallelism.threads, minimum: 2) { range, _ in
            for i in range { slots.value[i] = body(items[i]) }
        }
    }
    return out.map { $0! }
}

extension RandomAccessCollection where Element: Comparable, Index == Int {
    /// The first index whose element is not below `value` (the collection sorted ascending).
    func lowerBound(of value: Element) -> Int {
        var lo = startIndex
        var hi = endIndex
        while lo < hi {
            let mid = (lo + hi) / 2
            if self[mid] < value { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}

struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ v: T) { value = v }
}

/// How many threads the algorithms use.
public enum Parallelism {
    /// The machine's cores (at most 8) unless set: 1 runs every parallel loop on the calling thread,
    /// which the tests use to check that results do not depend on it.
    nonisolated(unsafe) public static var threads = max(1, min(8, System.cores))
}

/// Number of parts to split independent work into: the threads in use.
var workerCount: Int { Parallelism.threads }

enum System {
    static var cores: Int {
        sysconf(Int32(_SC_NPROCESSORS_ONLN)) > 0 ? Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) : 1
    }
}
