import Foundation
import Logging

/// A swift-log handler for the access log that writes whole lines to stdout in batches (at 64 KiB or
/// every 200 ms), like nginx's `access_log … buffer=`: a line per request without a write per request.
public struct BufferedLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    let label: String

    public init(label: String) { self.label = label }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let (level, message) = (event.level, event.message)
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { _, new in new } }
        let meta =
            all.isEmpty
            ? "" : " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        // rawValue and description directly: interpolating the values themselves goes through
        // String(describing:) and its dynamic casts, a measurable cost at one line per request.
        let parts: [String] = [level.rawValue, " ", label, ":", meta, " ", message.description, "\n"]
        BufferedOutput.shared.append(parts, urgent: level >= .warning)
    }

    static func timestamp() -> String {
        var t = time(nil)
        var tmv = tm()
        gmtime_r(&t, &tmv)
        var buf = [UInt8](repeating: 0, count: 32)
        let n = buf.withUnsafeMutableBufferPointer { b in
            b.withMemoryRebound(to: CChar.self) { strftime($0.baseAddress, $0.count, "%Y-%m-%dT%H:%M:%S%z", &tmv) }
        }
        return String(decoding: buf.prefix(n), as: UTF8.self)
    }

    /// Writes what is buffered (call before exiting).
    public static func flush() { BufferedOutput.shared.flush() }
}

/// The access log's buffer and its writer thread.
///
/// Request handlers, on NIO's event loops, only append to a bounded buffer under a lock; a thread
/// of its own writes to the file descriptor. When the reader of stdout stalls (a full pipe, a hung
/// terminal) the buffer fills, further lines are dropped and counted, and a line saying how many
/// were lost is written once output flows again: logging never stalls serving.
final class BufferedOutput: @unchecked Sendable {
    static let shared = BufferedOutput(fd: 1)
    /// Lines beyond this many buffered bytes are dropped.
    static let capacity = 1 << 20
    let fd: Int32
    private var buffer = [UInt8]()
    private let condition = NSCondition()
    private var wake = false
    /// Lines dropped since the last note about it; in all.
    private var dropped = 0
    private(set) var droppedTotal = 0
    /// The current second's timestamp, formatted once per second rather than once per line.
    private var second = 0
    private var stamp: [UInt8] = []

    init(fd: Int32) {
        self.fd = fd
        buffer.reserveCapacity(1 << 16)
        let t = Thread { [unowned self] in self.run() }
        t.name = "patroliq.access-log"
        t.start()
    }

    /// Appends a line: the current timestamp, a space, then `parts` (which end with the newline).
    /// Never blocks on output.
    func append(_ parts: [String], urgent: Bool) {
        let now = time(nil)
        condition.lock()
        defer { condition.unlock() }
        var size = 0
        for p in parts { size += p.utf8.count }
        guard buffer.count + size + 26 <= Self.capacity else {
            dropped += 1
            droppedTotal += 1
            return
        }
        if now != second {
            second = now
            stamp = Array(BufferedLogHandler.timestamp().utf8) + [UInt8(ascii: " ")]
        }
        buffer.append(contentsOf: stamp)
        for p in parts { buffer.append(contentsOf: p.utf8) }
        if urgent || buffer.count >= 1 << 16 {
            wake = true
            condition.signal()
        }
    }

    /// The writer: every 200 ms, or when woken, writes what is buffered.
    private func run() {
        while true {
            condition.lock()
            if !wake { _ = condition.wait(until: Date(timeIntervalSinceNow: 0.2)) }
            wake = false
            condition.unlock()
            drain(waitMilliseconds: 200)
        }
    }

    /// Writes what is buffered while the descriptor accepts it within `waitMilliseconds`; what it
    /// does not accept stays buffered for the next attempt.
    @discardableResult
    func drain(waitMilliseconds: Int32) -> Bool {
        condition.lock()
        var out = buffer
        buffer.removeAll(keepingCapacity: true)
        if dropped > 0, out.count < Self.capacity {
            out.append(
                contentsOf: Array(
                    "\(BufferedLogHandler.timestamp()) warning patroliq: \(dropped) access-log lines dropped: output was blocked\n"
                        .utf8))
            dropped = 0
        }
        condition.unlock()
        guard !out.isEmpty else { return true }
        var off = 0
        out.withUnsafeBytes { p in
            while off < p.count {
                var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                guard poll(&pfd, 1, waitMilliseconds) == 1, pfd.revents & Int16(POLLOUT) != 0 else { break }
                let n = write(fd, p.baseAddress! + off, p.count - off)
                if n <= 0 { break }
                off += n
            }
        }
        guard off < out.count else { return true }
        // Not all written: keep the rest ahead of anything appended meanwhile.
        condition.lock()
        buffer.insert(contentsOf: out[off...], at: 0)
        condition.unlock()
        return false
    }

    /// Writes what is buffered, waiting at most a second for a blocked output (at shutdown).
    func flush() { drain(waitMilliseconds: 1000) }
}
