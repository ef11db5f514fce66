import Foundation

/// A kernel density estimate on one zoom level's pixel grid (possibly coarser by `factor`), covering
/// the data plus a margin of the kernel radius. Tiles are cut from it, so they are seamless by
/// construction and share one normalisation.
public struct DensityRaster: Sendable {
    public let zoom: Int
    public let tileSize: Int
    /// Raster cell side in global pixels (a power of two ≥ 1).
    public let factor: Int
    /// Global pixel coordinate of the raster's (0, 0) corner.
    public let origin: SIMD2<Double>
    public let width: Int
    public let height: Int
    /// Density per cell, row-major from the north-west; each point adds a Gaussian of total mass 1.
    public var values: [Float]
    /// Gaussian sigma in raster cells.
    public let sigma: Double

    /// Builds the raster for points (degrees) with a Gaussian kernel of `bandwidth` metres (its sigma).
    ///
    /// The cell size grows with zoom so that sigma stays 4–8 cells: at street zooms the density is
    /// computed coarser and interpolated (Catmull–Rom) when tiles are cut, which keeps every zoom cheap.
    public static func build(
        lon: [Double], lat: [Double], weights: [Float]? = nil, zoom: Int, bandwidth: Double, centerLat: Double,
        tileSize: Int = 256
    ) -> DensityRaster {
        build(
            units: units(lon: lon, lat: lat), weights: weights, zoom: zoom, bandwidth: bandwidth, centerLat: centerLat,
            tileSize: tileSize)
    }

    /// Points on the Web Mercator unit square (`WebMercator.unit`), for building several zooms.
    public static func units(lon: [Double], lat: [Double]) -> [SIMD2<Double>] {
        var out = [SIMD2<Double>](repeating: .zero, count: lon.count)
        out.withUnsafeMutableBufferPointer { o in
            let u = UncheckedSendable(o)
            parallelRanges(lon.count, parts: workerCount, minimum: 1 << 16) { range, _ in
                for i in range { u.value[i] = WebMercator.unit(lon: lon[i], lat: lat[i]) }
            }
        }
        return out
    }

    /// The points grouped by zoom-14 tile (row by row; input order within a tile), a stable counting
    /// sort: splatting them in this order touches one small patch of each raster at a time instead of
    /// the whole raster at random. Two points keep their relative order whatever else is added, so a
    /// cell's sum still adds its points in one order (what `tiles --update` relies on).
    public static func groupedByArea(_ units: [SIMD2<Double>]) -> [SIMD2<Double>] {
        guard let order = areaOrder(units) else { return units }
        return order.map { units[Int($0)] }
    }

    /// The permutation `groupedByArea` applies (positions in grouped order); nil when it keeps the
    /// order: the points are grouped already, or spread too vastly for a table (not a city).
    ///
    /// Being stable, the grouped order of any subset of the points is this order with the others left
    /// out whenever the whole set gets one (a subset's extent is no larger): `LayerUnits` relies on it.
    public static func areaOrder(_ units: [SIMD2<Double>]) -> [Int32]? {
        guard units.count > 1, units.count < Int(Int32.max) else { return nil }
        let scale = Double(1 << 14)
        func tile(_ u: SIMD2<Double>) -> SIMD2<Int> {
            SIMD2(Bilinear.floorIndex(u.x * scale), Bilinear.floorIndex(u.y * scale))
        }
        // Grouped already (a layer of `LayerUnits`, which every render and update gets): one pass that
        // allocates nothing says so. A tile's bucket below is row-major, so bucket order is (y, x) order.
        var previous = tile(units[0])
        var sorted = true
        for u in units.dropFirst() {
            let t = tile(u)
            if t.y < previous.y || (t.y == previous.y && t.x < previous.x) {
                sorted = false
                break
            }
            previous = t
        }
        if sorted { return nil }
        var lo = SIMD2<Int>(Int.max, Int.max)
        var hi = SIMD2<Int>(Int.min, Int.min)
        for u in units {
            let t = tile(u)
            lo = pointwiseMin(lo, t)
            hi = pointwiseMax(hi, t)
        }
        let width = hi.x - lo.x + 1
        let buckets = width * (hi.y - lo.y + 1)
        guard buckets > 0, buckets <= maxAreaBuckets else { return nil }
        var bucket = [Int32](repeating: 0, count: units.count)
        var start = [Int](repeating: 0, count: buckets + 1)
        for (i, u) in units.enumerated() {
            let t = tile(u) &- lo
            bucket[i] = Int32(t.y * width + t.x)
            start[Int(bucket[i]) + 1] += 1
        }
        for b in 0..<buckets { start[b + 1] += start[b] }
        var order = [Int32](repeating: 0, count: units.count)
        for i in units.indices {
            let b = Int(bucket[i])
            order[start[b]] = Int32(i)
            start[b] += 1
        }
        return order
    }

