import Foundation
import Testing

@testable import PatrolIQCore

/// Gi* and the false-discovery correction on answers worked out by hand.
@Suite struct SignificanceTests {
    /// A 5 × 5 field of ones with 10 in the middle; queen neighbours (band 1.5 cells) with self.
    /// By hand: n = 25, mean 1.36, population variance 3.1104. Centre: W = 9, local sum 18,
    /// z = (18 − 1.36·9) / sqrt(3.1104 · (25·9 − 81) / 24) = 5.76 / 4.32 = 4/3. Corner: W = 4, local
    /// sum 4, z = (4 − 5.44) / sqrt(3.1104 · 3.5) = −0.436436.
    @Test func giStarOfOneHotCellInAUniformField() {
        var pts: [SIMD2<Double>] = []
        for r in 0..<5 {
            for c in 0..<5 {
                let n = (r == 2 && c == 2) ? 10 : 1
                for _ in 0..<n { pts.append(SIMD2(Double(c) * 100 + 50, Double(r) * 100 + 50)) }
            }
        }
        let grid = HotspotGrid(area: pts, selected: { _ in true }, cellSize: 100)
        #expect(grid.cells.count == 25)
        let gi = GetisOrd.zScores(counts: grid.counts) { grid.neighbours(of: $0, band: 150) }
        let centre = grid.cells.firstIndex(of: SIMD2(2, 2))!
        let corner = grid.cells.firstIndex(of: SIMD2(0, 0))!
        #expect(gi.neighbours[centre] == 9 && gi.neighbours[corner] == 4)
        #expect(abs(gi.z[centre] - 4.0 / 3.0) < 1e-12)
        #expect(abs(gi.z[corner] - (-1.44 / 10.8864.squareRoot())) < 1e-12)
        #expect(abs(gi.p[centre] - 0.182422) < 1e-6)  // 2 (1 − Φ(4/3))
        // A flat field has no hot spot: z = 0, p = 1.
        let flat = GetisOrd.zScores(counts: [Double](repeating: 3, count: 9)) { _ in [0, 1, 2] }
        #expect(flat.z.allSatisfy { $0 == 0 } && flat.p.allSatisfy { $0 == 1 })
    }

    /// Benjamini–Hochberg by hand: sorted p 0.005, 0.01, 0.03, 0.04, 0.5 give m p / rank 0.025, 0.025,
    /// 0.05, 0.05, 0.5, already monotone.
    @Test func benjaminiHochbergQValues() {
        let q = FalseDiscoveryRate.qValues([0.01, 0.04, 0.03, 0.005, 0.5])
        let expected = [0.025, 0.05, 0.05, 0.025, 0.5]
        #expect(zip(q, expected).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(
            FalseDiscoveryRate.discoveries([0.01, 0.04, 0.03, 0.005, 0.5], alpha: 0.05) == [
                true, true, true, true, false,
            ])
        #expect(
            FalseDiscoveryRate.discoveries([0.01, 0.04, 0.03, 0.005, 0.5], alpha: 0.04) == [
                true, false, false, true, false,
            ])
        // Step-up: a later small enough ratio rescues an earlier large one.
        #expect(FalseDiscoveryRate.qValues([0.04, 0.041]) == [0.041, 0.041])
        #expect(HotspotClass.classify(z: [3, -3, 2, 1], q: [0.001, 0.04, 0.08, 0.2]) == [3, -2, 1, 0])
    }

    @Test func filtersParseAndRejectWithTheirName() throws {
        // End excluded, as a shift's is; 24 ends at midnight; an empty window is an error.
        #expect(try IncidentFilter.parseHours("22-4") == [22, 23, 0, 1, 2, 3])
        #expect(try IncidentFilter.parseHours("5-6") == [5])
        #expect(try IncidentFilter.parseHours("20-24") == [20, 21, 22, 23])
        #expect(throws: IncidentFilter.Invalid.self) { try IncidentFilter.parseHours("5-5") }
        #expect(throws: IncidentFilter.Invalid.self) { try IncidentFilter.parseHours("3-25") }
        #expect(try IncidentFilter.parseDays("fri,sat") == [4, 5])
        #expect(try IncidentFilter.parseDays("weekend") == [5, 6])
        #expect(throws: IncidentFilter.Invalid.self) { try IncidentFilter.parseHours("24-1") }
        #expect(throws: IncidentFilter.Invalid.self) { try IncidentFilter.parseDays("funday") }
        #expect(throws: IncidentFilter.Invalid.self) { try IncidentFilter.parseDate("2024-13-01", "since") }
    }

    /// A window that wraps midnight belongs to the day it starts on: Friday 22-6 is Friday night.
    @Test func aNightShiftBelongsToTheDayItStarts() throws {
        var f = IncidentFilter()
        try f.setHours("22-6")
        f.days = try IncidentFilter.parseDays("fri")
        var t = IncidentTable()
        // Fri 23:00, Sat 02:00 (both in the shift), Fri 02:00 (Thursday's night), Sat 22:00, Fri 12:00.
        for (wd, h) in [(4, 23), (5, 2), (4, 2), (5, 22), (4, 12)] as [(UInt8, UInt8)] {
            t.weekday.append(wd)
            t.hour.append(h)
            t.time.append(0)
            t.type.append(0)
        }
        #expect(try f.rows(t, typeNames: ["THEFT"]) == [true, true, false, false, false])
    }
}
