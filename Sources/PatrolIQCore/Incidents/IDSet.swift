/// Remembers which record IDs were seen, to reject duplicates.
///
/// Portal IDs are mostly dense integers, so a bitmap (1 bit per possible ID, up to 2^28) answers from
/// cache where a hash table would miss memory on every row; other IDs fall back to a byte dictionary.
struct IDSet {
    static let bitmapLimit: Int64 = 1 << 28
    private var bits: [UInt64] = []
    private var other = ByteDictionary(capacity: 1024)

    /// Inserts `id`; false when it was already present.
    @inline(__always)
    mutating func insert(_ id: UnsafeBufferPointer<UInt8>) -> Bool {
        if id.count > 0, id.count <= 9, id[0] != UInt8(ascii: "0") || id.count == 1,
            let v = ByteParsing.int(id), v >= 0, v < Self.bitmapLimit
        {
            let w = Int(v >> 6)
            if w >= bits.count {
                bits += [UInt64](repeating: 0, count: max(w + 1 - bits.count, bits.count))
            }
            let m: UInt64 = 1 << UInt64(v & 63)
            if bits[w] & m != 0 { return false }
            bits[w] |= m
            return true
        }
        return other.intern(id).isNew
    }
}
