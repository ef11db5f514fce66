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

    public func log(
        level: Logger.Level, message: Logger.Message, metadata extra: Logger.Metadata?, source: String, file: String,
        function: String, line: UInt
    ) {
        var all = metadata
        if let extra { all.merge(extra) { _, new in new } }
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
        var buf = [CChar](repeating: 0, count: 32)
        strftime(&buf, buf.count, "%Y-%m-%dT%H:%M:%S%z", &tmv)
        return String(cString: buf)
    }

    /// Writes what is buffered (call before exiting).
    public static func flush() { BufferedOutput.shared.flush() }
}

final class BufferedOutput: @unchecked Sendable {
    static let shared = BufferedOutput()
    private var buffer = [UInt8]()
    private let lock = NSLock()
    private var timer: (any DispatchSourceTimer)?
    /// The current second's timestamp, formatted once per second rather than once per line.
    private var second = 0
    private var stamp: [UInt8] = []

    private init() {
        buffer.reserveCapacity(1 << 16)
        // A timer on its own queue: no thread of ours that could take the process's signals.
        let q = DispatchQueue(label: "patroliq.log-flush")
        let timer = DispatchSource.makeTimerSource(queue: q)
        timer.schedule(deadline: .now() + .milliseconds(200), repeating: .milliseconds(200))
        timer.setEventHandler { [weak self] in self?.flush() }
        timer.resume()
        self.timer = timer
    }

    /// Appends a line: the current timestamp, a space, then `parts` (which end with the newline).
    func append(_ parts: [String], urgent: Bool) {
        let now = time(nil)
        lock.lock()
        if now != second {
            second = now
            stamp = Array(BufferedLogHandler.timestamp().utf8) + [UInt8(ascii: " ")]
        }
        buffer.append(contentsOf: stamp)
        for p in parts { buffer.append(contentsOf: p.utf8) }
        let full = buffer.count >= 1 << 16
        lock.unlock()
        if full || urgent { flush() }
    }

    func flush() {
        lock.lock()
        let out = buffer
        buffer.removeAll(keepingCapacity: true)
        lock.unlock()
        guard !out.isEmpty else { return }
        out.withUnsafeBytes { p in
            var off = 0
            while off < p.count {
                let n = write(1, p.baseAddress! + off, p.count - off)
                if n <= 0 { break }
                off += n
            }
        }
    }
}
