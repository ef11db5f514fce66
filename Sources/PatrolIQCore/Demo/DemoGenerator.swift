import Foundation

/// Writes deterministic Chicago-format demo data: the portal's 22 columns, formats and quirks.
///
/// Incidents cluster around real high-incident areas, follow type-specific hour, weekday and season
/// habits, and about 1.5 % lack coordinates; a few rows per thousand are deliberately malformed
/// (bad dates, short rows, non-numeric or far-away coordinates, repeated IDs) so that validation has
/// something to report. The same `rows` and `seed` always give the same bytes.
///
/// So that prediction is not trivial (and recency matters, as in real data), hotspots drift and
/// wax and wane: each centre moves along its own heading by up to `driftMetres` over the period
/// covered, and its weight follows its own slow cycle (`hotspotCycleDays`, 50–150 % of its mean).
/// About `nearRepeatShare` of incidents are near-repeats: the same type as a recent incident, within
/// ~100 m of it, 1–14 days later (geometric, mean 3.5 days), the self-exciting bursts burglary and
/// shooting data show (Johnson & Bowers 2004).
public struct DemoGenerator: Sendable {
    public var rows: Int
    public var seed: UInt64
    /// The last day covered (inclusive), as days since 1970; 2025-06-30 by default.
    public var endDay = CivilDate.daysFromCivil(year: 2025, month: 6, day: 30)
    /// Share of rows without coordinates, and of malformed rows.
    public var missingCoordinateShare = 0.015
    public var malformedShare = 0.002
    /// Share of incidents that repeat a recent one nearby (near-repeat bursts).
    public var nearRepeatShare = 0.12
    /// How far a hotspot centre moves over the whole period covered, in metres.
    public var driftMetres = 1_500.0
    /// Period of each hotspot's rise and fall, in days.
    public var hotspotCycleDays = 120.0

    public init(rows: Int, seed: UInt64) {
        self.rows = rows
        self.seed = seed
    }

    public static let header =
        "ID,Case Number,Date,Block,IUCR,Primary Type,Description,Location Description,Arrest,Domestic,Beat,District,Ward,Community Area,FBI Code,X Coordinate,Y Coordinate,Year,Updated On,Latitude,Longitude,Location"

    /// Chicago's police districts (13, 21 and 23 no longer exist).
    static let districts: [Int] = [
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 16, 17, 18, 19, 20, 22, 24, 25,
    ]

    /// Days covered: about 700 incidents a day, as in Chicago, between 60 days and 31 years.
    public var days: Int { min(max(rows / 700, 60), 11_500) }

