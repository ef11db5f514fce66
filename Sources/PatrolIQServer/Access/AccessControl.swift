import Crypto
import Foundation
import HummingbirdBcrypt
import NIOConcurrencyHelpers

/// Decides whether a request's credentials are valid, for the router's middleware and the
/// event-loop tile path alike.
///
/// A dashboard sends its Basic credentials with every tile, so a bcrypt check per request would cost
/// a quarter second each: a pair that verified once is remembered (as a SHA-256 of user, password
/// and stored hash, never the password itself) until the users file changes.
public final class AccessControl: Sendable {
    public let path: String
    private let state: NIOLockedValueBox<State>

    private struct State {
        var users: UserFile
        var stamp: FileStamp?
        var checked: ContinuousClock.Instant
        var verified: Set<String> = []
    }

    /// Who a request is.
    public enum Principal: Sendable, Equatable {
        case user(String)
        case token(String)
    }

    public init(path: String) throws {
        self.path = path
        let users = try UserFile.load(path)
        state = NIOLockedValueBox(State(users: users, stamp: FileStamp(path), checked: .now))
    }

    /// The principal for an `Authorization` header value or an `access_token` query value; nil when
    /// neither holds valid credentials.
    public func authorize(authorization: String?, accessToken: String?) -> Principal? {
        if let h = authorization {
            if h.count > 7, h.prefix(7).lowercased() == "bearer " {
                return token(String(h.dropFirst(7)).trimmingCharacters(in: .whitespaces))
            }
            if h.count > 6, h.prefix(6).lowercased() == "basic " {
                return basic(String(h.dropFirst(6)).trimmingCharacters(in: .whitespaces))
            }
            return nil
        }
        if let t = accessToken { return token(t) }
        return nil
    }

    private func current() -> State {
        state.withLockedValue { s in
            let now = ContinuousClock.now
            if now - s.checked >= .seconds(1) {
                s.checked = now
                let stamp = FileStamp(path)
                if stamp != s.stamp, let users = try? UserFile.load(path) {
                    s = State(users: users, stamp: stamp, checked: now)
                }
            }
            return s
        }
    }

    private func token(_ t: String) -> Principal? {
        guard !t.isEmpty, t.count <= 256 else { return nil }
        return current().users.tokens[UserFile.digest(t)].map { .token($0) }
    }

    private func basic(_ encoded: String) -> Principal? {
        guard encoded.count <= 1024, let data = Data(base64Encoded: encoded),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        let user = String(text[..<colon])
        let password = String(text[text.index(after: colon)...])
        let s = current()
        guard let hash = s.users.passwords[user] else { return nil }
        let key = UserFile.digest(user + "\u{0}" + password + "\u{0}" + hash)
        if s.verified.contains(key) { return .user(user) }
        guard Bcrypt.verify(password, hash: hash) else { return nil }
        state.withLockedValue { st in
            if st.verified.count >= 4096 { st.verified.removeAll() }
            st.verified.insert(key)
        }
        return .user(user)
    }
}
