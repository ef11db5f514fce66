import Foundation

/// The temporary name every store is written under before it is renamed over its final path:
/// `PATH.tmp-PID` (SQLite's `-journal` and `-wal` companions follow it).
///
/// A process killed mid-write leaves its file behind, up to the full store's size. Each writer
/// therefore removes, before it starts, the temporaries beside its path whose process is gone; a
/// temporary of a process that still runs (a concurrent writer) is left alone.
public enum TemporaryFile {
    /// The temporary path for `path` in this process, after removing stale ones.
    public static func beside(_ path: String) -> String {
        removeStale(beside: path)
        return path + ".tmp-\(getpid())"
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
