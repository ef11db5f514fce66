import Foundation
import Testing

@testable import PatrolIQCore

@Suite struct CSVReaderTests {
    let dir = TempDir()

    @Test func quotedFieldsDoubledQuotesAndEmbeddedNewlines() throws {
        let p = dir.write("a.csv", "a,b,c\n1,\"x, y\",\"say \"\"hi\"\"\"\n2,\"line1\nline2\",\n")
        let rows = try readCSV(p)
        #expect(rows == [["a", "b", "c"], ["1", "x, y", "say \"hi\""], ["2", "line1\nline2", ""]])
    }

    @Test func crlfAndBOM() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("ID,Date\r\n1,x\r\n2,\"q\r\nr\"\r\n".utf8)
        let p = dir.write("b.csv", bytes: bytes)
        #expect(try readCSV(p) == [["ID", "Date"], ["1", "x"], ["2", "q\r\nr"]])
    }

    @Test func raggedRowsBlankLinesAndNoFinalNewline() throws {
        let p = dir.write("c.csv", "a,b,c\n1,2\n\n3,4,5,6\n7,8,9")
        #expect(
            try readCSV(p) == [["a", "b", "c"], ["1", "2"], ["3", "4", "5", "6"], ["7", "8", "9"]])
    }

    @Test func lineNumbersCountEmbeddedNewlines() throws {
        let p = dir.write("d.csv", "h1,h2\n\"a\nb\",1\n\nc,2\n")
        let r = try CSVReader(source: ByteSource(path: p))
        let b = CSVBatch()
        _ = try r.read(into: b)
        #expect(b.lines == [1, 2, 5])
    }

    /// Records split across every possible buffer boundary read the same.
    @Test func tinyBuffersGiveTheSameRecords() throws {
        let text =
            "ID,Name,Note\r\n1,\"Smith, J\",\"he said \"\"no\"\"\"\r\n2,Doe,\"multi\nline\"\r\n3,,\n"
        let p = dir.write("e.csv", text)
        let expected = try readCSV(p)
        for size in 1...9 { #expect(try readCSV(p, bufferSize: size) == expected, "buffer \(size)") }
    }

    @Test func gzipInputReadsLikePlain() throws {
        let p = dir.write("f.csv", "a,b\n1,2\n")
        let gz = dir.file("f.csv.gz")
        let proc = Process()
        proc.executableURL = URL(fileURLWithPath: "/bin/sh")
        proc.arguments = ["-c", "gzip -c '\(p)' > '\(gz)'"]
        try proc.run()
        proc.waitUntilExit()
        #expect(try readCSV(gz) == [["a", "b"], ["1", "2"]])
    }

    @Test func unterminatedQuoteIsAnErrorWithItsLine() throws {
        let p = dir.write("g.csv", "a,b\n1,2\n3,\"open\n")
        #expect(throws: InputError(file: p, line: 3, "unterminated quoted field at end of file")) {
            try readCSV(p)
        }
    }

    @Test func binaryAndMissingFilesAreRejected() throws {
        let p = dir.write("h.bin", bytes: [0x89, 0x50, 0x4E, 0x47, 0, 0, 1, 2])
        #expect(throws: InputError(file: p, line: 1, "binary data, not a CSV text file")) {
            try readCSV(p)
        }
        #expect(throws: InputError(file: dir.file("nope.csv"), "no such file")) {
            try readCSV(dir.file("nope.csv"))
        }
    }
}
