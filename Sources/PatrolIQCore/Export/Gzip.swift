import CZlib
import Foundation

/// gzip (RFC 1952) compression through zlib: JSON responses, PMTiles directories.
public enum Gzip {
    public static func compress(_ input: [UInt8], level: Int32 = 6) -> [UInt8]? {
        var stream = z_stream()
        // windowBits 15 + 16 asks zlib for a gzip wrapper.
        guard
            deflateInit2_(
                &stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else { return nil }
        defer { deflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 32)
        var input = input
        let status = input.withUnsafeMutableBufferPointer { ip in
            out.withUnsafeMutableBufferPointer { op -> Int32 in
                stream.next_in = ip.baseAddress
                stream.avail_in = uInt(ip.count)
                stream.next_out = op.baseAddress
                stream.avail_out = uInt(op.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { return nil }
        out.removeLast(out.count - Int(stream.total_out))
        return out
    }
}