    /// Zoom-14 tiles an extent may span and still be grouped (4 M: a 2 000 km square).
    static let maxAreaBuckets = 1 << 22

    /// `build` from points already on the unit square: the same raster, bit for bit. `extent` is their
    /// `boundingBox` when the caller has it already (a pyramid's zooms share one).
    public static func build(
        units: [SIMD2<Double>], weights: [Float]? = nil, zoom: Int, bandwidth: Double, centerLat: Double,
        tileSize: Int = 256, extent: (lo: SIMD2<Double>, hi: SIMD2<Double>)? = nil
    ) -> DensityRaster {
        let (factor, sigma, radius) = kernel(zoom: zoom, bandwidth: bandwidth, centerLat: centerLat, tileSize: tileSize)
        let size = Double(tileSize) * Double(1 << zoom)
        let f = Double(factor)
        guard !units.isEmpty else {
            return DensityRaster(
                zoom: zoom, tileSize: tileSize, factor: factor, origin: .zero, width: 0, height: 0, values: [],
                sigma: sigma)
        }
        // Extent of the points in raster cells: scaling is monotone, so the scaled extremes are the
        // extremes of the scaled points, bit for bit.
        let (lo, hi) = extent ?? boundingBox(units)
        let (minX, minY) = (lo.x * size / f, lo.y * size / f)
        let (maxX, maxY) = (hi.x * size / f, hi.y * size / f)
        let ox = (minX - 0.5).rounded(.down) - Double(radius)
        let oy = (minY - 0.5).rounded(.down) - Double(radius)
        let w = Int(maxX.rounded(.up) - ox) + radius + 2
        let h = Int(maxY.rounded(.up) - oy) + radius + 2
        var grid = [Float](repeating: 0, count: w * h)
        // Bilinear splat onto cell centres (cell (i, j) is centred at origin + (i + 0.5, j + 0.5)), in row
        // order, on one core: tiles render layers two at a time, so both cores are busy already.
        let origin = SIMD2(ox, oy)
        for i in 0..<units.count {
            Bilinear.splat(&grid, width: w, at: units[i] * size / f - origin, weight: weights?[i] ?? 1)
        }
        let blurred = gaussianBlur(grid, width: w, height: h, sigma: sigma, radius: radius)
        return DensityRaster(
            zoom: zoom, tileSize: tileSize, factor: factor, origin: SIMD2(ox, oy) * Double(factor), width: w, height: h,
            values: blurred, sigma: sigma)
    }

    /// The raster cell side (global pixels), the kernel's sigma (cells) and its reach (cells) at a zoom.
    public static func kernel(zoom: Int, bandwidth: Double, centerLat: Double, tileSize: Int = 256) -> (
        factor: Int, sigma: Double, radius: Int
    ) {
        let sigmaPx = bandwidth / WebMercator.metresPerPixel(lat: centerLat, zoom: zoom, tileSize: tileSize)
        var factor = 1
        while Double(factor * 2) * 4 <= sigmaPx { factor *= 2 }
        let sigma = max(sigmaPx / Double(factor), 0.5)
        return (factor, sigma, Int((3 * sigma).rounded(.up)) + 1)
    }