    /// Writes the CSV to `path` (through a temporary file renamed at the end).
    public func write(to path: String, progress: ((Int) -> Void)? = nil) throws {
        let tmp = TemporaryFile.beside(path)
        guard let f = fopen(tmp, "wb") else {
            throw InputError(file: path, "cannot write: \(String(cString: strerror(errno)))")
        }
        var ok = false
        defer {
            if !ok {
                fclose(f)
                unlink(tmp)
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(1 << 20)
        out.append(contentsOf: Self.header.utf8)
        out.append(10)
        var state = State(generator: self)
        for i in 0..<rows {
            state.row(i, into: &out)
            if out.count > 900_000 {
                guard fwrite(out, 1, out.count, f) == out.count else {
                    throw RuntimeError(file: path, "write failed: \(String(cString: strerror(errno)))")
                }
                out.removeAll(keepingCapacity: true)
                if i & 0xFFFF == 0 { progress?(i) }
            }
        }
        guard fwrite(out, 1, out.count, f) == out.count, fflush(f) == 0 else {
            throw RuntimeError(file: path, "write failed: \(String(cString: strerror(errno)))")
        }
        fclose(f)
        ok = true
        guard rename(tmp, path) == 0 else {
            throw RuntimeError(file: path, "cannot rename into place: \(String(cString: strerror(errno)))")
        }
        progress?(rows)
    }

    /// The whole CSV in memory (for tests and small samples).
    public func bytes() -> [UInt8] {
        var out = Array((Self.header + "\n").utf8)
        var state = State(generator: self)
        for i in 0..<rows { state.row(i, into: &out) }
        return out
    }

    struct State {
        let g: DemoGenerator
        var rng: SeededRandom
        let typeCum: [Double]
        let variantCum: [[Double]]
        let hourCum: [[Double]]
        let locationCum: [Double]
        let hotspotCum: [[Double]]
        var nextID: Int64 = 12_000_000
        var lastIDs: [Int64] = []
        /// The previous row's bytes, for the exact duplicates portal exports contain.
        var lastRow: [UInt8] = []
        /// Recent incidents a near-repeat can follow: day, latitude, longitude, type.
        var parents: [(day: Int, lat: Double, lon: Double, type: Int)] = []

        init(generator: DemoGenerator) {
            g = generator
            rng = SeededRandom(seed: generator.seed)
            let types = DemoCatalogue.types
            typeCum = types.map(\.weight).cumulative
            variantCum = types.map { $0.variants.map(\.3).cumulative }
            hourCum = types.map { t in
                (0..<24).map { h -> Double in
                    var w = (1 - t.peakShare) / 24
                    let total = t.peaks.reduce(0.0) { s, p in
                        s + (0..<24).reduce(0.0) { $0 + Self.bump(Double($1), p) }
                    }
                    for p in t.peaks { w += t.peakShare * Self.bump(Double(h), p) / total }
                    return w
                }.cumulative
            }
            locationCum = DemoCatalogue.locations.map(\.1).cumulative
            hotspotCum = types.map { t in
                DemoCatalogue.hotspots.enumerated().map { i, h in t.hotspots.contains(i) ? h.3 * 4 : h.3 }
                    .cumulative
            }
        }

        /// A circular Gaussian bump over the 24-hour clock.
        static func bump(_ h: Double, _ p: (hour: Double, spread: Double)) -> Double {
            var d = abs(h - p.hour)
            d = min(d, 24 - d)
            return exp(-0.5 * (d / p.spread) * (d / p.spread))
        }

        /// A point inside the city on `day`: hotspot-centred for most incidents, else spread over the city.
        mutating func location(type ti: Int, day: Int) -> (Double, Double) {
            let t = DemoCatalogue.types[ti]
            let r = rng.unit()
            if r < 0.35 + 0.5 * t.hotspotShare {
                // Each hotspot's weight rises and falls on its own phase: redraw while it is in a lull.
                var hi = rng.pick(cumulative: hotspotCum[ti])
                for _ in 0..<4 {
                    let phase = Double(hi) * 0.618_034
                    let cycle = 1 + 0.5 * sin(2 * .pi * (Double(day) / g.hotspotCycleDays + phase))
                    if rng.unit() * 1.5 < cycle { break }
                    hi = rng.pick(cumulative: hotspotCum[ti])
                }
                let h = DemoCatalogue.hotspots[hi]
                // Drift: along the hotspot's own heading, from −½ to +½ of driftMetres over the period.
                let heading = Double(hi) * 2.399_963
                let along = (Double(day - g.endDay) / Double(g.days) + 0.5) * g.driftMetres
                let dy = rng.gaussian() * h.2 + along * sin(heading)
                let dx = rng.gaussian() * h.2 + along * cos(heading)
                return (h.0 + dy / 111_195, h.1 + dx / (111_195 * cos(h.0 * .pi / 180)))
            }
            // Background: the city's rough shape, west of the lake shore.
            while true {
                let lat = 41.65 + rng.unit() * 0.37
                let lon = -87.84 + rng.unit() * 0.31
                let shore = -87.525 - (lat - 41.65) * 0.35  // the shore runs north-north-west
                if lon < shore { return (lat, lon) }
            }
        }

        mutating func row(_ i: Int, into out: inout [UInt8]) {
            let start = out.count
            var copied = false
            defer {
                if !copied {
                    lastRow.removeAll(keepingCapacity: true)
                    lastRow.append(contentsOf: out[start...])
                }
            }
            var ti = rng.pick(cumulative: typeCum)
            // A near-repeat follows a recent incident: same type, nearby, a few days later.
            var parent: (day: Int, lat: Double, lon: Double, type: Int)?
            if !parents.isEmpty, rng.unit() < g.nearRepeatShare {
                let p = parents[rng.below(parents.count)]
                parent = p
                ti = p.type
            }
            let t = DemoCatalogue.types[ti]
            let v = t.variants[rng.pick(cumulative: variantCum[ti])]
            // Day: seasonal and weekday preferences by rejection.
            var day = 0
            while parent == nil {
                day = g.endDay - rng.below(g.days)
                let (_, m, _) = CivilDate.civil(fromDays: day)
                let wd = ((day + 3) % 7 + 7) % 7
                var w = 1.0
                if m >= 6 && m <= 8 { w *= t.summerFactor }
                if m == 12 || m <= 2 { w *= 2 - t.summerFactor }
                if wd >= 5 { w *= t.weekendFactor }
                if rng.unit() * 1.8 < w { break }
            }
            if let p = parent {
                var lag = 1
                while lag < 14 && rng.unit() < 0.714 { lag += 1 }
                day = min(g.endDay, p.day + lag)
            }
            // Some fraud is reported years late, as in the portal.
            if t.name == "DECEPTIVE PRACTICE" && rng.unit() < 0.01 { day -= 365 * (1 + rng.below(8)) }
            let hour = rng.pick(cumulative: hourCum[ti])
            let minute = rng.unit() < 0.45 ? [0, 30, 0, 15][rng.below(4)] : rng.below(60)
            let time = Int64(day) * 86400 + Int64(hour * 3600 + minute * 60)
            nextID += 1 + Int64(rng.below(3))
            var id = nextID
            var (lat, lon) = location(type: ti, day: day)
            if let p = parent {
                lat = p.lat + rng.gaussian() * 100 / 111_195
                lon = p.lon + rng.gaussian() * 100 / (111_195 * cos(p.lat * .pi / 180))
            }
            if parents.count < 512 {
                parents.append((day, lat, lon, ti))
            } else {
                parents[rng.below(512)] = (day, lat, lon, ti)
            }
            let missing = rng.unit() < g.missingCoordinateShare
            let arrest = rng.unit() < t.arrestRate
            let domestic = rng.unit() < t.domesticRate
            let loc = DemoCatalogue.locations[rng.pick(cumulative: locationCum)].0

            // Administrative areas from position (coherent zones, not real boundaries).
            let zx = min(max(Int((lon + 87.84) / 0.31 * 4), 0), 3)
            let zy = min(max(Int((lat - 41.65) / 0.37 * 6), 0), 5)
            let district = DemoGenerator.districts[(zy * 4 + zx) % DemoGenerator.districts.count]
            let beat =
                district * 100 + 10 * (1 + Int((lat * 100).truncatingRemainder(dividingBy: 3))) + 1
                + Int((abs(lon) * 100).truncatingRemainder(dividingBy: 4))
            let ward = 1 + (Int((lat - 41.65) / 0.37 * 10) * 5 + Int((lon + 87.84) / 0.31 * 5)) % 50
            let community = 1 + (Int((lat - 41.65) / 0.37 * 11) * 7 + Int((lon + 87.84) / 0.31 * 7)) % 77

            var malformed = -1
            if rng.unit() < g.malformedShare { malformed = rng.below(5) }
            // Repeats: on even rows the previous row again, byte for byte (a duplicate); on odd rows its
            // ID with other content (one incident with several offences).
            if malformed == 4, i % 2 == 0, !lastRow.isEmpty {
                out.append(contentsOf: lastRow)
                copied = true
                return
            }
            if malformed == 4, let prev = lastIDs.last { id = prev }
            if lastIDs.count < 4 { lastIDs.append(id) } else { lastIDs[i % 4] = id }

            put(&out, String(id))
            out.append(44)
            let letters = Array("JAHJGJKJ".utf8)
            out.append(letters[Int(id % 4) * 2])
            out.append(letters[Int(id % 4) * 2 + 1])
            put(&out, pad(Int(id % 1_000_000), 6))
            out.append(44)
            if malformed == 0 {
                put(&out, "13/45/2024 25:00:00 PM")
            } else {
                date(&out, time)
            }
            out.append(44)
            let ns = Int(((lat - 41.8819) * 69.05 * 8).rounded(.towardZero))
            let ew = Int(((lon + 87.6278) * 51.4 * 8).rounded(.towardZero))
            let useNS = rng.unit() < 0.5
            let num = useNS ? abs(ew) : abs(ns)
            let dir = useNS ? (ns >= 0 ? "N" : "S") : (ew >= 0 ? "E" : "W")
            put(
                &out,
                pad(num, 3) + "XX " + dir + " "
                    + DemoCatalogue.streets[(num + (useNS ? 7 : 0)) % DemoCatalogue.streets.count])
            out.append(44)
            put(&out, v.0)
            out.append(44)
            put(&out, t.name)
            out.append(44)
            field(&out, v.1)
            out.append(44)
            field(&out, loc)
            out.append(44)
            put(&out, arrest ? "true" : "false")
            out.append(44)
            put(&out, domestic ? "true" : "false")
            out.append(44)
            put(&out, pad(beat, 4))
            out.append(44)
            put(&out, pad(district, 3))
            out.append(44)
            if malformed == 1 {  // a row cut short
                out.append(10)
                return
            }
            if !missing { put(&out, String(ward)) }
            out.append(44)
            if !missing { put(&out, String(community)) }
            out.append(44)
            put(&out, v.2)
            out.append(44)
            let (y, _, _) = CivilDate.civil(fromDays: Int(time / 86400))
            if missing {
                put(&out, ",,\(y),")
                date(&out, time + Int64(86400 * (3 + rng.below(30))))
                put(&out, ",,,\n")
                return
            }
            var la = lat
            var lo = lon
            if malformed == 3 {  // a real quirk: a row geocoded hundreds of kilometres away
                la = 36.619446
                lo = -91.686566
            }
            let sx = Int((1_166_216 + (lo + 87.665624) * 278_200).rounded())
            let sy = Int((1_882_454 + (la - 41.833031) * 363_480).rounded())
            put(&out, "\(sx),\(sy),\(y),")
            date(&out, time + Int64(86400 * (3 + rng.below(30))))
            out.append(44)
            if malformed == 2 {
                put(&out, "N/A,N/A,\n")
                return
            }
            let las = fixed(la, 9)
            let los = fixed(lo, 9)
            put(&out, "\(las),\(los),\"(\(las), \(los))\"\n")
        }

        func put(_ out: inout [UInt8], _ s: String) { out.append(contentsOf: s.utf8) }

        /// Writes a field, quoting it when it holds a comma or a quote.
        func field(_ out: inout [UInt8], _ s: String) {
            if s.contains(",") || s.contains("\"") {
                out.append(34)
                put(&out, s.replacingOccurrences(of: "\"", with: "\"\""))
                out.append(34)
            } else {
                put(&out, s)
            }
        }

        func pad(_ v: Int, _ w: Int) -> String {
            let s = String(v)
            return s.count >= w ? s : String(repeating: "0", count: w - s.count) + s
        }

        /// `MM/DD/YYYY hh:mm:ss AM` as the portal writes it.
        func date(_ out: inout [UInt8], _ t: Int64) {
            let days = Int(t / 86400)
            let secs = Int(t % 86400)
            let (y, m, d) = CivilDate.civil(fromDays: days)
            let h = secs / 3600
            let h12 = h % 12 == 0 ? 12 : h % 12
            put(
                &out,
                "\(pad(m, 2))/\(pad(d, 2))/\(y) \(pad(h12, 2)):\(pad(secs / 60 % 60, 2)):\(pad(secs % 60, 2)) \(h < 12 ? "AM" : "PM")"
            )
        }

        /// Fixed-point text with `decimals` places, independent of locale.
        func fixed(_ v: Double, _ decimals: Int) -> String {
            let scale = pow(10.0, Double(decimals))
            let n = Int64((abs(v) * scale).rounded())
            let ip = n / Int64(scale)
            let fp = n % Int64(scale)
            return (v < 0 ? "-" : "") + String(ip) + "." + pad(Int(fp), decimals)
        }
    }
}
