/// Severity score 1–10 of an incident, from its FBI (UCR/NIBRS) code when the source has one,
/// otherwise from words in its type.
///
/// The scale follows the FBI's Part I / Part II split weighted by harm to persons:
///
/// | score | FBI codes | offences |
/// |---|---|---|
/// | 10 | 01A | homicide (murder, non-negligent manslaughter) |
/// | 9 | 02 | criminal sexual assault |
/// | 8 | 01B, 03, 04A, 04B | involuntary manslaughter, robbery, aggravated assault and battery |
/// | 7 | 09 | arson |
/// | 6 | 05, 07, 15 | burglary, motor vehicle theft, weapons |
/// | 5 | 17 | sexual abuse |
/// | 4 | 06, 08A, 08B, 20 | larceny, simple assault and battery, offences against family |
/// | 3 | 11, 13, 14, 18 | fraud, stolen property, vandalism, drugs |
/// | 2 | 10, 12, 16, 24, 26 | forgery, embezzlement, prostitution, disorderly, other |
/// | 1 | 19, 22 | gambling, liquor laws |
public enum Severity {
    public static let byFBICode: [String: UInt8] = [
        "01A": 10, "02": 9, "01B": 8, "03": 8, "04A": 8, "04B": 8, "09": 7,
        "05": 6, "07": 6, "15": 6, "17": 5, "06": 4, "08A": 4, "08B": 4, "20": 4,
        "11": 3, "13": 3, "14": 3, "18": 3, "10": 2, "12": 2, "16": 2, "24": 2, "26": 2,
        "19": 1, "22": 1,
    ]

    /// Keywords (upper case) checked in order against the type when no FBI code is known.
    public static let byTypeKeyword: [(String, UInt8)] = [
        ("HOMICIDE", 10), ("MURDER", 10), ("SEXUAL ASSAULT", 9), ("RAPE", 9), ("ROBBERY", 8),
        ("AGGRAVATED", 8), ("KIDNAP", 8), ("HUMAN TRAFFICKING", 8), ("ARSON", 7), ("BURGLARY", 6),
        ("MOTOR VEHICLE", 6), ("AUTO THEFT", 6), ("WEAPON", 6), ("SEX", 5), ("ASSAULT", 4),
        ("BATTERY", 4), ("THEFT", 4), ("LARCENY", 4), ("STALKING", 4), ("CHILDREN", 4),
        ("DAMAGE", 3), ("VANDALISM", 3), ("NARCOTIC", 3), ("DRUG", 3), ("FRAUD", 3),
        ("DECEPTIVE", 3), ("TRESPASS", 2), ("GAMBLING", 1), ("LIQUOR", 1),
    ]

    /// Default for anything unmatched (other offences).
    public static let fallback: UInt8 = 2

    public static func score(fbiCode: String?, type: String) -> UInt8 {
        if let c = fbiCode, let s = byFBICode[c] { return s }
        let t = type.uppercased()
        for (k, s) in byTypeKeyword where t.contains(k) { return s }
        return fallback
    }
}
