import CPNG
import Foundation

/// PNG encoding and decoding through libpng.
///
/// Tiles are 8-bit palette images (PLTE + tRNS): a 256-pixel heatmap tile is typically a few KB, a
/// quarter of the RGBA size, and every browser and GDAL read them.
public enum PNGCodec {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Encodes `indices` (width × height palette indices) with `palette` (RGBA per entry), the image
    /// data deflated at `compression` (libdeflate's levels, 1–12).
    public static func encodePalette(
        width: Int, height: Int, indices: [UInt8], palette rgba: [UInt8], compression: Int32 = 6
    ) throws -> [UInt8] {
        precondition(indices.count == width * height)
        let entries = rgba.count / 4
        // Only as many palette entries as the image uses (smaller PLTE and tRNS).
        let used = Int(indices.max() ?? 0) + 1
        let n = min(entries, max(used, 1))
        guard let png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nil, nil, nil) else {
            throw Failure(description: "libpng: cannot create write struct")
        }
        var info = png_create_info_struct(png)
        var pngOpt: png_structp? = png
        defer { png_destroy_write_struct(&pngOpt, &info) }
        let sink = Unchecked<[UInt8]>([])
        sink.value.reserveCapacity(4096)
        let ctx = Unmanaged.passUnretained(sink).toOpaque()
        png_set_write_fn(
            png, ctx,
            { p, data, len in
                guard let p, let data else { return }
                let s = Unmanaged<Unchecked<[UInt8]>>.fromOpaque(png_get_io_ptr(p)!).takeUnretainedValue()
                s.value.append(contentsOf: UnsafeBufferPointer(start: data, count: len))
            }, nil)
        // libpng reports errors with longjmp, which Swift cannot catch; inputs here are always valid,
        // so the only failures left are allocation failures.
        png_set_IHDR(
            png, info, png_uint_32(width), png_uint_32(height), 8, PNG_COLOR_TYPE_PALETTE, PNG_INTERLACE_NONE,
            PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT)
        var plte = (0..<n).map { png_color(red: rgba[$0 * 4], green: rgba[$0 * 4 + 1], blue: rgba[$0 * 4 + 2]) }
        png_set_PLTE(png, info, &plte, Int32(n))
        var alpha = (0..<n).map { rgba[$0 * 4 + 3] }
        // tRNS may stop at the last non-opaque entry.
        while let last = alpha.last, last == 255 { alpha.removeLast() }
        if !alpha.isEmpty { png_set_tRNS(png, info, &alpha, Int32(alpha.count), nil) }
        // Every index is below `n` by construction; libpng's own per-pixel check (0 turns it off) cost
        // 5 % of a render.
        png_set_check_for_invalid_index(png, 0)
        png_write_info(png, info)
        // The image data: every row behind filter byte 0 (none), deflated by libdeflate (`ImageDeflate`)
        // rather than by libpng's zlib; libpng writes the chunks.
        var raw = [UInt8](repeating: 0, count: height * (width + 1))
        raw.withUnsafeMutableBufferPointer { rp in
            indices.withUnsafeBufferPointer { ip in
                for y in 0..<height {
                    (rp.baseAddress! + y * (width + 1) + 1).update(from: ip.baseAddress! + y * width, count: width)
                }
            }
        }
        guard let idat = raw.withUnsafeBufferPointer({ ImageDeflate.zlib($0, level: compression) }) else {
            throw Failure(description: "libdeflate: cannot compress")
        }
        png_write_chunk(png, Array("IDAT".utf8), idat, idat.count)
        png_write_chunk(png, Array("IEND".utf8), nil, 0)
        return sink.value
    }

    /// The palette indices of a PNG as `encodePalette` writes them (8-bit palette, not interlaced, every
    /// row unfiltered); nil for any other PNG. Cheaper than encoding: `tiles --update` compares a tile's
    /// new indices with the stored ones and deflates only tiles that changed.
    public static func paletteIndices(_ png: [UInt8], width: Int, height: Int) -> [UInt8]? {
        let signature: [UInt8] = [137, 80, 78, 71, 13, 10, 26, 10]
        guard png.count > 8, Array(png[0..<8]) == signature else { return nil }
        func u32(_ at: Int) -> Int {
            Int(png[at]) << 24 | Int(png[at + 1]) << 16 | Int(png[at + 2]) << 8 | Int(png[at + 3])
        }
        var idat: [UInt8] = []
        var at = 8
        var header = false
        while at + 12 <= png.count {
            let length = u32(at)
            let body = at + 8
            guard length <= png.count - body - 4 else { return nil }
            let type = String(decoding: png[(at + 4)..<body], as: UTF8.self)
            if type == "IHDR" {
                // Width, height, bit depth 8, colour type 3 (palette), compression, filter, interlace 0.
                guard length == 13, u32(body) == width, u32(body + 4) == height, png[body + 8] == 8,
                    png[body + 9] == 3, png[body + 12] == 0
                else { return nil }
                header = true
            } else if type == "IDAT" {
                idat += png[body..<(body + length)]
            } else if type == "IEND" {
                break
            }
            at = body + length + 4
        }
        let stride = width + 1
        guard header,
            let raw = idat.withUnsafeBytes({ ImageDeflate.inflate($0, count: height * stride) })
        else { return nil }
        var out = [UInt8](repeating: 0, count: width * height)
        for y in 0..<height {
            guard raw[y * stride] == 0 else { return nil }
            out[(y * width)..<((y + 1) * width)] = raw[(y * stride + 1)..<((y + 1) * stride)]
        }
        return out
    }

    /// A decoded image as 8-bit RGBA.
    public struct Image: Sendable, Equatable {
        public var width: Int
        public var height: Int
        public var rgba: [UInt8]
    }

    /// Decodes any PNG to RGBA (palette and tRNS expanded).
    public static func decode(_ bytes: [UInt8]) throws -> Image {
        guard bytes.count > 8, png_sig_cmp(bytes, 0, 8) == 0 else { throw Failure(description: "not a PNG") }
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        var out: [UInt8] = []
        let ok = bytes.withUnsafeBytes { src -> Bool in
            guard png_image_begin_read_from_memory(&image, src.baseAddress, src.count) != 0 else { return false }
            image.format = png_uint_32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA)
            out = [UInt8](repeating: 0, count: Int(image.width * image.height * 4))
            return out.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) } != 0
        }
        guard ok else {
            png_image_free(&image)
            throw Failure(description: "libpng: cannot decode")
        }
        return Image(width: Int(image.width), height: Int(image.height), rgba: out)
    }
}
