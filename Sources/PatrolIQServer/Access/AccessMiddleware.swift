import Foundation
import Hummingbird

/// With `serve --users`, every request but `/health` needs valid credentials: HTTP Basic for people
/// at the dashboard, a bearer token (`Authorization: Bearer …`, or `?access_token=…` for map
/// clients that cannot set headers) for everything else. Others get 401 with a Basic challenge, so
/// a browser asks for a password. Credentials are never logged: the access log writes paths only.
struct AccessMiddleware<Context: RequestContext>: RouterMiddleware {
    let access: AccessControl
    static var openPaths: Set<String> { ["/health"] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        if Self.openPaths.contains(request.uri.path) || request.method == .options {
            return try await next(request, context)
        }
        let principal = access.authorize(
            authorization: request.headers[.authorization], accessToken: Self.queryToken(request.uri.string))
        guard principal != nil else { throw APIError.unauthorized }
        return try await next(request, context)
    }

    /// The `access_token` query parameter of a request target, percent-decoded.
    static func queryToken(_ target: String) -> String? {
        guard let q = target.firstIndex(of: "?") else { return nil }
        for pair in target[target.index(after: q)...].split(separator: "&") where pair.hasPrefix("access_token=") {
            return String(pair.dropFirst("access_token=".count)).removingPercentEncoding
        }
        return nil
    }
}
