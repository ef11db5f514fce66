import Foundation

@testable import PatrolIQCore

/// A temporary directory removed when the value is released.
final class TempDir {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "patroliq-test-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` (as UTF-8 bytes) to `name` and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) -> String {
        write(name, bytes: Array(text.utf8))
    }
    @discardableResult
    func write(_ name: String, bytes: [UInt8]) -> String {
        let p = path + "/" + name
        precondition(FileManager.default.createFile(atPath: p, contents: Data(bytes)), "cannot write \(p)")
        return p
    }
    func file(_ name: String) -> String { path + "/" + name }
}

/// Reads every record of a CSV file as strings.
func readCSV(_ path: String, bufferSize: Int = 1 << 20) throws -> [[String]] {
    try CSVReader(source: ByteSource(path: path), blockSize: bufferSize).readAll()
}

/// The real City of Chicago extract beside the project, when present.
let realChicagoSample: String? = {
    let candidates = [
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../../shared/data/chicago/chicago_crimes_merged_sample.csv"
        ).standardized.path
    ]
    return candidates.first { FileManager.default.fileExists(atPath: $0) }
}()

let chicagoHeader =
    "ID,Case Number,Date,Block,IUCR,Primary Type,Description,Location Description,Arrest,Domestic,Beat,District,Ward,Community Area,FBI Code,X Coordinate,Y Coordinate,Year,Updated On,Latitude,Longitude,Location"
