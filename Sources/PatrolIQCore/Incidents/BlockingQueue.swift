import Foundation

/// A bounded hand-off between pipeline threads. `pop` returns nil once the queue is closed and empty;
/// a stage that fails closes with its error so the consumer rethrows it.
final class BlockingQueue<T>: @unchecked Sendable {
    private var items: [T] = []
    private let limit: Int
    private let cond = NSCondition()
    private var closed = false
    private(set) var error: Error?

    init(limit: Int) { self.limit = limit }

    /// Blocks while full; returns false when the queue was closed (the consumer gave up).
    @discardableResult
    func push(_ x: T) -> Bool {
        cond.lock()
        defer { cond.unlock() }
        while items.count >= limit && !closed { cond.wait() }
        if closed { return false }
        items.append(x)
        cond.broadcast()
        return true
    }

    func pop() throws -> T? {
        cond.lock()
        defer { cond.unlock() }
        while items.isEmpty && !closed { cond.wait() }
        if let e = error { throw e }
        if items.isEmpty { return nil }
        let x = items.removeFirst()
        cond.broadcast()
        return x
    }

    /// Takes an item if one is waiting, without blocking.
    func tryPop() -> T? {
        cond.lock()
        defer { cond.unlock() }
        if items.isEmpty { return nil }
        let x = items.removeFirst()
        cond.broadcast()
        return x
    }

    func close(error: Error? = nil) {
        cond.lock()
        if let error, self.error == nil { self.error = error }
        closed = true
        cond.broadcast()
        cond.unlock()
    }
}

/// Runs `body` on a new thread; `join` waits for it.
final class Worker: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    init(_ name: String, _ body: @escaping @Sendable () -> Void) {
        let t = Thread { [done] in
            body()
            done.signal()
        }
        t.name = name
        t.stackSize = 1 << 22
        t.start()
    }
    /// Waits for `body` to return; may be called more than once.
    func join() {
        done.wait()
        done.signal()
    }
}

/// Hands a non-Sendable value to exactly one other thread at a time (pipeline stages own it in turn).
public final class Unchecked<T>: @unchecked Sendable {
    public var value: T
    public init(_ v: T) { value = v }
}
