import Foundation

/// PMTiles v3 (protomaps/PMTiles `spec/v3/spec.md`): one file of tiles addressed by HTTP range
/// requests, which object storage and CDNs serve as is.
///
/// Layout: the 127-byte header, the root directory, the JSON metadata, leaf directories when the root
/// would not fit in the first 16 KiB, then the tile data in tile-ID order (clustered). Identical tiles
/// are stored once and runs of identical consecutive tiles are one entry. Directories and metadata are
/// gzip-compressed (internal compression 2, what every reader supports), tiles are PNG as stored.
public enum PMTiles {
    /// One directory entry: `runLength` 0 points to a leaf directory.
    public struct Entry: Sendable, Equatable {
        public var tileID: UInt64
        public var offset: UInt64
        public var length: UInt32
        public var runLength: UInt32
    }

    /// The tile ID: tiles of lower zooms first, then the position on zoom z's Hilbert curve.
    public static func tileID(z: Int, x: Int, y: Int) -> UInt64 {
        let base = ((UInt64(1) << UInt64(2 * z)) - 1) / 3
        let n = UInt64(1) << UInt64(z)
        var (tx, ty) = (UInt64(x), UInt64(y))
        var d: UInt64 = 0
        var s = n / 2
        while s > 0 {
            let rx: UInt64 = tx & s > 0 ? 1 : 0
            let ry: UInt64 = ty & s > 0 ? 1 : 0
            d += s * s * ((3 * rx) ^ ry)
            // Rotate the quadrant so the curve's sub-squares line up.
            if ry == 0 {
                if rx == 1 {
                    tx = n - 1 - tx
                    ty = n - 1 - ty
                }
                swap(&tx, &ty)
            }
            s /= 2
        }
        return base + d
    }