    /// The raster around one tile only, on the same cell lattice as `build`'s, from the points that
    /// can reach it: its tile cut equals `build`'s up to the order floats were added.
    ///
    /// `points` is called with the window in global pixels and must pass every point (longitude,
    /// latitude) inside it, and may pass others; it is how an index hands over only nearby incidents.
    public static func window(
        tileX: Int, tileY: Int, zoom: Int, bandwidth: Double, centerLat: Double, tileSize: Int = 256,
        points: (_ minPixel: SIMD2<Double>, _ maxPixel: SIMD2<Double>, _ add: (Double, Double) -> Void) -> Void
    ) -> DensityRaster {
        let (factor, sigma, radius) = kernel(zoom: zoom, bandwidth: bandwidth, centerLat: centerLat, tileSize: tileSize)
        let f = Double(factor)
        // Cells the cut reads (Catmull–Rom taps reach 1 before and 2 after), then the blur's reach.
        let first = SIMD2(Double(tileX * tileSize), Double(tileY * tileSize)) / f
        let last = first + Double(tileSize) / f
        // Two cells more each side: a point dropped at the edge is then beyond the blur's reach.
        let ox = (first.x - 0.5).rounded(.down) - 1 - Double(radius) - 3
        let oy = (first.y - 0.5).rounded(.down) - 1 - Double(radius) - 3
        let w = Int(last.x.rounded(.up) - ox) + 2 + radius + 4
        let h = Int(last.y.rounded(.up) - oy) + 2 + radius + 4
        var grid = [Float](repeating: 0, count: w * h)
        let lo = SIMD2(ox, oy)
        let hi = lo + SIMD2(Double(w), Double(h))
        points(lo * f, hi * f) { lon, lat in
            let p = WebMercator.pixel(lon: lon, lat: lat, zoom: zoom, tileSize: tileSize) / f
            // Splatting touches the cell below and the one above: keep one cell inside.
            guard p.x >= lo.x + 1, p.y >= lo.y + 1, p.x < hi.x - 1, p.y < hi.y - 1 else { return }
            Bilinear.splat(&grid, width: w, at: p - lo)
        }
        // The cut reads cells from 1 before the tile's first to 2 after its last.
        let c0 = Int((first.x - 0.5).rounded(.down) - ox) - 1
        let r0 = Int((first.y - 0.5).rounded(.down) - oy) - 1
        let c1 = min(w, Int(last.x.rounded(.up) - ox) + 3)
        let r1 = min(h, Int(last.y.rounded(.up) - oy) + 3)
        let blurred = gaussianBlur(
            grid, width: w, height: h, sigma: sigma, radius: radius, columns: max(0, c0)..<c1, rows: max(0, r0)..<r1)
        return DensityRaster(
            zoom: zoom, tileSize: tileSize, factor: factor, origin: lo * f, width: w, height: h, values: blurred,
            sigma: sigma)
    }

