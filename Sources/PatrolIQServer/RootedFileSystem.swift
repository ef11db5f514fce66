import Foundation
import Hummingbird
import Logging

/// Hummingbird's local file provider, confined to its root: a path that resolves (symlinks followed)
/// outside the root is not found. FileMiddleware does the serving (ETag, ranges, media types).
struct RootedFileSystem: FileProvider {
    typealias FileAttributes = LocalFileSystem.FileAttributes
    typealias FileIdentifier = String

    let base: LocalFileSystem
    let realRoot: String

    init(root: String, logger: Logger) {
        base = LocalFileSystem(rootFolder: root, threadPool: .singleton, logger: logger)
        realRoot = Self.realpath(root) ?? root
    }

    static func realpath(_ p: String) -> String? {
        guard let r = Foundation.realpath(p, nil) else { return nil }
        defer { free(r) }
        return String(cString: r)
    }

    func getFileIdentifier(_ path: String) -> String? {
        guard let id = base.getFileIdentifier(path), let real = Self.realpath(id) else { return nil }
        guard real == realRoot || real.hasPrefix(realRoot + "/") else { return nil }
        return id
    }

    func getAttributes(id: String) async throws -> FileAttributes? { try await base.getAttributes(id: id) }

    func loadFile(id: String, context: some RequestContext) async throws -> ResponseBody {
        try await base.loadFile(id: id, context: context)
    }

    func loadFile(id: String, range: ClosedRange<Int>, context: some RequestContext) async throws -> ResponseBody {
        try await base.loadFile(id: id, range: range, context: context)
    }
}

/// The dashboard's files: `/js/{library}/…` from the named libraries in Debian's JavaScript folder
/// (only those the dashboard uses, not every package installed there), everything else from
/// `web/`, each confined to its root. One FileMiddleware serves both.
struct StaticFiles: FileProvider {
    typealias FileAttributes = LocalFileSystem.FileAttributes
    typealias FileIdentifier = String

    let web: RootedFileSystem
    let js: [(name: String, files: RootedFileSystem)]

    func getFileIdentifier(_ path: String) -> String? {
        if path == "/js" || path.hasPrefix("/js/") {
            let rest = path.dropFirst(4)
            let library = rest.prefix { $0 != "/" }
            guard let files = js.first(where: { $0.name == library })?.files else { return nil }
            return files.getFileIdentifier(String(rest.dropFirst(library.count)))
        }
        return web.getFileIdentifier(path)
    }

    func getAttributes(id: String) async throws -> FileAttributes? { try await web.base.getAttributes(id: id) }

    func loadFile(id: String, context: some RequestContext) async throws -> ResponseBody {
        try await web.base.loadFile(id: id, context: context)
    }

    func loadFile(id: String, range: ClosedRange<Int>, context: some RequestContext) async throws -> ResponseBody {
        try await web.base.loadFile(id: id, range: range, context: context)
    }
}

/// Traversal attempts: `..` (also percent-encoded), backslashes, NUL and empty segments.
enum PathGuard {
    static func isSuspicious(_ raw: String) -> Bool {
        var utf8 = raw.utf8
        if utf8.contains(UInt8(ascii: "%")) {
            let decoded = raw.removingPercentEncoding ?? raw
            utf8 = decoded.utf8
        }
        var prev: UInt8 = 0
        for c in utf8 {
            if c == UInt8(ascii: "\\") || c == 0 { return true }
            if c == UInt8(ascii: ".") && prev == UInt8(ascii: ".") { return true }
            if c == UInt8(ascii: "/") && prev == UInt8(ascii: "/") { return true }
            prev = c
        }
        return false
    }
}
