/// Remembers which record IDs were seen, with a hash of each record's content, to tell a repeated
/// record (a duplicate) from a repeated ID with other content (one incident with several offences,
/// which is kept).
///
/// Portal IDs are mostly dense integers, so tables indexed by ID (a seen bit and a 32-bit content
/// hash each, up to 2^25 IDs) answer from cache where a hash table would miss memory on every row;
/// other IDs fall back to a byte dictionary. The tables come in pages of 65 536 IDs allocated when
/// first touched: a file whose IDs start at 12 million pays only for the ranges it uses, and growing
/// never copies what is there (8 M rows: 64 MiB, not 134 MiB and a copy on every doubling).
struct IDSet {
    static let denseLimit: Int64 = 1 << 25
    static let pageShift = 16

    final class Page {
        var bits = [UInt64](repeating: 0, count: (1 << IDSet.pageShift) / 64)
        var hashes = [UInt32](repeating: 0, count: 1 << IDSet.pageShift)
    }

    private var pages = [Page?](repeating: nil, count: Int(IDSet.denseLimit >> Int64(IDSet.pageShift)))
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
            let p = Int(v >> Int64(Self.pageShift))
            let page: Page
            if let existing = pages[p] {
                page = existing
            } else {
                page = Page()
                pages[p] = page
            }
            let i = Int(v) & ((1 << Self.pageShift) - 1)
            let m: UInt64 = 1 << UInt64(i & 63)
            if page.bits[i >> 6] & m != 0 { return page.hashes[i] == content ? .sameRecord : .otherRecord }
            page.bits[i >> 6] |= m
            page.hashes[i] = content
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
