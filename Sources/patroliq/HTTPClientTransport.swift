import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PatrolIQCore

/// MLflow's REST calls over AsyncHTTPClient (http and https).
struct HTTPClientTransport: MLflowTransport {
    /// Longest time one call may take. AsyncHTTPClient retries a refused connection until then, so
    /// this is also how soon "nothing listening" is reported.
    var timeout: TimeAmount = .seconds(5)

    func send(method: String, url: String, body: Data?, contentType: String) async throws -> (status: Int, body: Data) {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        let received = try await response.body.collect(upTo: 64 << 20)
        return (Int(response.status.code), Data(received.readableBytesView))
    }
}
