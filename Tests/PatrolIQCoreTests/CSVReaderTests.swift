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

/// A plain character-at-a-time RFC 4180 reader with the same conventions (CR, LF or CRLF end a record;
/// text after a closing quote is kept; blank lines are skipped), to check the block reader against.
func referenceCSV(_ bytes: [UInt8]) -> [[String]]? {
    var records: [[String]] = []
    var fields: [[UInt8]] = []
    var field: [UInt8] = []
    var i = 0
    var inQuotes = false
    var atFieldStart = true
    var any = false
    func endRecord() {
        fields.append(field)
        if !(fields.count == 1 && fields[0].isEmpty) {
            records.append(fields.map { String(decoding: $0, as: UTF8.self) })
        }
        fields = []
        field = []
        atFieldStart = true
        any = false
    }
    while i < bytes.count {
        let c = bytes[i]
        any = true
        if inQuotes {
            if c == 34 {
                if i + 1 < bytes.count && bytes[i + 1] == 34 {
                    field.append(34)
                    i += 2
                    continue
                }
                inQuotes = false
            } else {
                field.append(c)
            }
            i += 1
            continue
        }
        if c == 34 && atFieldStart {
            inQuotes = true
            atFieldStart = false
        } else if c == 44 {
            fields.append(field)
            field = []
            atFieldStart = true
        } else if c == 10 || c == 13 {
            endRecord()
            if c == 13 && i + 1 < bytes.count && bytes[i + 1] == 10 { i += 1 }
        } else {
            field.append(c)
            atFieldStart = false
        }
        i += 1
    }
    if inQuotes { return nil }  // unterminated: the reader must throw
    if any { endRecord() }
    return records
}

@Suite struct CSVReaderPropertyTests {
    let dir = TempDir()

    /// Random inputs of quotes, commas, CR, LF and text read the same as the reference, whatever
    /// the block size, and never crash; unterminated quotes are an error.
    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func randomInputsMatchTheReference(seed: UInt64) throws {
        var rng = SeededRandom(seed: seed)
        let alphabet: [UInt8] = Array("ab,\"\n\r é".utf8)
        for n in 0..<150 {
            let len = rng.below(120)
            let bytes = (0..<len).map { _ in alphabet[rng.below(alphabet.count)] }
            let p = dir.write("r\(seed)-\(n).csv", bytes: bytes)
            let expected = referenceCSV(bytes)
            for block in [1, 2, 5, 64, 1 << 20] {
                if let expected {
                    #expect(try readCSV(p, bufferSize: block) == expected, "input \(bytes), block \(block)")
                } else {
                    #expect(throws: InputError.self) { try readCSV(p, bufferSize: block) }
                }
            }
        }
    }
}
