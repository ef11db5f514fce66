import Hummingbird

/// The scheme and authority that URLs in TileJSON and the catalogues start with.
///
/// The `Host` header is the client's to choose: echoed as it came, it lets anyone put their own
/// address into documents that caches and other clients then trust. So a configured public URL
/// always wins, and without one a `Host` is used only when it is a plain host name, IPv4 or
/// bracketed IPv6 address with an optional port; anything else falls back to the listen address.
public struct PublicURL: Sendable {
    /// `--public-url`, without a trailing slash.
    let configured: String?
    /// `http://host:port` of the listening socket.
    let listen: String

    init(_ config: ServerConfiguration) {
        configured = config.publicURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        let host = config.host.contains(":") ? "[\(config.host)]" : config.host
        listen = "http://\(host):\(config.port)"
    }

    func base(for request: Request) -> String {
        if let configured { return configured }
        if let authority = request.head.authority, Self.isPlainAuthority(authority) { return "http://" + authority }
        return listen
    }

    /// `host[:port]` made only of the characters a DNS name or an address can hold.
    static func isPlainAuthority(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard !u.isEmpty, u.count <= 255 else { return false }
        var hostEnd = u.count
        var i = 0
        if u[0] == UInt8(ascii: "[") {
            guard let close = u.firstIndex(of: UInt8(ascii: "]")), close > 1 else { return false }
            guard
                u[1..<close].allSatisfy({ c in
                    isHexDigit(c) || c == UInt8(ascii: ":") || c == UInt8(ascii: ".")
                })
            else { return false }
            i = close + 1
            hostEnd = close + 1
            guard i == u.count || u[i] == UInt8(ascii: ":") else { return false }
        } else {
            if let colon = u.firstIndex(of: UInt8(ascii: ":")) { hostEnd = colon }
            guard hostEnd > 0,
                u[0..<hostEnd].allSatisfy({ c in
                    isLetterOrDigit(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: ".")
                })
            else { return false }
            i = hostEnd
        }
        if i < u.count {
            // ":" then 1–5 digits, 1–65535.
            let digits = u[(i + 1)...]
            guard digits.count >= 1, digits.count <= 5, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                let port = Int(String(decoding: digits, as: UTF8.self)), (1...65535).contains(port)
            else { return false }
        }
        return true
    }

    private static func isLetterOrDigit(_ c: UInt8) -> Bool {
        (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
    }

    private static func isHexDigit(_ c: UInt8) -> Bool {
        (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102)
    }

    /// Whether `s` can serve as `--public-url`: http or https, a plain authority, an optional path.
    public static func isValidConfigured(_ s: String) -> Bool {
        for scheme in ["http://", "https://"] where s.hasPrefix(scheme) {
            let rest = s.dropFirst(scheme.count)
            let authority = rest.prefix { $0 != "/" }
            let path = rest.dropFirst(authority.count)
            return isPlainAuthority(String(authority))
                && path.unicodeScalars.allSatisfy {
                    $0.value > 32 && $0.value < 127 && !"\"<>\\^`{|}?#".unicodeScalars.contains($0)
                }
        }
        return false
    }
}
