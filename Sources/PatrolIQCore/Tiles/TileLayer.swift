/// Which incidents a heatmap layer shows.
public enum TileLayer: Sendable, Equatable, CustomStringConvertible {
    case all
    case type(String)
    /// Hours `from`..<`to` on the 24-hour clock, wrapping past midnight (night = 22–6).
    case hours(name: String, from: Int, to: Int)
    case weekend
    /// Incidents of one temporal pattern of a cluster run.
    case pattern(Int)

    public static let windows: [String: (Int, Int)] = ["night": (22, 6), "day": (6, 18), "evening": (18, 22)]

    /// Parses `all`, `type:THEFT`, `window:night` (night, day, evening), `hours:22-6`, `weekend`, `pattern:2`.
    public init?(parsing s: String) {
        let parts = s.split(separator: ":", maxSplits: 1).map(String.init)
        switch (parts.first?.lowercased() ?? "", parts.count) {
        case ("all", 1): self = .all
        case ("weekend", 1): self = .weekend
        case ("type", 2) where !parts[1].isEmpty: self = .type(parts[1].uppercased())
        case ("window", 2):
            guard let w = Self.windows[parts[1].lowercased()] else { return nil }
            self = .hours(name: parts[1].lowercased(), from: w.0, to: w.1)
        case ("hours", 2):
            let hh = parts[1].split(separator: "-").compactMap { Int($0) }
            guard hh.count == 2, (0...24).contains(hh[0]), (0...24).contains(hh[1]), hh[0] != hh[1] else { return nil }
            self = .hours(name: "h\(hh[0])-\(hh[1])", from: hh[0] % 24, to: hh[1] % 24)
        case ("pattern", 2):
            guard let p = Int(parts[1]), p >= 0 else { return nil }
            self = .pattern(p)
        default: return nil
        }
    }

    /// The layer a store's `name` stands for (`all`, `type-theft`, `night`, `h22-6`, `weekend`,
    /// `pattern-2`); `types` are the workspace's type names, whose slugs `type-…` names use.
    public init?(name: String, types: [String]) {
        if name.hasPrefix("type-") {
            guard let t = types.first(where: { "type-" + Self.slug($0) == name }) else { return nil }
            self = .type(t.uppercased())
        } else if name.hasPrefix("pattern-"), let p = Int(name.dropFirst(8)), p >= 0 {
            self = .pattern(p)
        } else if let w = Self.windows[name] {
            self = .hours(name: name, from: w.0, to: w.1)
        } else if name.hasPrefix("h"), let l = TileLayer(parsing: "hours:" + name.dropFirst()), l.name == name {
            self = l
        } else if let l = TileLayer(parsing: name), l.name == name {
            self = l
        } else {
            return nil
        }
    }

    /// File-name-safe layer name: `all`, `type-theft`, `night`, `weekend`, `pattern-2`.
    public var name: String {
        switch self {
        case .all: "all"
        case .type(let t): "type-" + Self.slug(t)
        case .hours(let n, _, _): n
        case .weekend: "weekend"
        case .pattern(let p): "pattern-\(p)"
        }
    }

    public var description: String {
        switch self {
        case .all: "all incidents"
        case .type(let t): "incidents of type \(t)"
        case .hours(let n, let a, let b): "\(n): incidents from \(a):00 to \(b):00"
        case .weekend: "weekend incidents (Saturday and Sunday)"
        case .pattern(let p): "temporal pattern \(p) of the latest cluster run"
        }
    }

    static func slug(_ s: String) -> String {
        var out = ""
        for c in s.lowercased() {
            if c.isLetter || c.isNumber { out.append(c) } else if !out.hasSuffix("-") { out.append("-") }
        }
        while out.hasSuffix("-") { out.removeLast() }
        return out
    }

    /// Which of the table's rows are in this layer (`includes` row by row; a temporal pattern's rows
    /// from `patternLabels`). One pass over the one column the layer reads: deciding row by row through
    /// `includes` took a tenth of a second per layer on 8 M rows.
    public func mask(table t: IncidentTable, typeCode: Int32?, patternLabels: [Int32]?) -> [Bool] {
        let n = t.count
        func none() -> [Bool] { [Bool](repeating: false, count: n) }
        switch self {
        case .all: return [Bool](repeating: true, count: n)
        case .pattern(let p):
            guard let labels = patternLabels, labels.count == n else { return none() }
            return labels.map { Int($0) == p }
        case .type:
            guard let code = typeCode, t.type.count == n else { return none() }
            return t.type.map { $0 == code }
        case .hours:
            // Without an hour column every row counts as hour 0, as `includes` has it.
            guard t.hour.count == n else {
                return [Bool](repeating: includes(type: -1, hour: 0, weekend: 0, typeCode: nil), count: n)
            }
            return t.hour.map { includes(type: -1, hour: Int($0), weekend: 0, typeCode: nil) }
        case .weekend:
            guard t.weekend.count == n else { return none() }
            return t.weekend.map { $0 == 1 }
        }
    }

    /// Whether an incident with these attributes is in the layer (temporal patterns: always, since an
    /// incident's pattern is only known from a cluster run).
    public func includes(type: Int32, hour h: Int, weekend: Int, typeCode: Int32?) -> Bool {
        switch self {
        case .all, .pattern: return true
        case .type: return type == typeCode
        case .hours(_, let a, let b): return a < b ? (h >= a && h < b) : (h >= a || h < b)
        case .weekend: return weekend == 1
        }
    }

    /// The places of an append log (`AppendRecord.changed`) that touch this layer; entries holding the
    /// place alone (older logs) touch every layer.
    public func touched(by changed: [[Double]], typeCode: Int32?) -> [[Double]] {
        changed.filter { c in
            c.count < 5 || includes(type: Int32(c[2]), hour: Int(c[3]), weekend: Int(c[4]), typeCode: typeCode)
        }
    }
}
