import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// Hummingbird's HTTP/1.1 child channel with `TileChannelHandler` placed right after NIO's HTTP
/// decoder, so tile hits never pay for the conversion to and from Swift HTTP Types that the router's
/// requests need. Everything else is set up as `HTTP1Channel` does it.
struct TileFirstHTTP1Channel: HTTPChannelHandler {
    typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>
    let responder: Responder
    let tiles: TileService
    /// Live tiles already rendered are answered here too.
    let live: LiveService?
    let accessLog: Logger
    /// See `RequestDeadlineHandler`.
    let requestTimeout: TimeAmount

    /// Hummingbird's own header limits (80 KiB, 1 000 fields), not NIO's far larger defaults.
    static var decoderLimits: NIOHTTPDecoderLimitConfiguration {
        let hb = HTTP1Channel.Configuration.DecoderConfiguration()
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderFieldSize = hb.maxHeaderFieldSize
        limits.maxHeaderListSize = hb.maxHeaderListSize
        limits.maxHeaderFieldCount = hb.maxHeaderFieldCount
        return limits
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let pipeline = channel.pipeline.syncOperations
            try pipeline.configureHTTPServerPipeline(
                withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: false,
                withEncoderConfiguration: .init(), withDecoderLimitConfiguration: Self.decoderLimits)
            try pipeline.addHandler(RequestDeadlineHandler(timeout: requestTimeout))
            try pipeline.addHandler(TileChannelHandler(tiles: tiles, live: live, logger: accessLog))
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
            return try NIOAsyncChannel(
                wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
        }
    }

    func handle(value: Value, logger: Logger) async {
        await handleHTTP(asyncChannel: value, logger: logger)
    }
}

/// Answers tile GETs on the connection's event loop, ahead of Hummingbird's request handling;
/// everything else (other routes, HEAD, HTTP/1.0, tiles not yet in memory) passes on unchanged.
///
/// A tile in memory is a dictionary lookup and a few prebuilt headers, yet the router costs a task, an
/// async-sequence hop, two conversions of the head and the response writer's bookkeeping per request:
/// this handler is what lets a tile hit cost about what it costs nginx. It writes the same headers,
/// ETag / 304 handling, JSON errors and access-log line as the router does for tiles.
///
/// Responses stay in request order: a request is answered here only when no request passed on to the
/// router is still waiting for its response (HTTP/1.1 pipelining). A parse error's 400, written by the
/// router for a request it never saw from here, can only make this handler pass on more requests, never
/// answer out of order.
final class TileChannelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let tiles: TileService
    private let live: LiveService?
    private let logger: Logger
    /// Requests passed to the router whose response has not ended yet.
    private var pending = 0
    /// The parts of the current request go to the router.
    private var passing = false
    /// The answer to the current request, written when its end arrives.
    private var answer: Answer?
    private var unflushed = false
    private var date = HTTPDate()

    private struct Answer {
        var head: HTTPResponseHead
        var body: ByteBuffer?
        var path: String
        var start: ContinuousClock.Instant
    }

    init(tiles: TileService, live: LiveService? = nil, logger: Logger) {
        self.tiles = tiles
        self.live = live
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request):
            // A client that sends without reading fills the outbound buffer: then requests go to the
            // router, whose writer waits for the socket, so memory stays bounded.
            if pending == 0, context.channel.isWritable, let a = fastAnswer(request) {
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
            if let body = a.body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
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
    private func fastAnswer(_ request: HTTPRequestHead) -> Answer? {
        guard request.method == .GET, request.version == .http1_1, request.isKeepAlive,
            request.uri.hasPrefix("/tiles/")
        else { return nil }
        var path = request.uri
        if let q = path.utf8.firstIndex(of: UInt8(ascii: "?")) { path = String(path[..<q]) }
        // Only /tiles/{layer}/{z}/{x}/{y}.png: TileJSON (/tiles/{layer}.json) and the catalogue are routes.
        guard !path.utf8.contains(UInt8(ascii: "%")), !PathGuard.isSuspicious(path), let address = TileAddress(path)
        else { return nil }
        // Without valid credentials the router answers (401 with its challenge).
        if let access = tiles.access,
            access.authorize(
                authorization: request.headers.first(name: "authorization"),
                accessToken: AccessMiddleware<BasicRequestContext>.queryToken(request.uri)) == nil
        {
            return nil
        }
        let start = ContinuousClock.now
        if address.layer == LiveService.layer {
            // Only a live tile already rendered for this filter and data version; anything else is the router's.
            guard let live, address.isPNG, !address.retina, let z = address.z, let x = address.x, let y = address.y,
                let cached = live.cachedTile(query: Self.query(request.uri), z: z, x: x, y: y), let hit = cached
            else { return nil }
            var head: HTTPResponseHead
            var body: ByteBuffer?
            if let inm = request.headers.first(name: "if-none-match"), PatrolIQServer.matches(inm, hit.etag) {
                head = HTTPResponseHead(version: .http1_1, status: .notModified, headers: hit.nioNotModifiedHeaders)
            } else {
                head = HTTPResponseHead(version: .http1_1, status: .ok, headers: hit.nioHeaders)
                body = hit.data
            }
            head.headers.add(name: "Date", value: date.now())
            return Answer(head: head, body: body, path: path, start: start)
        }
        var head: HTTPResponseHead
        var body: ByteBuffer?
        do {
            switch try tiles.reply(address, ifNoneMatch: request.headers.first(name: "if-none-match"), readStore: false)
            {
            case nil, .noContent?: return nil
            case .tile(let t)?:
                head = HTTPResponseHead(version: .http1_1, status: .ok, headers: t.nioHeaders)
                body = t.data
            case .notModified(let t)?:
                head = HTTPResponseHead(version: .http1_1, status: .notModified, headers: t.nioNotModifiedHeaders)
            }
        } catch {
            let b = ByteBuffer(string: error.jsonBody)
            head = HTTPResponseHead(
                version: .http1_1, status: HTTPResponseStatus(statusCode: Int(error.status.code)),
                headers: [
                    "Content-Type": "application/json; charset=utf-8", "Content-Length": String(b.readableBytes),
                    "Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "ETag",
                    "Server": PatrolIQServer.serverName,
                ])
            body = b
        }
        head.headers.add(name: "Date", value: date.now())
        return Answer(head: head, body: body, path: path, start: start)
    }
}

extension TileChannelHandler {
    /// The query string of a request target (empty without one).
    static func query(_ uri: String) -> Substring {
        guard let q = uri.firstIndex(of: "?") else { return "" }
        return uri[uri.index(after: q)...]
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
