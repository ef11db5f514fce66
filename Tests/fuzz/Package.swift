// swift-tools-version:6.1
// The libFuzzer targets: a package of their own beside the project, so the main build never links
// libFuzzer. Built and run by Tests/fuzz/run.sh.
import Foundation
import PackageDescription

// libFuzzer without its main: the entry point is ours (SwiftPM names an executable's entry
// `<module>_main`), and it hands over to LLVMFuzzerRunDriver.
let clang = "/opt/swift/usr/lib/clang"
let version = (try? FileManager.default.contentsOfDirectory(atPath: clang))?.sorted().last ?? ""
let libFuzzer = "\(clang)/\(version)/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a"

let package = Package(
    name: "PatrolIQFuzz",
    dependencies: [.package(name: "PatrolIQ", path: "../..")],
    targets: [
        .executableTarget(
            name: "FuzzParsers",
            dependencies: [.product(name: "PatrolIQCore", package: "PatrolIQ")],
            swiftSettings: [.unsafeFlags(["-parse-as-library", "-sanitize=fuzzer,address"])],
            linkerSettings: [.unsafeFlags(["-sanitize=address", "-Xlinker", libFuzzer, "-lstdc++"])])
    ]
)
