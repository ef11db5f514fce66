import Foundation
import Hummingbird
import PatrolIQCore

/// A typed HTTP error with a JSON body `{"error": {"status": 400, "message": "…"}}`.
struct APIError: HTTPResponseError {
    let status: HTTPResponse.Status
    let message: String

    static func badRequest(_ m: String) -> APIError { APIError(status: .badRequest, message: m) }
    static func notFound(_ m: String) -> APIError { APIError(status: .notFound, message: m) }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: jsonBody)))
    }

    var jsonBody: String {
        JSONValue.object([
            ("error", .object([("status", .int(Int(status.code))), ("message", .string(message))]))
        ]).json
    }
}
