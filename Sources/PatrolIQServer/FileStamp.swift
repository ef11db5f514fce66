import Foundation

/// Identity of a file on disk: a replaced file (rename over it) gets a new inode.
public struct FileStamp: Equatable, Sendable {
    let inode: UInt64
    let size: Int64
    let mtime: Int

    public init?(_ path: String) {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        inode = UInt64(st.st_ino)
        size = Int64(st.st_size)
        mtime = Int(st.st_mtim.tv_sec) &* 1_000_000_000 &+ Int(st.st_mtim.tv_nsec)
    }
}