    /// Separable Gaussian blur, kernel normalised to sum 1 (mass preserving). Both passes run tap by tap
    /// over whole rows, so the inner loops are contiguous and vectorise.
    ///
    /// Only the cells in `columns` × `rows` are computed (the rest stay 0): a tile's window needs its
    /// middle, not the margin that feeds it. Each computed cell adds the same terms in the same order
    /// as a full blur, so it is bit for bit the full blur's value.
    static func gaussianBlur(
        _ src: [Float], width w: Int, height h: Int, sigma: Double, radius r: Int, columns: Range<Int>? = nil,
        rows: Range<Int>? = nil
    ) -> [Float] {
        var k = (-r...r).map { Float(exp(-Double($0 * $0) / (2 * sigma * sigma))) }
        let s = k.reduce(0, +)
        k = k.map { $0 / s }
        let cols = columns ?? 0..<w
        let outRows = rows ?? 0..<h
        // The horizontal pass feeds the vertical one: every row within r of an output row.
        let feedRows = max(0, outRows.lowerBound - r)..<min(h, outRows.upperBound + r)
        var tmp = [Float](repeating: 0, count: w * h)
        var out = [Float](repeating: 0, count: w * h)
        k.withUnsafeBufferPointer { kp in
            let K = kp.baseAddress!
            src.withUnsafeBufferPointer { sp in
                tmp.withUnsafeMutableBufferPointer { tp in
                    let S = sp.baseAddress!
                    let T = tp.baseAddress!
                    parallelRanges(feedRows.count, parts: workerCount, minimum: 64) { part, _ in
                        for y in (feedRows.lowerBound + part.lowerBound)..<(feedRows.lowerBound + part.upperBound) {
                            let row = S + y * w
                            let dst = T + y * w
                            for t in -r...r {
                                let kt = K[t + r]
                                // dst[x] += row[x + t] for the output columns x with 0 <= x + t < w.
                                let lo = max(cols.lowerBound, -t)
                                let hi = min(cols.upperBound, w - t)
                                if lo >= hi { continue }
                                // Shifted once, so the loop has no index arithmetic to check and vectorises.
                                let shifted = row + t
                                for x in lo..<hi { dst[x] += shifted[x] * kt }
                            }
                        }
                    }
                }
            }
            tmp.withUnsafeBufferPointer { tp in
                out.withUnsafeMutableBufferPointer { op in
                    let T = tp.baseAddress!
                    let O = op.baseAddress!
                    parallelRanges(outRows.count, parts: workerCount, minimum: 64) { part, _ in
                        for y in (outRows.lowerBound + part.lowerBound)..<(outRows.lowerBound + part.upperBound) {
                            let dst = O + y * w
                            for yy in max(0, y - r)...min(h - 1, y + r) {
                                let kt = K[yy - y + r]
                                let src = T + yy * w
                                for x in cols { dst[x] += src[x] * kt }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Density at a global pixel position (bilinear between cell centres; 0 outside).
    @inline(__always)
    public func value(atPixel p: SIMD2<Double>) -> Float {
        Bilinear.sample(values, width: width, height: height, at: (p - origin) / Double(factor))
    }

    /// Samples one tile's pixels (`scale` 2 gives a 512-pixel @2x tile of the same area).
    ///
    /// At a cell size of one pixel this is the raster itself; coarser rasters are interpolated with
    /// separable Catmull–Rom cubics, which keep a smooth field's maxima between cell centres (bilinear
    /// interpolation would pin them to the centres).
    public func tile(x: Int, y: Int, scale: Int = 1) -> [Float] {
        let n = tileSize * scale
        var out = [Float](repeating: 0, count: n * n)
        out.withUnsafeMutableBufferPointer { op in
            _ = eachTileRow(x: x, y: y, scale: scale, skipAtOrBelow: nil) { j, row in
                (op.baseAddress! + j * n).update(from: row.baseAddress!, count: n)
            }
        }
        return out
    }

    /// `ColorRamp.indices(tile(x: x, y: y), scale: scale, floor: floor)`, bit for bit, without the float
    /// tile: each row is indexed as soon as it is interpolated, and a tile none of whose cells can reach
    /// the floor is not interpolated at all.
    public func tileIndices(x: Int, y: Int, scale: Float, floor: Float = 0.02) -> [UInt8]? {
        let n = tileSize
        var out = [UInt8](repeating: 0, count: n * n)
        var top: UInt8 = 0
        let drawn = out.withUnsafeMutableBufferPointer { op in
            eachTileRow(x: x, y: y, scale: 1, skipAtOrBelow: floor / scale) { j, row in
                top = max(
                    top,
                    ColorRamp.indices(
                        UnsafeBufferPointer(row), scale: scale, floor: floor, into: op.baseAddress! + j * n))
            }
        }
        return drawn && top > 0 ? out : nil
    }

    /// `tileIndices(x: x, y: y, scale: scale, floor: floor)` at the pixels `rows` × `columns` only,
    /// written into `out` (the tile's indices, row-major) and the other pixels left as they are: each
    /// pixel is computed as in a whole cut, bit for bit. `tiles --update` cuts only the part of a tile a
    /// change can reach and keeps the stored indices elsewhere.
    public func tileIndices(
        x: Int, y: Int, scale: Float, floor: Float = 0.02, rows: Range<Int>, columns: Range<Int>,
        into out: inout [UInt8]
    ) {
        let n = tileSize
        precondition(out.count == n * n && rows.lowerBound >= 0 && rows.upperBound <= n)
        precondition(columns.lowerBound >= 0 && columns.upperBound <= n)
        guard !rows.isEmpty, !columns.isEmpty else { return }
        out.withUnsafeMutableBufferPointer { op in
            _ = eachTileRow(x: x, y: y, scale: 1, skipAtOrBelow: nil, rows: rows, columns: columns) { j, row in
                _ = ColorRamp.indices(
                    UnsafeBufferPointer(rebasing: row[columns]), scale: scale, floor: floor,
                    into: op.baseAddress! + j * n + columns.lowerBound)
            }
        }
    }

    /// Calls `row` with each output row of a tile in order (a scratch buffer, valid during the call).
    /// With `skipAtOrBelow`, returns false without a call when no pixel can exceed it: Catmull–Rom's
    /// positive weights sum to at most 1.19 per axis, so no pixel exceeds 1.25 × the cells it reads.
    /// With `rows` and `columns`, only those rows are called and only those columns computed (the rest
    /// of each scratch row is not meaningful).
    private func eachTileRow(
        x: Int, y: Int, scale: Int, skipAtOrBelow limit: Float?, rows wanted: Range<Int>? = nil,
        columns: Range<Int>? = nil, _ row: (Int, UnsafeMutableBufferPointer<Float>) -> Void
    ) -> Bool {
        let n = tileSize * scale
        let outRows = wanted ?? 0..<n
        let cols = columns ?? 0..<n
        let step = 1 / Double(scale)
        let bx = Double(x * tileSize)
        let by = Double(y * tileSize)
        let scratch = UnsafeMutableBufferPointer<Float>.allocate(capacity: n)
        defer { scratch.deallocate() }
        func emptyRows() -> Bool {
            if limit != nil { return false }
            scratch.initialize(repeating: 0)
            for j in outRows { row(j, scratch) }
            return true
        }
        guard width > 0 else { return emptyRows() }
        if factor == 1 && scale == 1 {
            // Cells are pixels: copy the overlapping window.
            let ox = Int(origin.x)
            let oy = Int(origin.y)
            if let limit {
                var high: Float = 0
                for j in 0..<n {
                    let ry = y * tileSize + j - oy
                    guard ry >= 0 && ry < height else { continue }
                    for i in 0..<n {
                        let rx = x * tileSize + i - ox
                        if rx >= 0 && rx < width { high = max(high, values[ry * width + rx]) }
                    }
                }
                if high <= limit { return false }
            }
            for j in outRows {
                scratch.initialize(repeating: 0)
                let ry = y * tileSize + j - oy
                if ry >= 0 && ry < height {
                    for i in cols {
                        let rx = x * tileSize + i - ox
                        if rx >= 0 && rx < width { scratch[i] = values[ry * width + rx] }
                    }
                }
                row(j, scratch)
            }
            return true
        }
        // Per output column / row: the first of 4 cells and the 4 cubic weights.
        func taps(_ base: Double, _ originC: Double) -> ([Int], [SIMD4<Float>]) {
            var idx = [Int](repeating: 0, count: n)
            var w = [SIMD4<Float>](repeating: .zero, count: n)
            for i in 0..<n {
                let f = (base + (Double(i) + 0.5) * step - originC) / Double(factor) - 0.5
                let c = Int(f.rounded(.down))
                let t = Float(f - Double(c))
                idx[i] = c - 1
                let t2 = t * t
                let t3 = t2 * t
                w[i] = SIMD4(
                    -0.5 * t3 + t2 - 0.5 * t, 1.5 * t3 - 2.5 * t2 + 1, -1.5 * t3 + 2 * t2 + 0.5 * t,
                    0.5 * t3 - 0.5 * t2)
            }
            return (idx, w)
        }
        let (cx, wx) = taps(bx, origin.x)
        let (cy, wy) = taps(by, origin.y)
        let r0 = max(0, cy[outRows].min()!)
        let r1 = min(height - 1, cy[outRows].max()! + 3)
        guard r0 <= r1, cx[cols].max()! + 3 >= 0, cx[cols].min()! < width else { return emptyRows() }
        // Horizontal pass over the raster rows the tile needs, then the vertical one; unsafe buffers so
        // the inner loops carry no bounds checks (the vertical one vectorises). Each sum adds its four
        // terms in tap order whatever the path, so the result does not depend on where a column sits.
        let rows = r1 - r0 + 1
        var h = [Float](repeating: 0, count: rows * n)
        var high: Float = 0
        values.withUnsafeBufferPointer { vp in
            h.withUnsafeMutableBufferPointer { hp in
                let width = self.width
                for r in r0...r1 {
                    let src = vp.baseAddress! + r * width
                    let dst = hp.baseAddress! + (r - r0) * n
                    for i in cols {
                        let c = cx[i]
                        let w = wx[i]
                        var acc: Float = 0
                        if c >= 0 && c + 3 < width {
                            acc += src[c] * w[0]
                            acc += src[c + 1] * w[1]
                            acc += src[c + 2] * w[2]
                            acc += src[c + 3] * w[3]
                        } else {
                            for k in 0..<4 where c + k >= 0 && c + k < width { acc += src[c + k] * w[k] }
                        }
                        dst[i] = acc
                        high = max(high, acc)
                    }
                }
            }
        }
        if let limit, high * 1.25 <= limit { return false }
        h.withUnsafeBufferPointer { hp in
            for j in outRows {
                let c = cy[j]
                let w = wy[j]
                let dst = scratch.baseAddress!
                dst.update(repeating: 0, count: n)
                for k in 0..<4 {
                    let r = c + k
                    guard r >= r0 && r <= r1, w[k] != 0 else { continue }
                    let wk = w[k]
                    let src = hp.baseAddress! + (r - r0) * n
                    for i in cols { dst[i] += src[i] * wk }
                }
                for i in cols { dst[i] = max(dst[i], 0) }
                row(j, scratch)
            }
        }
        return true
    }

    /// XYZ tiles whose area holds non-negligible density.
    public func coveredTiles() -> [(x: Int, y: Int)] {
        guard width > 0 else { return [] }
        let ts = Double(tileSize)
        let x0 = Int((origin.x / ts).rounded(.down))
        let y0 = Int((origin.y / ts).rounded(.down))
        let x1 = Int(((origin.x + Double(width * factor)) / ts).rounded(.down))
        let y1 = Int(((origin.y + Double(height * factor)) / ts).rounded(.down))
        let n = (1 << zoom) - 1
        var out: [(Int, Int)] = []
        for ty in max(0, y0)...min(n, y1) { for tx in max(0, x0)...min(n, x1) { out.append((tx, ty)) } }
        return out
    }

    /// The value at quantile `q` of the non-zero cells: one cap per zoom and layer.
    public func quantile(_ q: Double) -> Float {
        var nz = values.filter { $0 > 1e-12 }
        guard !nz.isEmpty else { return 1 }
        let k = min(nz.count - 1, Int(q * Double(nz.count - 1)))
        return Self.select(&nz, k)
    }

    /// Colour-scale steps per octave: the cap is rounded down to a power of 2^(1/16) (4.4 % apart).
    public static let capStepsPerOctave = 16.0

    /// The colour cap: quantile `q` of the non-zero cells, rounded down to a step of the ladder
    /// 2^(k/16). A day's new incidents then leave the cap, and so every tile away from them, as it was
    /// (`tiles --update` re-renders only what they touch), instead of moving every pixel by a hair.
    public func colourCap(_ q: Double) -> Float {
        Self.ladder(max(quantile(q), 1e-9))
    }

    static func ladder(_ v: Float) -> Float {
        let k = (log2(Double(v)) * capStepsPerOctave).rounded(.down)
        return Float(exp2(k / capStepsPerOctave))
    }

    /// The k-th smallest element (quickselect, Hoare partition around the median of three).
    static func select<T: Comparable>(_ a: inout [T], _ k: Int) -> T {
        var lo = 0
        var hi = a.count - 1
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            if a[mid] < a[lo] { a.swapAt(mid, lo) }
            if a[hi] < a[lo] { a.swapAt(hi, lo) }
            if a[hi] < a[mid] { a.swapAt(hi, mid) }
            let pivot = a[mid]
            var i = lo
            var j = hi
            while i <= j {
                while a[i] < pivot { i += 1 }
                while a[j] > pivot { j -= 1 }
                if i <= j {
                    a.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if k <= j { hi = j } else if k >= i { lo = i } else { return a[k] }
        }
        return a[k]
    }

    /// Density in incidents per square kilometre of ground for a raster value (cell area at `lat`).
    public func perSquareKilometre(_ v: Float, lat: Double) -> Double {
        let side = WebMercator.metresPerPixel(lat: lat, zoom: zoom, tileSize: tileSize) * Double(factor)
        return Double(v) / (side * side / 1e6)
    }
}
