import NIOCore
import NIOHTTP1

/// Closes a connection that keeps the server waiting: no complete request within `timeout` of the
/// connection opening or of its last response.
///
/// That one rule covers both idle keep-alive sockets and slowloris clients, which send a header
/// byte at a time and so never look idle to a read-idle timer. While a request is being answered
/// the clock is stopped: slow work of ours never closes a client.
///
/// A request costs a clock read, not a timer: one check is scheduled at a time, and when it fires
/// early (the connection was busy meanwhile) it is scheduled again for the time that remains.
final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let timeout: TimeAmount
    private var check: Scheduled<Void>?
    /// Since when the server has been waiting for a complete request; nil while it is answering.
    private var waitingSince: NIODeadline?
    /// Requests fully received and not yet answered.
    private var unanswered = 0

    init(timeout: TimeAmount) { self.timeout = timeout }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startWaiting(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        startWaiting(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { stop() }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .end = unwrapInboundIn(data) {
            unanswered += 1
            waitingSince = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            unanswered = max(0, unanswered - 1)
            if unanswered == 0 { startWaiting(context) }
        }
        context.write(data, promise: promise)
    }

    private func stop() {
        check?.cancel()
        check = nil
        waitingSince = nil
    }

    private func startWaiting(_ context: ChannelHandlerContext) {
        waitingSince = .now()
        if check == nil { schedule(context, in: timeout) }
    }

    private func schedule(_ context: ChannelHandlerContext, in delay: TimeAmount) {
        let channel = context.channel
        check = context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in
            check = nil
            guard let since = waitingSince else { return }  // answering: the next wait schedules again
            let waited = NIODeadline.now() - since
            if waited >= timeout {
                channel.close(promise: nil)
            } else {
                schedule(context, in: timeout - waited)
            }
        }
    }
}
