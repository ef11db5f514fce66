import Crypto
import Foundation
import HummingbirdBcrypt

/// The accounts of `serve --users FILE`: one per line, `#` starts a comment.
///
///     user  NAME  BCRYPT-HASH      dashboard sign-in (HTTP Basic), the password stored as bcrypt
///     token NAME  SHA256-HEX       a bearer token for map clients, stored as its SHA-256
///
/// Passwords are people's, so they get a slow salted hash; tokens are 256 random bits made by
/// `patroliq users token`, so a fast digest of them is as strong and costs nothing per tile request.
public struct UserFile: Sendable, Equatable {
    public var passwords: [String: String] = [:]
    /// Token digest (lowercase hex) → token name.
    public var tokens: [String: String] = [:]

    public init() {}

    public var isEmpty: Bool { passwords.isEmpty && tokens.isEmpty }

    /// Parses the file's text; errors name the line.
    public init(text: String, file: String) throws {
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard parts.count == 3, Self.isValidName(parts[1]) else {
                throw UserFileError(file: file, line: i + 1, "expected 'user NAME HASH' or 'token NAME SHA256'")
            }
            switch parts[0] {
            case "user":
                guard parts[2].hasPrefix("$2"), parts[2].count == 60 else {
                    throw UserFileError(file: file, line: i + 1, "the password of '\(parts[1])' is not a bcrypt hash")
                }
                passwords[parts[1]] = parts[2]
            case "token":
                let hex = parts[2].lowercased()
                guard hex.count == 64, hex.allSatisfy(\.isHexDigit) else {
                    throw UserFileError(file: file, line: i + 1, "token '\(parts[1])' is not a SHA-256 hex digest")
                }
                tokens[hex] = parts[1]
            default:
                throw UserFileError(file: file, line: i + 1, "unknown entry '\(parts[0])' (user or token)")
            }
        }
    }

    public static func load(_ path: String) throws -> UserFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw UserFileError(file: path, line: nil, "cannot read")
        }
        return try UserFile(text: String(decoding: data, as: UTF8.self), file: path)
    }

    public static func isValidName(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 64
            && s.unicodeScalars.allSatisfy { c in
                CharacterSet.alphanumerics.contains(c) || c == "-" || c == "_" || c == "." || c == "@"
            } && s.unicodeScalars.allSatisfy(\.isASCII)
    }

    /// The line for a new user (bcrypt, cost 12: about a quarter second to check, once per client).
    public static func userLine(name: String, password: String, cost: UInt8 = 12) -> String {
        "user \(name) \(Bcrypt.hash(password, cost: cost))"
    }

    /// A new random token and its line: the token is shown once, only its digest is kept.
    public static func newToken(name: String) -> (token: String, line: String) {
        var g = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &g) }
        let token = "piq_" + bytes.map { String(format: "%02x", $0) }.joined()
        return (token, "token \(name) \(digest(token))")
    }

    public static func digest(_ s: String) -> String {
        SHA256.hash(data: Array(s.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// A users file that cannot be used, with where.
public struct UserFileError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let line: Int?
    public let message: String

    init(file: String, line: Int?, _ message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { file + (line.map { ":\($0)" } ?? "") + ": " + message }
}
