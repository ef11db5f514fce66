import Foundation
import Hummingbird
import Logging

/// The first middleware: rejects traversal attempts (404, before any file lookup), gives unmatched
/// paths the JSON 404 of `APIError`, and writes one log line per request at info, after the response:
/// method, path, status and duration. (Hummingbird's LogRequestMiddleware logs before the handler
/// runs, so it cannot say how a request ended.)
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
        } catch let e as HTTPError where e.status == .notFound {
            // No route matched (Hummingbird's own 404 has an empty body): the same JSON error as
            // every other endpoint's, so a client parses one shape.
            log(404)
            throw APIError.notFound("no such endpoint or file")
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
        write(logger, method: request.method.rawValue, path: request.uri.path, status: status, since: start)
    }

    static func write(
        _ logger: Logger, method: String, path: some StringProtocol, status: Int, since start: ContinuousClock.Instant
    ) {
        guard logger.logLevel <= .info else { return }
        let d = ContinuousClock.now - start
        // Hundredths of a millisecond, printed as "1.05": String(format:) would cost more than the request.
        let h = Int(d.components.seconds) * 100_000 + Int(d.components.attoseconds / 10_000_000_000_000)
        let frac = h % 100
        // An explicit source spares swift-log deriving it from #fileID on every call.
        logger.info(
            "\(method) \(path) \(status) \(h / 100).\(frac < 10 ? "0" : "")\(frac) ms", source: "PatrolIQServer")
    }
}
