import ArgumentParser
import Foundation
import PatrolIQCore
import PatrolIQServer

/// Accounts for `serve --users`.
struct Users: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage the users file that 'serve --users' reads: dashboard passwords and bearer tokens.",
        discussion: """
            Passwords are stored as bcrypt hashes, tokens as SHA-256 digests: the file never holds a secret. \
            The server rereads the file within a second of a change.
            """,
        subcommands: [Add.self, Token.self, Remove.self])

    struct FileOption: ParsableArguments {
        @Option(help: "The users file (created when missing).") var file: String = "users.txt"
    }

    /// Replaces the entry of `kind` and `name` (if any) with `line`, writing a temp file and renaming it.
    static func update(_ path: String, kind: String, name: String, line: String?) throws {
        var lines: [String] = []
        if let data = FileManager.default.contents(atPath: path) {
            let text = String(decoding: data, as: UTF8.self)
            _ = try UserFile(text: text, file: path)
            lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            while lines.last == "" { lines.removeLast() }
            lines.removeAll {
                let p = $0.split(whereSeparator: { $0 == " " || $0 == "\t" })
                return p.count >= 2 && p[0] == kind && p[1] == name
            }
        } else {
            lines = ["# PatrolIQ users: 'user NAME BCRYPT-HASH' and 'token NAME SHA256-HEX' (see 'patroliq users')."]
        }
        if let line { lines.append(line) }
        let tmp = TemporaryFile.beside(path)
        guard
            FileManager.default.createFile(
                atPath: tmp, contents: Data((lines.joined(separator: "\n") + "\n").utf8),
                attributes: [.posixPermissions: 0o600])
        else { throw InputError(file: path, "cannot write (directory missing or not writable)") }
        guard rename(tmp, path) == 0 else {
            unlink(tmp)
            throw RuntimeError(file: path, "cannot replace: \(String(cString: strerror(errno)))")
        }
    }

    static func validateName(_ name: String) throws {
        guard UserFile.isValidName(name) else {
            throw ValidationError("names are 1–64 ASCII letters, digits, '-', '_', '.', '@'")
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a dashboard user, or set a user's password (read from standard input).")
        @Argument(help: "The user name.") var name: String
        @OptionGroup var options: FileOption
        @Option(help: "bcrypt cost (each check takes 2^cost rounds; 12 is about a quarter second).")
        var cost: UInt8 = 12

        func validate() throws {
            try Users.validateName(name)
            guard (4...16).contains(cost) else { throw ValidationError("--cost must be within 4–16") }
        }

        func run() throws {
            if isatty(0) == 1 { FileHandle.standardError.write(Data("password for \(name): ".utf8)) }
            let password = (readLine(strippingNewline: true) ?? "")
            guard password.count >= 8 else { throw InputError(file: "<stdin>", "passwords need at least 8 characters") }
            try Users.update(
                options.file, kind: "user", name: name,
                line: UserFile.userLine(name: name, password: password, cost: cost))
            print("wrote \(options.file): user \(name)")
        }
    }

    struct Token: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create (or replace) a bearer token for a map client; the token is printed once.")
        @Argument(help: "A name for the client, e.g. qgis-analysts.") var name: String
        @OptionGroup var options: FileOption

        func validate() throws { try Users.validateName(name) }

        func run() throws {
            let (token, line) = UserFile.newToken(name: name)
            try Users.update(options.file, kind: "token", name: name, line: line)
            FileHandle.standardError.write(
                Data("wrote \(options.file): token \(name) (shown once, keep it safe)\n".utf8))
            print(token)
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a user or a token.")
        @Argument(help: "'user' or 'token'.") var kind: String
        @Argument(help: "The name.") var name: String
        @OptionGroup var options: FileOption

        func validate() throws {
            guard kind == "user" || kind == "token" else { throw ValidationError("kind must be 'user' or 'token'") }
        }

        func run() throws {
            try Users.update(options.file, kind: kind, name: name, line: nil)
            print("wrote \(options.file): removed \(kind) \(name)")
        }
    }
}
