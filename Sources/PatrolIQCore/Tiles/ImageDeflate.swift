import CDeflate
import Foundation

/// zlib streams (RFC 1950) for PNG image data, through libdeflate.
///
/// Deflate was over half of a tile's cost with zlib. On 8 M incidents' 13 standard layers libdeflate's
/// level 6 renders the pyramid 11 % faster than zlib's level 6 tuned for heatmaps did, in 3.7 % fewer
/// bytes, with the same pixels. Its output depends only on the input, the level and the library's
/// version, never on the thread.
public enum ImageDeflate {
    /// The library and version, recorded in each store's legend.
    public static let library = "libdeflate " + LIBDEFLATE_VERSION_STRING

    /// Compressors are a few hundred KB each: kept for reuse rather than allocated per tile.
    private static let pool = Pool()

    /// `input` as one zlib stream at `level` (1–12); nil only when a compressor cannot be allocated.
    static func zlib(_ input: UnsafeBufferPointer<UInt8>, level: Int32 = 6) -> [UInt8]? {
        guard let c = pool.take(level: level) else { return nil }
        defer { pool.give(c, level: level) }
        let bound = libdeflate_zlib_compress_bound(c, input.count)
        var out = [UInt8](repeating: 0, count: bound)
        let n = out.withUnsafeMutableBytes { o in
            libdeflate_zlib_compress(c, input.baseAddress, input.count, o.baseAddress, o.count)
        }
        // The bound always fits; 0 would mean it did not.
        guard n > 0 else { return nil }
        out.removeLast(out.count - n)
        return out
    }

    /// The `count` bytes a zlib stream holds; nil when it is not a stream of exactly that many.
    static func inflate(_ input: UnsafeRawBufferPointer, count: Int) -> [UInt8]? {
        guard let d = libdeflate_alloc_decompressor() else { return nil }
        defer { libdeflate_free_decompressor(d) }
        var out = [UInt8](repeating: 0, count: count)
        let result = out.withUnsafeMutableBytes { o in
            libdeflate_zlib_decompress(d, input.baseAddress, input.count, o.baseAddress, count, nil)
        }
        return result == LIBDEFLATE_SUCCESS ? out : nil
    }

    private final class Pool: @unchecked Sendable {
        private let lock = NSLock()
        private var free: [Int32: [OpaquePointer]] = [:]

        func take(level: Int32) -> OpaquePointer? {
            lock.lock()
            let c = free[level]?.popLast()
            lock.unlock()
            return c ?? libdeflate_alloc_compressor(level)
        }

        func give(_ c: OpaquePointer, level: Int32) {
            lock.lock()
            free[level, default: []].append(c)
            lock.unlock()
        }
    }
}
