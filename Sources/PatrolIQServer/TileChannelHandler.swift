import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOHTTPTypes

/// Answers tile GETs on the connection's event loop, in the channel pipeline ahead of Hummingbird's
/// request handling; everything else (other routes, HEAD, tiles not yet in memory) passes on to the
/// router unchanged.
///
/// A tile already in memory is a dictionary lookup and a few prebuilt headers, yet going through the
/// router costs a task, an async sequence hop and the response writer's bookkeeping per request: this
/// handler is what lets a tile hit cost about what it does in nginx. It writes the same headers, ETag /
/// 304 handling, JSON errors and access-log line as the router does for tiles.
///
/// Responses stay in request order: a request is answered here only when no request passed on to the
/// router is still waiting for its response (HTTP/1.1 pipelining).
final class TileChannelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let tiles: TileService
    private let logger: Logger
    /// Requests passed to the router whose response has not ended yet.
    private var pending = 0
    /// The parts of the current request go to the router.
    private var passing = false
    /// The answer to the current request, written when its end arrives.
    private var answer: (head: HTTPResponse, body: ByteBuffer?, path: String, start: ContinuousClock.Instant)?
    private var unflushed = false
    private var date = HTTPDate()

    init(tiles: TileService, logger: Logger) {
        self.tiles = tiles
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request):
            if pending == 0, let a = fastAnswer(request) {
                answer = a
                passing = false
                return
            }
            passing = true
            pending += 1
            context.fireChannelRead(data)
        case .body:
            if passing { context.fireChannelRead(data) }
        case .end:
            guard !passing, let a = answer else {
                context.fireChannelRead(data)
                return
            }
            answer = nil
            context.write(wrapOutboundOut(.head(a.head)), promise: nil)
            if let body = a.body { context.write(wrapOutboundOut(.body(body)), promise: nil) }
            context.write(wrapOutboundOut(.end(nil)), promise: nil)
            unflushed = true
            AccessLog.write(logger, method: "GET", path: a.path, status: Int(a.head.status.code), since: a.start)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if unflushed {
            unflushed = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { pending -= 1 }
        context.write(data, promise: promise)
    }

    /// The response to a tile GET answerable without reading a store; nil to pass the request on.
    private func fastAnswer(_ request: HTTPRequest) -> (HTTPResponse, ByteBuffer?, String, ContinuousClock.Instant)? {
        guard request.method == .get, var path = request.path, path.hasPrefix("/tiles/"),
            request.headerFields[.connection] == nil
        else { return nil }
        if let q = path.utf8.firstIndex(of: UInt8(ascii: "?")) { path = String(path[..<q]) }
        guard !path.utf8.contains(UInt8(ascii: "%")), !PathGuard.isSuspicious(path) else { return nil }
        let start = ContinuousClock.now
        var head: HTTPResponse
        var body: ByteBuffer?
        do {
            switch try tiles.reply(path: path, ifNoneMatch: request.headerFields[.ifNoneMatch], readStore: false) {
            case nil: return nil
            case .noContent?: return nil
            case .tile(let t)?:
                head = HTTPResponse(status: .ok, headerFields: t.headers)
                body = t.data
            case .notModified(let t)?:
                head = HTTPResponse(status: .notModified, headerFields: t.notModifiedHeaders)
            }
        } catch {
            let b = error.jsonBody
            head = HTTPResponse(
                status: error.status,
                headerFields: [
                    .contentType: "application/json; charset=utf-8", .contentLength: String(b.utf8.count),
                    .accessControlAllowOrigin: "*", .accessControlExposeHeaders: "ETag",
                    .server: PatrolIQServer.serverName,
                ])
            body = ByteBuffer(string: b)
        }
        head.headerFields[.date] = date.now()
        return (head, body, path, start)
    }
}

/// The `Date` header value (RFC 9110 IMF-fixdate), formatted once per second.
struct HTTPDate {
    private var second = 0
    private var text = ""

    mutating func now() -> String {
        let t = time(nil)
        if t != second {
            second = t
            var tm = tm()
            var tt = t
            gmtime_r(&tt, &tm)
            let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
            let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
            func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
            text =
                "\(days[Int(tm.tm_wday)]), \(two(tm.tm_mday)) \(months[Int(tm.tm_mon)]) \(tm.tm_year + 1900) "
                + "\(two(tm.tm_hour)):\(two(tm.tm_min)):\(two(tm.tm_sec)) GMT"
        }
        return text
    }
}
