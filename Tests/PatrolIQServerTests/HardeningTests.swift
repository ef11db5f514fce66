import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PatrolIQCore
import Testing

@testable import PatrolIQServer

/// What a hostile or unlucky client can send: forged Host headers, missing credentials, odd
/// Accept-Encoding values, idle and slow sockets, a stalled log reader.
@Suite(.serialized) struct HardeningTests {
    let f = Fixture.shared

    /// Sends GETs with raw `Host` values over a real socket (HTTP clients refuse to send bad ones).
    static func get(_ config: ServerConfiguration, _ requests: [(path: String, host: String)]) async throws -> [String]
    {
        let app = PatrolIQServer.application(config, logger: Logger(label: "test"))
        return try await app.test(.live) { client in
            let port = try #require(client.port)
            var bodies: [String] = []
            for (path, host) in requests {
                let r = try await LiveServerTests.exchangeOffPool(
                    port: port, "GET \(path) HTTP/1.1\r\nHost: \(host)\r\n\r\n", responses: 1)
                bodies.append(r.first.map { String(decoding: $0.body, as: UTF8.self) } ?? "")
            }
            return bodies
        }
    }

    @Test func forgedHostHeadersNeverReachDocuments() async throws {
        var c = f.config
        c.port = 0
        let forged = ["evil.example/<script>", "x\"y", "example.org:99999", "[::1", "a@b"]
        let bodies = try await Self.get(
            c, forged.map { ("/tiles/all.json", $0) } + [("/tiles", "maps.example.org:8443")])
        for (host, text) in zip(forged, bodies) {
            #expect(
                !text.contains("evil") && !text.contains("<script") && !text.contains("99999") && !text.contains("a@b"),
                "\(host): \(text)")
            #expect(text.contains("http://127.0.0.1:0/tiles/all/{z}/{x}/{y}.png"), "\(host): \(text)")
        }
        #expect(bodies.last?.contains("http://maps.example.org:8443/tiles/all.json") == true)
        c.publicURL = "https://maps.example.org/patroliq/"
        let configured = try await Self.get(c, [("/geojson", "other.example")])
        #expect(configured.first?.contains("https://maps.example.org/patroliq/geojson/centroids") == true)
        #expect(PublicURL.isValidConfigured("https://maps.example.org:8443/a/b"))
        #expect(!PublicURL.isValidConfigured("javascript:alert(1)"))
        #expect(!PublicURL.isValidConfigured("https://exa mple.org"))
        #expect(PublicURL.isPlainAuthority("[::1]:8080") && PublicURL.isPlainAuthority("localhost"))
    }

    @Test func errorsCarryNoPaths() async throws {
        var c = f.config
        c.workspace = f.dir + "/missing.sqlite"
        try FileManager.default.createDirectory(atPath: f.dir + "/broken", withIntermediateDirectories: true)
        try Data("not sqlite".utf8).write(to: URL(fileURLWithPath: f.dir + "/broken/ws.sqlite"))
        var broken = f.config
        broken.workspace = f.dir + "/broken/ws.sqlite"
        for config in [c, broken] {
            try await f.app(config).test(.router) { client in
                for uri in ["/api/stats", "/api/runs", "/api/runs/latest", "/api/clusters", "/api/temporal"] {
                    try await client.execute(uri: uri, method: .get) { r in
                        #expect(r.status == .notFound, "\(uri)")
                        let body = String(buffer: r.body)
                        #expect(!body.contains(f.dir) && !body.contains("/tmp") && !body.contains(".sqlite"), "\(body)")
                    }
                }
            }
        }
    }

    @Test func onlyTheDashboardsLibrariesAreServed() async throws {
        try FileManager.default.createDirectory(atPath: f.dir + "/js/jquery", withIntermediateDirectories: true)
        try Data("/* jq */".utf8).write(to: URL(fileURLWithPath: f.dir + "/js/jquery/jquery.js"))
        try Data("/* top */".utf8).write(to: URL(fileURLWithPath: f.dir + "/js/top.js"))
        try await f.app().test(.router) { client in
            try await client.execute(uri: "/js/leaflet/leaflet.js", method: .get) { #expect($0.status == .ok) }
            for uri in ["/js/jquery/jquery.js", "/js/top.js", "/js/", "/js/leaflet/../jquery/jquery.js"] {
                try await client.execute(uri: uri, method: .get) { #expect($0.status == .notFound, "\(uri)") }
            }
        }
    }

    @Test func gzipFollowsQualityValuesWithItsOwnETag() async throws {
        #expect(AcceptEncoding.allowsGzip("gzip, deflate"))
        #expect(!AcceptEncoding.allowsGzip("gzip;q=0"))
        #expect(!AcceptEncoding.allowsGzip("gzip;q=0, identity"))
        #expect(AcceptEncoding.allowsGzip("*"))
        #expect(!AcceptEncoding.allowsGzip("*, gzip;q=0"))
        #expect(AcceptEncoding.allowsGzip("deflate, GZIP;Q=0.5"))
        #expect(!AcceptEncoding.allowsGzip(nil))
        try await f.app().test(.router) { client in
            for uri in ["/geojson/hotspots", "/api/stats"] {
                var plainTag = ""
                try await client.execute(uri: uri, method: .get, headers: [.acceptEncoding: "gzip;q=0"]) { r in
                    #expect(r.headers[.contentEncoding] == nil)
                    plainTag = r.headers[.eTag] ?? ""
                }
                var gzTag = ""
                try await client.execute(uri: uri, method: .get, headers: [.acceptEncoding: "gzip"]) { r in
                    #expect(r.headers[.contentEncoding] == "gzip")
                    #expect(r.headers[.vary] == "Accept-Encoding")
                    gzTag = r.headers[.eTag] ?? ""
                }
                #expect(!plainTag.isEmpty && !gzTag.isEmpty && plainTag != gzTag)
                try await client.execute(
                    uri: uri, method: .get, headers: [.acceptEncoding: "gzip", .ifNoneMatch: gzTag]
                ) { #expect($0.status == .notModified) }
                // A client holding the identity body does not get a 304 for the gzip one.
                try await client.execute(
                    uri: uri, method: .get, headers: [.acceptEncoding: "gzip", .ifNoneMatch: plainTag]
                ) { #expect($0.status == .ok) }
            }
        }
    }

    @Test func jsonAnswersCarryContentETagsSharedByReplicas() async throws {
        // Two apps on the same files stand for two replicas behind a load balancer: every JSON answer has
        // an ETag from its content, the same on both, and a 304 on either for a client holding it.
        let uris = ["/tiles", "/tiles/all.json", "/api/stats?types=THEFT", "/tiles/live.json?types=THEFT&hours=22-4"]
        let second = f.app()
        try await f.app().test(.router) { one in
            try await second.test(.router) { two in
                for uri in uris {
                    var tag = ""
                    try await one.execute(uri: uri, method: .get) { r in
                        #expect(r.status == .ok, "\(uri)")
                        tag = r.headers[.eTag] ?? ""
                    }
                    #expect(!tag.isEmpty, "\(uri) has an ETag")
                    try await two.execute(uri: uri, method: .get) { #expect($0.headers[.eTag] == tag, "\(uri)") }
                    try await two.execute(uri: uri, method: .get, headers: [.ifNoneMatch: tag]) {
                        #expect($0.status == .notModified, "\(uri)")
                    }
                }
            }
        }
    }

    @Test func contentDigestsTellDifferentBytesApart() {
        let a: [UInt8] = Array(repeating: 1, count: 100)
        var b = a
        b[50] = 2
        #expect(ContentDigest.of(a) == ContentDigest.of(a))
        #expect(ContentDigest.of(a) != ContentDigest.of(b))
        #expect(ContentDigest.of(a).count == 32 + 4)
    }

    /// A users file with one dashboard user (cheap bcrypt cost for the test) and one token.
    static func withAccess(_ f: Fixture) throws -> (ServerConfiguration, token: String) {
        let (token, tokenLine) = UserFile.newToken(name: "maps")
        let path = f.dir + "/users-\(UUID().uuidString).txt"
        let text =
            "# test\n" + UserFile.userLine(name: "ana", password: "correct horse", cost: 4) + "\n" + tokenLine + "\n"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(text.utf8)))
        var c = f.config
        c.access = try AccessControl(path: path)
        return (c, token)
    }

    @Test func credentialsAreRequiredWhenUsersAreConfigured() async throws {
        let (c, token) = try Self.withAccess(f)
        let basic = "Basic " + Data("ana:correct horse".utf8).base64EncodedString()
        let wrong = "Basic " + Data("ana:wrong".utf8).base64EncodedString()
        let t = f.busyTile
        let tile = "/tiles/all/\(t.z)/\(t.x)/\(t.y).png"
        try await f.app(c).test(.router) { client in
            for uri in [
                tile, "/tiles/all.json", "/tiles", "/geojson/centroids", "/api/stats", "/", "/js/leaflet/leaflet.js",
            ] {
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(r.status == .unauthorized, "\(uri)")
                    #expect(r.headers[.wwwAuthenticate]?.hasPrefix("Basic realm=") == true)
                }
                try await client.execute(uri: uri, method: .get, headers: [.authorization: wrong]) {
                    #expect($0.status == .unauthorized, "\(uri)")
                }
                try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer nope"]) {
                    #expect($0.status == .unauthorized, "\(uri)")
                }
                try await client.execute(uri: uri, method: .get, headers: [.authorization: basic]) {
                    #expect($0.status == .ok, "\(uri)")
                }
                try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(token)"]) {
                    #expect($0.status == .ok, "\(uri)")
                }
            }
            try await client.execute(uri: tile + "?access_token=\(token)", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
        }
        #expect(UserFile.digest(token).count == 64)
        #expect(throws: UserFileError.self) { try UserFile(text: "user ana notahash\n", file: "u.txt") }
        #expect(throws: UserFileError.self) { try UserFile(text: "admin ana x\n", file: "u.txt") }
    }

    /// The event-loop tile path checks credentials too: a tile in memory is no way around them, and
    /// nothing of the credentials reaches the access log.
    @Test func eventLoopTilePathNeedsCredentials() async throws {
        let (c, token) = try Self.withAccess(f)
        let t = f.busyTile
        let tile = "/tiles/all/\(t.z)/\(t.x)/\(t.y).png"
        let app = PatrolIQServer.application(c, logger: Logger(label: "test"))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let auth = "Authorization: Bearer \(token)\r\n"
            let requests = [
                "GET \(tile) HTTP/1.1\r\nHost: x\r\n\(auth)\r\n", "GET \(tile) HTTP/1.1\r\nHost: x\r\n\(auth)\r\n",
                "GET \(tile) HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET \(tile) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer bad\r\n\r\n",
                "GET \(tile)?access_token=\(token) HTTP/1.1\r\nHost: x\r\n\r\n",
            ]
            let replies = try await LiveServerTests.exchangeOffPool(
                port: port, requests.joined(), responses: requests.count)
            #expect(replies.map(\.status) == [200, 200, 401, 401, 200])
        }
    }

    /// Idle sockets and a slowloris client (one header byte a second) neither stop others being served
    /// nor stay open past the request timeout.
    @Test func idleAndSlowClientsDoNotStopService() async throws {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        if limit.rlim_cur < 4096 {
            limit.rlim_cur = min(limit.rlim_max, 4096)
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        var c = f.config
        c.requestTimeout = .seconds(2)
        let app = PatrolIQServer.application(c, logger: Logger(label: "test"))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let idle = (0..<1000).compactMap { _ in Socket.connect(port: port) }
            #expect(idle.count == 1000)
            defer { idle.forEach { close($0) } }
            let slow = try #require(Socket.connect(port: port))
            defer { close(slow) }
            let slowTask = Task.detached {
                for byte in Array("GET /health HTTP/1.1\r\nHost: x\r\nX-Pad: ".utf8) {
                    var b = byte
                    if send(slow, &b, 1, Int32(MSG_NOSIGNAL)) <= 0 { return }
                    try? await Task.sleep(for: .milliseconds(1000))
                }
            }
            defer { slowTask.cancel() }
            // Others are served meanwhile, promptly.
            for _ in 0..<5 {
                let start = ContinuousClock.now
                let replies = try await LiveServerTests.exchangeOffPool(
                    port: port, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n", responses: 1)
                #expect(replies.first?.status == 200)
                #expect(ContinuousClock.now - start < .seconds(2))
            }
            // After the timeout both the idle sockets and the slow one are closed by the server.
            try await Task.sleep(for: .seconds(3))
            let closed = await offPool {
                (Socket.isClosedByPeer(slow), idle.prefix(20).allSatisfy(Socket.isClosedByPeer))
            }
            #expect(closed.0)
            #expect(closed.1)
        }
    }

    /// An access log whose reader never reads: appending never blocks, lines beyond the buffer are
    /// dropped and counted.
    @Test func stalledLogOutputNeverBlocks() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer {
            close(fds[0])
            close(fds[1])
        }
        let out = BufferedOutput(fd: fds[1])
        let line = ["info", " ", "patroliq:", "", " ", String(repeating: "x", count: 100), "\n"]
        let start = ContinuousClock.now
        for _ in 0..<30_000 { out.append(line, urgent: false) }
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(out.droppedTotal > 0)
        // The writer thread is stuck on a full pipe; a flush gives up after its wait instead of hanging.
        let flushStart = ContinuousClock.now
        out.flush()
        #expect(ContinuousClock.now - flushStart < .seconds(3))
    }
}

/// Runs blocking work (socket reads) on a thread of its own: on the cooperative pool it would hold
/// one of its few threads, which the server under test needs to answer.
func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { c in
        Thread { c.resume(returning: work()) }.start()
    }
}

/// Plain sockets for the tests that need more than an HTTP client can do.
enum Socket {
    static func connect(port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard ok == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    /// The peer closed: a read returns end of file (or a reset) without waiting long.
    static func isClosedByPeer(_ fd: Int32) -> Bool {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, 1000) == 1 else { return false }
        var b: UInt8 = 0
        return recv(fd, &b, 1, Int32(MSG_DONTWAIT)) <= 0
    }
}
