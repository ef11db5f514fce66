/// A failure of the machine rather than of the input: a write that did not complete (disk full),
/// a rename refused, a server that could not start. The commands exit 1 for it and 2 for
/// `InputError`, so scripts can tell "fix your data" from "fix the machine".
public struct RuntimeError: Error, CustomStringConvertible, Sendable, Equatable {
    public var file: String?
    public var message: String

    public init(file: String? = nil, _ message: String) {
        self.file = file
        self.message = message
    }

    public var description: String { (file.map { $0 + ": " } ?? "") + message }
}
