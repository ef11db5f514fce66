/// Remembers which record IDs were seen, with a hash of each record's content, to tell a repeated
/// record (a duplicate) from a repeated ID with other content (one incident with several offences,
/// which is kept).
///
/// Portal IDs are mostly dense integers, so arrays indexed by ID (a seen bit and a 32-bit content
/// hash each, up to 2^25 IDs) answer from cache where a hash table would miss memory on every row;
/// other IDs fall back to a byte dictionary.
struct IDSet {
    static let denseLimit: Int64 = 1 << 25
    private var bits: [UInt64] = []
    private var hashes: [UInt32] = []
    private var other = ByteDictionary(capacity: 1024)
    private var otherHashes: [UInt32] = []

    enum Seen {
        case new
        /// The same ID with the same content: a duplicate.
        case sameRecord
        /// The same ID with other content.
        case otherRecord
    }

    @inline(__always)
    mutating func insert(_ id: UnsafeBufferPointer<UInt8>, content: UInt32) -> Seen {
        if id.count > 0, id.count <= 9, id[0] != UInt8(ascii: "0") || id.count == 1,
            let v = ByteParsing.int(id), v >= 0, v < Self.denseLimit
        {
            let w = Int(v >> 6)
            if w >= bits.count {
                let grow = max(w + 1 - bits.count, bits.count)
                bits += [UInt64](repeating: 0, count: grow)
                hashes += [UInt32](repeating: 0, count: grow * 64)
            }
            let m: UInt64 = 1 << UInt64(v & 63)
            if bits[w] & m != 0 { return hashes[Int(v)] == content ? .sameRecord : .otherRecord }
            bits[w] |= m
            hashes[Int(v)] = content
            return .new
        }
        let (code, isNew) = other.intern(id)
        if isNew {
            otherHashes.append(content)
            return .new
        }
        return otherHashes[Int(code)] == content ? .sameRecord : .otherRecord
    }
}
