import CZlib
import Foundation

/// Reads a plain or gzip-compressed file as bytes; zlib's `gzread` passes plain files through unchanged,
/// so `.csv` and `.csv.gz` take the same path.
public final class ByteSource {
    public let path: String
    private let file: gzFile?
    /// Bytes held in memory instead of a file (tests and the fuzz target).
    private let memory: [UInt8]
    public private(set) var bytesRead: Int = 0
    /// Size of the file on disk (compressed size for `.gz`), for progress.
    public let fileSize: Int

    public init(path: String) throws {
        self.path = path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw InputError(file: path, "no such file")
        }
        guard !isDir.boolValue else { throw InputError(file: path, "is a directory, not a CSV file") }
        guard let f = gzopen(path, "rb") else {
            throw InputError(file: path, "cannot open: \(String(cString: strerror(errno)))")
        }
        file = f
        memory = []
        // Smaller than half of a 1 MiB block read, so zlib reads plain files straight into the caller's
        // buffer instead of copying them through its own.
        gzbuffer(f, 1 << 18)
        let attrs = try? FileManager.default.attributesOfItem(atPath: path)
        fileSize = (attrs?[.size] as? NSNumber)?.intValue ?? 0
    }

    /// `bytes` read as if they were the file `name`.
    public init(bytes: [UInt8], name: String) {
        path = name
        file = nil
        memory = bytes
        fileSize = bytes.count
    }

    deinit { if let file { gzclose(file) } }

    /// Reads up to `count` bytes; returns 0 at end of file.
    public func read(into buffer: UnsafeMutableRawPointer, count: Int) throws -> Int {
        guard let file else {
            let n = min(count, memory.count - bytesRead)
            guard n > 0 else { return 0 }
            memory.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress! + bytesRead, byteCount: n) }
            bytesRead += n
            return n
        }
        let n = gzread(file, buffer, UInt32(min(count, Int(Int32.max))))
        if n < 0 {
            var errnum: Int32 = 0
            let msg = gzerror(file, &errnum).map { String(cString: $0) } ?? "read error"
            throw InputError(file: path, "cannot read: \(msg)")
        }
        bytesRead += Int(n)
        return Int(n)
    }

    /// Position in the underlying (possibly compressed) file, for progress against `fileSize`.
    public var rawOffset: Int { file.map { Int(gzoffset($0)) } ?? bytesRead }
}
