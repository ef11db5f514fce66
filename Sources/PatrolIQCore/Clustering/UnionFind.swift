/// Disjoint sets over 0..<n with path halving; `union` keeps the smaller root, so a set's root is its
/// lowest member when every union goes through it.
struct UnionFind {
    private var parent: [Int]

    init(_ n: Int) { parent = Array(0..<n) }

    mutating func find(_ a: Int) -> Int {
        var a = a
        while parent[a] != a {
            parent[a] = parent[parent[a]]
            a = parent[a]
        }
        return a
    }

    /// Joins the sets of `a` and `b`; returns false when they were already one.
    @discardableResult
    mutating func union(_ a: Int, _ b: Int) -> Bool {
        let ra = find(a)
        let rb = find(b)
        if ra == rb { return false }
        parent[max(ra, rb)] = min(ra, rb)
        return true
    }
}
