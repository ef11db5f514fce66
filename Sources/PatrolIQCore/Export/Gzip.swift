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

extension Gzip {
    /// The bytes of a gzip (or zlib) stream; nil when it is not one.
    public static func decompress(_ input: [UInt8], limit: Int = 1 << 30) -> [UInt8]? {
        var stream = z_stream()
        // windowBits 15 + 32: detect a gzip or zlib header.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            return nil
        }
        defer { inflateEnd(&stream) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var input = input
        var status: Int32 = Z_OK
        input.withUnsafeMutableBufferPointer { ip in
            stream.next_in = ip.baseAddress
            stream.avail_in = uInt(ip.count)
            repeat {
                let produced = chunk.withUnsafeMutableBufferPointer { op -> Int in
                    stream.next_out = op.baseAddress
                    stream.avail_out = uInt(op.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return op.count - Int(stream.avail_out)
                }
                out += chunk[0..<produced]
            } while status == Z_OK && out.count <= limit && (stream.avail_in > 0 || stream.avail_out == 0)
        }
        return status == Z_STREAM_END ? out : nil
    }
}