    static func varint(_ value: UInt64, into out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    /// A directory as the spec serialises it: count, then columns of delta IDs, run lengths, lengths
    /// and offsets (0 when an entry follows the previous one's bytes, else offset + 1), all varints.
    static func directory(_ entries: [Entry]) throws -> [UInt8] {
        guard let packed = Gzip.compress(rawDirectory(entries), level: 9) else {
            throw RuntimeError("gzip failed on a PMTiles directory")
        }
        return packed
    }

    static func rawDirectory(_ entries: [Entry]) -> [UInt8] {
        var out: [UInt8] = []
        varint(UInt64(entries.count), into: &out)
        var last: UInt64 = 0
        for e in entries {
            varint(e.tileID - last, into: &out)
            last = e.tileID
        }
        for e in entries { varint(UInt64(e.runLength), into: &out) }
        for e in entries { varint(UInt64(e.length), into: &out) }
        for (i, e) in entries.enumerated() {
            let follows = i > 0 && e.offset == entries[i - 1].offset + UInt64(entries[i - 1].length)
            varint(follows ? 0 : e.offset + 1, into: &out)
        }
        return out
    }

    /// What a conversion wrote.
    public struct Summary: Sendable {
        public var path: String
        public var tiles: Int
        public var entries: Int
        public var contents: Int
        public var leaves: Int
        public var bytes: Int
    }

    /// Writes `out` from an MBTiles store (through a temporary file renamed at the end).
    public static func convert(mbtiles: String, to out: String) throws -> Summary {
        let reader = try MBTilesReader(path: mbtiles)
        let metadata = try reader.metadata()
        var tiles: [(id: UInt64, data: [UInt8])] = []
        var zooms = (min: Int.max, max: Int.min)
        try reader.forEach { z, x, y, data in
            tiles.append((tileID(z: z, x: x, y: y), data))
            zooms = (min(zooms.min, z), max(zooms.max, z))
        }
        guard !tiles.isEmpty else { throw InputError(file: mbtiles, "holds no tiles") }
        tiles.sort { $0.id < $1.id }

        // Tile data in ID order, each distinct content once; consecutive IDs with one content share an entry.
        var data: [UInt8] = []
        var seen: [String: (offset: UInt64, length: UInt32)] = [:]
        var entries: [Entry] = []
        for t in tiles {
            let key = ContentDigest.of(t.data)
            let place: (offset: UInt64, length: UInt32)
            if let s = seen[key] {
                place = s
            } else {
                place = (UInt64(data.count), UInt32(t.data.count))
                seen[key] = place
                data += t.data
            }
            if var last = entries.last, last.offset == place.offset,
                last.tileID + UInt64(last.runLength) == t.id
            {
                last.runLength += 1
                entries[entries.count - 1] = last
            } else {
                entries.append(Entry(tileID: t.id, offset: place.offset, length: place.length, runLength: 1))
            }
        }

        // The root within the first 16 KiB; otherwise leaves of 4 096 entries and a root pointing at them.
        var root = try directory(entries)
        var leafBytes: [UInt8] = []
        var leafCount = 0
        if 127 + root.count > 16_384 {
            var pointers: [Entry] = []
            for start in stride(from: 0, to: entries.count, by: 4_096) {
                let chunk = Array(entries[start..<min(entries.count, start + 4_096)])
                let bytes = try directory(chunk)
                pointers.append(
                    Entry(
                        tileID: chunk[0].tileID, offset: UInt64(leafBytes.count), length: UInt32(bytes.count),
                        runLength: 0))
                leafBytes += bytes
                leafCount += 1
            }
            root = try directory(pointers)
        }
        let json = try metadataJSON(metadata)

        var header = [UInt8]("PMTiles".utf8) + [3]
        func u64(_ v: Int) { header += withUnsafeBytes(of: UInt64(v).littleEndian, Array.init) }
        func i32(_ v: Double) { header += withUnsafeBytes(of: Int32((v * 1e7).rounded()).littleEndian, Array.init) }
        let rootOffset = 127
        let metaOffset = rootOffset + root.count
        let leafOffset = metaOffset + json.count
        let dataOffset = leafOffset + leafBytes.count
        for v in [
            rootOffset, root.count, metaOffset, json.count, leafOffset, leafBytes.count, dataOffset, data.count,
            tiles.count, entries.count, seen.count,
        ] { u64(v) }
        header += [1, 2, 1, 2, UInt8(zooms.min), UInt8(zooms.max)]  // clustered, gzip inside, tiles as is, PNG
        let b =
            metadata["bounds"].flatMap { GeoBounds(parsing: $0) }
            ?? GeoBounds(minLon: -180, minLat: -85.051_128_78, maxLon: 180, maxLat: 85.051_128_78)
        for v in [b.minLon, b.minLat, b.maxLon, b.maxLat] { i32(v) }
        let c = metadata["center"]?.split(separator: ",").compactMap { Double($0) } ?? []
        header.append(UInt8(c.count == 3 ? max(0, min(Double(zooms.max), c[2])) : Double(zooms.min)))
        i32(c.count == 3 ? c[0] : (b.minLon + b.maxLon) / 2)
        i32(c.count == 3 ? c[1] : (b.minLat + b.maxLat) / 2)
        precondition(header.count == 127)

        let file = Data(header + root + json + leafBytes + data)
        try TemporaryFile.write(file, to: out)
        return Summary(
            path: out, tiles: tiles.count, entries: entries.count, contents: seen.count, leaves: leafCount,
            bytes: file.count)
    }

    /// The MBTiles metadata as JSON strings, with the `json` document's members merged in (as the
    /// MBTiles spec defines them: vector layers, PatrolIQ's legend).
    static func metadataJSON(_ m: [String: String]) throws -> [UInt8] {
        var object: [String: Any] = m.filter { $0.key != "json" }
        if let json = m["json"], let extra = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        {
            for (k, v) in extra { object[k] = v }
        }
        let json = Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
        guard let packed = Gzip.compress(json, level: 9) else { throw RuntimeError("gzip failed on PMTiles metadata") }
        return packed
    }

    /// Reads tiles back from an archive (gzip or uncompressed directories), for checks and serving.
    public struct Reader {
        let bytes: [UInt8]
        let root: [Entry]
        let leafOffset: Int
        let dataOffset: Int
        public let minZoom: Int
        public let maxZoom: Int

        public init(path: String) throws {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw InputError(file: path, "cannot read")
            }
            let b = [UInt8](data)
            guard b.count >= 127, Array(b[0..<7]) == Array("PMTiles".utf8), b[7] == 3 else {
                throw InputError(file: path, "not a PMTiles v3 archive")
            }
            func u64(_ at: Int) -> Int { (0..<8).reduce(0) { $0 | Int(b[at + $1]) << (8 * $1) } }
            let gzip = b[97] == 2
            let rootStart = u64(8)
            let rootEnd = rootStart + u64(16)
            guard rootStart >= 127, rootEnd <= b.count,
                let root = Self.decode(Array(b[rootStart..<rootEnd]), gzip: gzip)
            else { throw InputError(file: path, "PMTiles root directory cannot be read") }
            bytes = b
            self.root = root
            metadataRange = u64(24)..<(u64(24) + u64(32))
            leafOffset = u64(40)
            dataOffset = u64(56)
            minZoom = Int(b[100])
            maxZoom = Int(b[101])
            compressed = gzip
        }

        private let compressed: Bool
        private let metadataRange: Range<Int>

        /// The archive's JSON metadata as MBTiles metadata: string members as they are, the others
        /// (a legend, vector layers) gathered into one `json` document, as MBTiles keeps them.
        public func metadata() -> [String: String] {
            guard metadataRange.lowerBound >= 127, metadataRange.upperBound <= bytes.count,
                let raw = compressed ? Gzip.decompress(Array(bytes[metadataRange])) : Array(bytes[metadataRange]),
                let object = try? JSONSerialization.jsonObject(with: Data(raw)) as? [String: Any]
            else { return ["minzoom": String(minZoom), "maxzoom": String(maxZoom)] }
            var out: [String: String] = ["minzoom": String(minZoom), "maxzoom": String(maxZoom)]
            var nested: [String: Any] = [:]
            for (k, v) in object {
                if let text = v as? String { out[k] = text } else { nested[k] = v }
            }
            if !nested.isEmpty, let json = try? JSONSerialization.data(withJSONObject: nested, options: [.sortedKeys]) {
                out["json"] = String(decoding: json, as: UTF8.self)
            }
            return out
        }

        static func decode(_ raw: [UInt8], gzip: Bool) -> [Entry]? {
            guard let b = gzip ? Gzip.decompress(raw) : raw else { return nil }
            var i = 0
            func next() -> UInt64? {
                var v: UInt64 = 0
                var shift: UInt64 = 0
                while i < b.count, shift < 64 {
                    let byte = b[i]
                    i += 1
                    v |= UInt64(byte & 0x7F) << shift
                    if byte < 0x80 { return v }
                    shift += 7
                }
                return nil
            }
            guard let n = next(), n < 10_000_000 else { return nil }
            var entries = [Entry](repeating: Entry(tileID: 0, offset: 0, length: 0, runLength: 0), count: Int(n))
            var id: UInt64 = 0
            for k in 0..<Int(n) {
                guard let d = next() else { return nil }
                id += d
                entries[k].tileID = id
            }
            for k in 0..<Int(n) {
                guard let r = next() else { return nil }
                entries[k].runLength = UInt32(truncatingIfNeeded: r)
            }
            for k in 0..<Int(n) {
                guard let l = next() else { return nil }
                entries[k].length = UInt32(truncatingIfNeeded: l)
            }
            for k in 0..<Int(n) {
                guard let o = next() else { return nil }
                entries[k].offset =
                    o == 0 && k > 0 ? entries[k - 1].offset + UInt64(entries[k - 1].length) : o &- 1
            }
            return entries
        }

        /// The tile z/x/y, or nil when the archive has none.
        public func tile(z: Int, x: Int, y: Int) -> [UInt8]? {
            let id = tileID(z: z, x: x, y: y)
            var directory = root
            for _ in 0..<4 {
                // The last entry at or before the ID.
                var lo = 0
                var hi = directory.count
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if directory[mid].tileID <= id { lo = mid + 1 } else { hi = mid }
                }
                guard lo > 0 else { return nil }
                let e = directory[lo - 1]
                // A damaged archive must not trap: offsets beyond the file are no tile.
                guard e.offset < UInt64(bytes.count) else { return nil }
                if e.runLength == 0 {
                    let start = leafOffset + Int(e.offset)
                    guard start + Int(e.length) <= bytes.count,
                        let leaf = Self.decode(Array(bytes[start..<start + Int(e.length)]), gzip: compressed)
                    else { return nil }
                    directory = leaf
                    continue
                }
                guard id < e.tileID + UInt64(e.runLength) else { return nil }
                let start = dataOffset + Int(e.offset)
                guard start + Int(e.length) <= bytes.count else { return nil }
                return Array(bytes[start..<start + Int(e.length)])
            }
            return nil
        }
    }
}
