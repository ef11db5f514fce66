import Foundation
import Hummingbird
import NIOCore
import PatrolIQCore

/// A response body kept ready in both encodings, each with its own strong validator: a gzip body
/// and an identity body are different representations, so they must not share an ETag.
final class EncodedBody: Sendable {
    let identity: ByteBuffer
    /// nil when gzip would not pay (under 1 KiB).
    let gzip: ByteBuffer?
    let etag: String
    let gzipETag: String
    let contentType: String

    init(_ bytes: [UInt8], contentType: String) {
        identity = ByteBuffer(bytes: bytes)
        gzip = bytes.count > 1024 ? Gzip.compress(bytes).map { ByteBuffer(bytes: $0) } : nil
        let digest = ContentDigest.of(bytes)
        etag = "\"\(digest)\""
        gzipETag = "\"\(digest)-gz\""
        self.contentType = contentType
    }

    /// 200 in the encoding the client prefers, or 304 when it holds that representation.
    func response(to request: Request) -> Response {
        let useGzip = gzip != nil && AcceptEncoding.allowsGzip(request.headers[.acceptEncoding])
        let tag = useGzip ? gzipETag : etag
        var headers: HTTPFields = [
            .contentType: contentType, .vary: "Accept-Encoding", .cacheControl: "no-cache", .eTag: tag,
        ]
        if let inm = request.headers[.ifNoneMatch], PatrolIQServer.matches(inm, tag) {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        if useGzip, let gzip {
            headers[.contentEncoding] = "gzip"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: gzip))
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: identity))
    }
}

/// `Accept-Encoding` as RFC 9110 §12.5.3 reads it: codings with quality values, `*` for any other.
enum AcceptEncoding {
    static func allowsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        var gzip: Double?
        var any: Double?
        for item in header.split(separator: ",") {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let name = parts.first, !name.isEmpty else { continue }
            var q = 1.0
            for p in parts.dropFirst() where p.hasPrefix("q=") { q = Double(p.dropFirst(2)) ?? 0 }
            if name == "gzip" || name == "x-gzip" { gzip = max(gzip ?? 0, q) } else if name == "*" { any = q }
        }
        return (gzip ?? any ?? 0) > 0
    }
}
