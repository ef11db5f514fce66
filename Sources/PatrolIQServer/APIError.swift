import Foundation
import Hummingbird

/// A typed HTTP error with a JSON body `{"error": {"status": 400, "message": "…"}}`.
struct APIError: HTTPResponseError {
    let status: HTTPResponse.Status
    let message: String

    static func badRequest(_ m: String) -> APIError { APIError(status: .badRequest, message: m) }
    static func notFound(_ m: String) -> APIError { APIError(status: .notFound, message: m) }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = "{\"error\":{\"status\":\(status.code),\"message\":\(Self.quote(message))}}"
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func quote(_ s: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [s])) ?? Data("[\"\"]".utf8)
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
    }
}
