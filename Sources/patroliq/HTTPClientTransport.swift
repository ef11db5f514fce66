import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PatrolIQCore

/// MLflow's REST calls over AsyncHTTPClient (http and https), waited for on the calling thread: the
/// command runs on the main thread, outside the concurrency pool the client's task runs on.
struct HTTPClientTransport: MLflowTransport {
    /// Longest time one call may take.
    var timeout: TimeAmount = .seconds(30)

    func send(method: String, url: String, json: Data?) throws -> (status: Int, body: Data) {
        let result = Unchecked<Result<(status: Int, body: Data), any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let timeout = timeout
        Task {
            do {
                var request = HTTPClientRequest(url: url)
                request.method = HTTPMethod(rawValue: method)
                if let json {
                    request.headers.add(name: "Content-Type", value: "application/json")
                    request.body = .bytes(ByteBuffer(bytes: json))
                }
                let response = try await HTTPClient.shared.execute(request, timeout: timeout)
                let body = try await response.body.collect(upTo: 64 << 20)
                result.value = .success((Int(response.status.code), Data(body.readableBytesView)))
            } catch {
                result.value = .failure(error)
            }
            done.signal()
        }
        done.wait()
        guard let r = result.value else { throw CancellationError() }
        return try r.get()
    }
}
