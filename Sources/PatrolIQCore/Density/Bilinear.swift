/// Bilinear weights between cell centres, shared by the density grids: splatting a point onto the
/// four nearest centres (which keeps its centroid exact) and reading a value back the same way.
/// Positions are in cell units with cell (i, j) centred at (i + 0.5, j + 0.5).
enum Bilinear {
    /// Adds `weight` at `f` to the four cells around it (the caller keeps `f` at least one cell inside).
    @inline(__always)
    static func splat(_ grid: inout [Float], width w: Int, at f: SIMD2<Double>, weight: Float = 1) {
        let g = f - 0.5
        let x0 = floorIndex(g.x)
        let y0 = floorIndex(g.y)
        let tx = Float(g.x - Double(x0))
        let ty = Float(g.y - Double(y0))
        grid[y0 * w + x0] += weight * (1 - tx) * (1 - ty)
        grid[y0 * w + x0 + 1] += weight * tx * (1 - ty)
        grid[(y0 + 1) * w + x0] += weight * (1 - tx) * ty
        grid[(y0 + 1) * w + x0 + 1] += weight * tx * ty
    }

    /// `Int(x.rounded(.down))` for any finite `x`, without a call: this build's x86-64 baseline has no
    /// rounding instruction, so `rounded(.down)` goes to libm's `floor`, two calls per point splatted;
    /// for `x >= 0` the truncating conversion is the same value in one instruction.
    @inline(__always)
    static func floorIndex(_ x: Double) -> Int {
        x >= 0 ? Int(x) : Int(x.rounded(.down))
    }

    /// The value at `f`, 0 outside the grid's centres.
    @inline(__always)
    static func sample(_ values: [Float], width: Int, height: Int, at f: SIMD2<Double>) -> Float {
        let g = f - 0.5
        let x0 = Int(g.x.rounded(.down))
        let y0 = Int(g.y.rounded(.down))
        guard x0 >= 0, y0 >= 0, x0 + 1 < width, y0 + 1 < height else { return 0 }
        let tx = Float(g.x - Double(x0))
        let ty = Float(g.y - Double(y0))
        let a = values[y0 * width + x0]
        let b = values[y0 * width + x0 + 1]
        let c = values[(y0 + 1) * width + x0]
        let d = values[(y0 + 1) * width + x0 + 1]
        return (a * (1 - tx) + b * tx) * (1 - ty) + (c * (1 - tx) + d * tx) * ty
    }
}
