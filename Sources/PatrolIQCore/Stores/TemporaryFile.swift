import Foundation

/// The temporary name every store is written under before it is renamed over its final path:
/// `PATH.tmp-PID` (SQLite's `-journal` and `-wal` companions follow it).
///
/// A process killed mid-write leaves its file behind, up to the full store's size. Each writer
/// therefore removes, before it starts, the temporaries beside its path whose process is gone; a
/// temporary of a process that still runs (a concurrent writer) is left alone.
public enum TemporaryFile {
    /// The temporary path for `path` in this process, after removing stale ones.
    /// Copies `src` to a new file `dst` in the kernel (sendfile: about 0.4 s for a 1.2 GB workspace, where a
    /// read/write loop took seconds), falling back to Foundation's copy where that is refused.
    public static func copy(_ src: String, to dst: String) throws {
        let from = open(src, O_RDONLY | O_CLOEXEC)
        guard from >= 0 else { throw RuntimeError(file: src, "cannot read: \(String(cString: strerror(errno)))") }
        defer { close(from) }
        let to = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard to >= 0 else { throw RuntimeError(file: dst, "cannot write: \(String(cString: strerror(errno)))") }
        var ok = true
        while true {
            let n = sendfile(to, from, nil, 1 << 30)
            if n == 0 { break }
            if n < 0 {
                ok = false
                break
            }
        }
        close(to)
        if !ok {
            try? FileManager.default.removeItem(atPath: dst)
            try FileManager.default.copyItem(atPath: src, toPath: dst)
        }
    }

    public static func beside(_ path: String) -> String {
        removeStale(beside: path)
        return path + ".tmp-\(getpid())"
    }

    /// Writes `data` to `path` whole or not at all: through the temporary name, then renamed.
    public static func write(_ data: Data, to path: String) throws {
        let tmp = beside(path)
        guard FileManager.default.createFile(atPath: tmp, contents: data) else {
            throw InputError(file: path, "cannot write (directory missing or not writable)")
        }
        guard rename(tmp, path) == 0 else {
            unlink(tmp)
            throw RuntimeError(file: path, "cannot write: \(String(cString: strerror(errno)))")
        }
    }

    /// Removes `PATH.tmp-PID*` files whose process no longer exists; returns how many.
    @discardableResult
    public static func removeStale(beside path: String) -> Int {
        let dir = (path as NSString).deletingLastPathComponent
        let prefix = (path as NSString).lastPathComponent + ".tmp-"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.isEmpty ? "." : dir) else {
            return 0
        }
        var removed = 0
        for name in names where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            let digits = rest.prefix { $0.isNumber }
            guard let pid = Int32(digits), pid > 0, pid != getpid() else { continue }
            // kill(pid, 0) fails with ESRCH only when no such process exists.
            guard kill(pid, 0) != 0, errno == ESRCH else { continue }
            if unlink((dir.isEmpty ? "" : dir + "/") + name) == 0 { removed += 1 }
        }
        return removed
    }
}
