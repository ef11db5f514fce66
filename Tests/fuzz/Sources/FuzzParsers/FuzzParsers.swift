import PatrolIQCore

/// One libFuzzer input: the bytes as a CSV file (read to the end, every field of every record
/// touched) and every line of it as a timestamp, a time of day and a bounding box. Anything but a
/// crash, a hang or a sanitizer report is a pass: bad input may only ever be an error or a nil.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let reader = CSVReader(source: ByteSource(bytes: bytes, name: "fuzz.csv"), blockSize: 64)
    let batch = CSVBatch(capacity: 1 << 12)
    var fields = 0
    while (try? reader.read(into: batch)) == true {
        for r in 0..<batch.count {
            let rec = batch.record(r)
            for i in 0..<rec.count { fields &+= rec.field(i).count }
            _ = rec.contentHash
        }
    }
    for line in bytes.split(separator: 10, omittingEmptySubsequences: false).prefix(64) {
        line.withUnsafeBufferPointer { p in
            _ = FlexibleTime.parse(p)
            _ = FlexibleTime.timeOfDay(p)
            _ = TimestampFormat.chicago.parse(p)
            for f in TimestampFormat.common { _ = f.parse(p) }
        }
        let text = String(decoding: line, as: UTF8.self)
        _ = GeoBounds(parsing: text)
        _ = try? TimestampFormat(text)
    }
    return fields < 0 ? 1 : 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

@_cdecl("FuzzParsers_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { fuzz($0, $1) }
}
