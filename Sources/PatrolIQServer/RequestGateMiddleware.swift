import Foundation
import Hummingbird
import Logging

/// The first middleware: rejects traversal attempts (404, before any file lookup) and writes one log
/// line per request at info, after the response: method, path, status and duration. (Hummingbird's
/// LogRequestMiddleware logs before the handler runs, so it cannot say how a request ended.)
struct RequestGateMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = ContinuousClock.now
        func log(_ status: Int) { AccessLog.write(context.logger, request, status: status, since: start) }
        do {
            if PathGuard.isSuspicious(request.uri.path) { throw APIError.notFound("not found") }
            let r = try await next(request, context)
            log(Int(r.status.code))
            return r
        } catch let e as any HTTPResponseError {
            log(Int(e.status.code))
            throw e
        } catch {
            log(500)
            throw error
        }
    }
}

enum AccessLog {
    static func write(_ logger: Logger, _ request: Request, status: Int, since start: ContinuousClock.Instant) {
        guard logger.logLevel <= .info else { return }
        let d = ContinuousClock.now - start
        let ms = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
        logger.info("\(request.method) \(request.uri.path) \(status) \(String(format: "%.2f", ms)) ms")
    }
}
