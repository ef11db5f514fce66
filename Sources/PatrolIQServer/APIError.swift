import Foundation
import Hummingbird
import PatrolIQCore

/// A typed HTTP error with a JSON body `{"error": {"status": 400, "message": "…"}}`.
struct APIError: HTTPResponseError {
    let status: HTTPResponse.Status
    let message: String

    static func badRequest(_ m: String) -> APIError { APIError(status: .badRequest, message: m) }
    static func notFound(_ m: String) -> APIError { APIError(status: .notFound, message: m) }
    static let unauthorized = APIError(status: .unauthorized, message: "sign in or send a bearer token")

    /// The challenge that makes a browser ask for a password.
    static let challenge = "Basic realm=\"PatrolIQ\", charset=\"UTF-8\""

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if status == .unauthorized { headers[.wwwAuthenticate] = Self.challenge }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: jsonBody)))
    }

    var jsonBody: String {
        JSONValue.object([
            ("error", .object([("status", .int(Int(status.code))), ("message", .string(message))]))
        ]).json
    }
}
