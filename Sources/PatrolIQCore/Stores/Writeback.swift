import Foundation

/// Starts the kernel writing a file's dirty pages while the file is still being built, so the `fsync`
/// that makes it durable before its rename waits for the last few megabytes instead of all of them.
///
/// `sync_file_range(2)` is Linux-only and not in Swift's Glibc module, so it is looked up at run time;
/// where it is missing, `start` does nothing and the final `fsync` does all the work, as before.
enum Writeback {
    private typealias SyncFileRange = @convention(c) (Int32, Int64, Int64, UInt32) -> Int32
    private static let syncFileRange: SyncFileRange? = dlsym(nil, "sync_file_range").map {
        unsafeBitCast($0, to: SyncFileRange.self)
    }
    /// `SYNC_FILE_RANGE_WRITE`: start write-out of dirty pages not already being written; do not wait.
    private static let write: UInt32 = 2

    /// Queues the write-out of every dirty page of `fd`'s file (offset 0, length 0 = to the end).
    static func start(_ fd: Int32) {
        guard fd >= 0, let f = syncFileRange else { return }
        _ = f(fd, 0, 0, write)
    }
}
