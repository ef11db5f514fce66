/// The crime catalogue of the demo generator: real Chicago Primary Types with their IUCR codes,
/// descriptions, FBI codes, shares (from the portal's 2023–2025 data) and time-of-day habits.
struct DemoCrimeType: Sendable {
    let name: String
    /// Relative frequency.
    let weight: Double
    /// (IUCR, description, FBI code, relative weight).
    let variants: [(String, String, String, Double)]
    /// Hours where this type peaks, each with a spread in hours.
    let peaks: [(hour: Double, spread: Double)]
    /// Share of the day's incidents that follow the peaks rather than a flat background.
    let peakShare: Double
    /// Extra weight on Saturday and Sunday (1 = none).
    let weekendFactor: Double
    /// Extra weight in June–August (1 = none).
    let summerFactor: Double
    let arrestRate: Double
    let domesticRate: Double
    /// Preferred hotspots (indices into `DemoCatalogue.hotspots`) and how strongly (0–1).
    let hotspots: [Int]
    let hotspotShare: Double
}

enum DemoCatalogue {
    /// Hotspots: (latitude, longitude, spread in metres, weight), at real high-incident areas.
    static let hotspots: [(Double, Double, Double, Double)] = [
        (41.8807, -87.6294, 700, 1.6),  // 0 the Loop
        (41.8925, -87.6340, 600, 1.0),  // 1 River North
        (41.8808, -87.7290, 900, 1.4),  // 2 West Garfield Park
        (41.8940, -87.7650, 1100, 1.2),  // 3 Austin
        (41.7797, -87.6453, 1000, 1.3),  // 4 Englewood
        (41.7620, -87.5760, 900, 1.0),  // 5 South Shore
        (41.9020, -87.7205, 800, 0.9),  // 6 Humboldt Park
        (41.9660, -87.6550, 600, 0.7),  // 7 Uptown
        (41.7130, -87.6240, 1000, 0.8),  // 8 Roseland
        (41.8450, -87.7130, 800, 0.7),  // 9 Little Village
        (41.7500, -87.6050, 900, 0.8),  // 10 Chatham / Greater Grand Crossing
        (41.9180, -87.6530, 600, 0.6),  // 11 Lincoln Park
    ]

    static let types: [DemoCrimeType] = [
        .init(
            name: "THEFT", weight: 10356,
            variants: [
                ("0820", "$500 AND UNDER", "06", 3), ("0810", "OVER $500", "06", 2.5),
                ("0860", "RETAIL THEFT", "06", 2), ("0890", "FROM BUILDING", "06", 1),
            ], peaks: [(12, 3), (17, 2)], peakShare: 0.7, weekendFactor: 1.0, summerFactor: 1.15,
            arrestRate: 0.08, domesticRate: 0.03, hotspots: [0, 1, 11, 7], hotspotShare: 0.6),
        .init(
            name: "BATTERY", weight: 8626,
            variants: [
                ("0486", "DOMESTIC BATTERY SIMPLE", "08B", 4), ("0460", "SIMPLE", "08B", 3),
                ("0430", "AGGRAVATED - OTHER DANGEROUS WEAPON", "04B", 0.3),
                ("041A", "AGGRAVATED - HANDGUN", "04B", 0.2),
            ], peaks: [(0, 3), (20, 3)], peakShare: 0.6, weekendFactor: 1.5, summerFactor: 1.3,
            arrestRate: 0.16, domesticRate: 0.48, hotspots: [2, 3, 4, 5, 8, 10], hotspotShare: 0.55),
        .init(
            name: "CRIMINAL DAMAGE", weight: 4672,
            variants: [
                ("1320", "TO VEHICLE", "14", 2.3), ("1310", "TO PROPERTY", "14", 2),
                ("1305", "CRIMINAL DEFACEMENT", "14", 0.2),
            ], peaks: [(22, 4)], peakShare: 0.5, weekendFactor: 1.25, summerFactor: 1.15,
            arrestRate: 0.05, domesticRate: 0.1, hotspots: [3, 4, 6, 9], hotspotShare: 0.35),
        .init(
            name: "ASSAULT", weight: 3995,
            variants: [
                ("0560", "SIMPLE", "08A", 2.7), ("051A", "AGGRAVATED - HANDGUN", "04A", 0.6),
                ("0520", "AGGRAVATED - KNIFE / CUTTING INSTRUMENT", "04A", 0.2),
            ], peaks: [(15, 3), (21, 3)], peakShare: 0.55, weekendFactor: 1.2, summerFactor: 1.25,
            arrestRate: 0.1, domesticRate: 0.25, hotspots: [2, 4, 5, 8, 10], hotspotShare: 0.5),
        .init(
            name: "OTHER OFFENSE", weight: 3345,
            variants: [
                ("2825", "HARASSMENT BY TELEPHONE", "26", 1), ("2820", "TELEPHONE THREAT", "08A", 1),
                ("2826", "HARASSMENT BY ELECTRONIC MEANS", "26", 0.8),
            ], peaks: [(10, 4)], peakShare: 0.4, weekendFactor: 0.9, summerFactor: 1.0,
            arrestRate: 0.1, domesticRate: 0.3, hotspots: [], hotspotShare: 0),
        .init(
            name: "DECEPTIVE PRACTICE", weight: 3201,
            variants: [
                ("1153", "FINANCIAL IDENTITY THEFT OVER $ 300", "11", 1.6),
                ("1150", "CREDIT CARD FRAUD", "11", 1),
                ("1130", "FRAUD OR CONFIDENCE GAME", "11", 1),
            ], peaks: [(0, 0.3), (10, 2), (14, 2)], peakShare: 0.8, weekendFactor: 0.6,
            summerFactor: 0.95,
            arrestRate: 0.02, domesticRate: 0.01, hotspots: [0, 1], hotspotShare: 0.45),
        .init(
            name: "MOTOR VEHICLE THEFT", weight: 3152,
            variants: [
                ("0910", "AUTOMOBILE", "07", 5), ("0920", "ATTEMPT - AUTOMOBILE", "07", 0.7),
                ("0930", "THEFT / RECOVERY - AUTOMOBILE", "07", 0.4),
            ], peaks: [(22, 3), (3, 2)], peakShare: 0.6, weekendFactor: 1.1, summerFactor: 1.05,
            arrestRate: 0.03, domesticRate: 0.01, hotspots: [3, 6, 9, 1], hotspotShare: 0.35),
        .init(
            name: "NARCOTICS", weight: 2236,
            variants: [
                ("1811", "POSS: CANNABIS 30GMS OR LESS", "18", 1),
                ("2024", "POSSESS - HEROIN (WHITE)", "18", 1),
                ("2027", "POSSESS - CRACK", "18", 0.6),
            ], peaks: [(19, 3)], peakShare: 0.75, weekendFactor: 0.9, summerFactor: 1.1,
            arrestRate: 0.97, domesticRate: 0.0, hotspots: [2, 3, 6], hotspotShare: 0.85),
        .init(
            name: "BURGLARY", weight: 1804,
            variants: [("0610", "FORCIBLE ENTRY", "05", 2), ("0620", "UNLAWFUL ENTRY", "05", 1.2)],
            peaks: [(9, 3), (14, 3)], peakShare: 0.5, weekendFactor: 0.85, summerFactor: 1.1,
            arrestRate: 0.04, domesticRate: 0.03, hotspots: [7, 11, 9], hotspotShare: 0.3),
        .init(
            name: "ROBBERY", weight: 1650,
            variants: [
                ("031A", "ARMED - HANDGUN", "03", 1.7), ("0320", "STRONG ARM - NO WEAPON", "03", 1),
                ("0330", "AGGRAVATED", "03", 0.3),
            ], peaks: [(22, 3), (1, 2)], peakShare: 0.65, weekendFactor: 1.2, summerFactor: 1.2,
            arrestRate: 0.07, domesticRate: 0.02, hotspots: [0, 1, 2, 4], hotspotShare: 0.5),
        .init(
            name: "WEAPONS VIOLATION", weight: 1084,
            variants: [
                ("143A", "UNLAWFUL POSSESSION - HANDGUN", "15", 3),
                ("1477", "RECKLESS FIREARM DISCHARGE", "15", 1),
            ], peaks: [(23, 3)], peakShare: 0.7, weekendFactor: 1.4, summerFactor: 1.35,
            arrestRate: 0.75, domesticRate: 0.01, hotspots: [2, 4, 8, 10], hotspotShare: 0.7),
        .init(
            name: "CRIMINAL TRESPASS", weight: 1023,
            variants: [("1330", "TO LAND", "26", 2), ("1365", "TO RESIDENCE", "26", 1)],
            peaks: [(13, 4)], peakShare: 0.4, weekendFactor: 1.0, summerFactor: 1.0,
            arrestRate: 0.45, domesticRate: 0.1, hotspots: [0, 1], hotspotShare: 0.5),
        .init(
            name: "OFFENSE INVOLVING CHILDREN", weight: 489,
            variants: [
                ("1750", "CHILD ABUSE", "08B", 1), ("1710", "ENDANGERING LIFE / HEALTH OF CHILD", "20", 1),
            ],
            peaks: [(15, 4)], peakShare: 0.4, weekendFactor: 1.0, summerFactor: 1.0,
            arrestRate: 0.12, domesticRate: 0.45, hotspots: [], hotspotShare: 0),
        .init(
            name: "HOMICIDE", weight: 437,
            variants: [("0110", "FIRST DEGREE MURDER", "01A", 1)],
            peaks: [(0, 3)], peakShare: 0.75, weekendFactor: 1.5, summerFactor: 1.4,
            arrestRate: 0.3, domesticRate: 0.05, hotspots: [2, 3, 4, 8], hotspotShare: 0.8),
        .init(
            name: "SEX OFFENSE", weight: 287,
            variants: [
                ("1563", "CRIMINAL SEXUAL ABUSE", "17", 2), ("1570", "PUBLIC INDECENCY", "17", 1),
            ],
            peaks: [(14, 5)], peakShare: 0.3, weekendFactor: 1.0, summerFactor: 1.1,
            arrestRate: 0.15, domesticRate: 0.15, hotspots: [], hotspotShare: 0),
        .init(
            name: "CRIMINAL SEXUAL ASSAULT", weight: 259,
            variants: [("0281", "NON-AGGRAVATED", "02", 3), ("0265", "AGGRAVATED - OTHER", "02", 1)],
            peaks: [(1, 3)], peakShare: 0.5, weekendFactor: 1.4, summerFactor: 1.2,
            arrestRate: 0.08, domesticRate: 0.2, hotspots: [], hotspotShare: 0),
        .init(
            name: "PUBLIC PEACE VIOLATION", weight: 248,
            variants: [("0470", "RECKLESS CONDUCT", "24", 2), ("2850", "BOMB THREAT", "24", 0.4)],
            peaks: [(21, 4)], peakShare: 0.4, weekendFactor: 1.2, summerFactor: 1.1,
            arrestRate: 0.3, domesticRate: 0.05, hotspots: [0], hotspotShare: 0.3),
        .init(
            name: "INTERFERENCE WITH PUBLIC OFFICER", weight: 177,
            variants: [
                ("3731", "OBSTRUCTING IDENTIFICATION", "24", 1),
                ("3710", "RESIST / OBSTRUCT / DISARM OFFICER", "24", 1),
            ], peaks: [(20, 4)], peakShare: 0.5, weekendFactor: 1.2, summerFactor: 1.1,
            arrestRate: 0.95, domesticRate: 0.0, hotspots: [0, 2], hotspotShare: 0.5),
        .init(
            name: "ARSON", weight: 89,
            variants: [("1020", "BY FIRE", "09", 5), ("1090", "ATTEMPT ARSON", "09", 1)],
            peaks: [(2, 3)], peakShare: 0.5, weekendFactor: 1.2, summerFactor: 1.1,
            arrestRate: 0.08, domesticRate: 0.05, hotspots: [3, 4], hotspotShare: 0.4),
        .init(
            name: "STALKING", weight: 85,
            variants: [("0580", "SIMPLE", "08A", 3), ("0583", "CYBERSTALKING", "08A", 0.3)],
            peaks: [(12, 5)], peakShare: 0.3, weekendFactor: 1.0, summerFactor: 1.0,
            arrestRate: 0.06, domesticRate: 0.4, hotspots: [], hotspotShare: 0),
        .init(
            name: "PROSTITUTION", weight: 57,
            variants: [("1506", "SOLICIT ON PUBLIC WAY", "16", 1)],
            peaks: [(22, 2)], peakShare: 0.8, weekendFactor: 1.3, summerFactor: 1.1,
            arrestRate: 0.98, domesticRate: 0.0, hotspots: [2, 3], hotspotShare: 0.9),
        .init(
            name: "LIQUOR LAW VIOLATION", weight: 40,
            variants: [("2250", "LIQUOR LICENSE VIOLATION", "22", 1)],
            peaks: [(23, 2)], peakShare: 0.7, weekendFactor: 1.6, summerFactor: 1.2,
            arrestRate: 0.9, domesticRate: 0.0, hotspots: [0, 1, 11], hotspotShare: 0.7),
        .init(
            name: "CONCEALED CARRY LICENSE VIOLATION", weight: 38,
            variants: [("1478", "PROHIBITED PLACES", "15", 1)],
            peaks: [(20, 3)], peakShare: 0.5, weekendFactor: 1.2, summerFactor: 1.1,
            arrestRate: 0.9, domesticRate: 0.0, hotspots: [], hotspotShare: 0),
        .init(
            name: "KIDNAPPING", weight: 30,
            variants: [("4230", "UNLAWFUL RESTRAINT", "26", 1)],
            peaks: [(17, 4)], peakShare: 0.3, weekendFactor: 1.0, summerFactor: 1.0,
            arrestRate: 0.2, domesticRate: 0.3, hotspots: [], hotspotShare: 0),
        .init(
            name: "INTIMIDATION", weight: 24,
            variants: [("3960", "INTIMIDATION", "08A", 1)],
            peaks: [(13, 4)], peakShare: 0.3, weekendFactor: 1.0, summerFactor: 1.0,
            arrestRate: 0.1, domesticRate: 0.1, hotspots: [], hotspotShare: 0),
        .init(
            name: "GAMBLING", weight: 12,
            variants: [("1661", "GAME/DICE", "19", 1)],
            peaks: [(19, 2)], peakShare: 0.8, weekendFactor: 1.5, summerFactor: 1.3,
            arrestRate: 0.99, domesticRate: 0.0, hotspots: [2, 4], hotspotShare: 0.9),
        .init(
            name: "OBSCENITY", weight: 9,
            variants: [("1540", "OBSCENE MATTER", "26", 1)],
            peaks: [(12, 5)], peakShare: 0.2, weekendFactor: 1.0, summerFactor: 1.0,
            arrestRate: 0.2, domesticRate: 0.1, hotspots: [], hotspotShare: 0),
        .init(
            name: "PUBLIC INDECENCY", weight: 3,
            variants: [("1536", "LICENSED PREMISE", "17", 1)],
            peaks: [(22, 2)], peakShare: 0.6, weekendFactor: 1.3, summerFactor: 1.0,
            arrestRate: 0.9, domesticRate: 0.0, hotspots: [0], hotspotShare: 0.5),
        .init(
            name: "HUMAN TRAFFICKING", weight: 3,
            variants: [("1055", "INVOLUNTARY SERVITUDE", "26", 1)],
            peaks: [(12, 6)], peakShare: 0.2, weekendFactor: 1.0, summerFactor: 1.0,
            arrestRate: 0.3, domesticRate: 0.0, hotspots: [], hotspotShare: 0),
        .init(
            name: "OTHER NARCOTIC VIOLATION", weight: 3,
            variants: [("1900", "INTOXICATING COMPOUNDS", "18", 1)],
            peaks: [(20, 3)], peakShare: 0.5, weekendFactor: 1.0, summerFactor: 1.0,
            arrestRate: 0.9, domesticRate: 0.0, hotspots: [2], hotspotShare: 0.5),
    ]

    /// Location descriptions with relative weights; some hold commas, as in the portal, to exercise quoting.
    static let locations: [(String, Double)] = [
        ("STREET", 25), ("RESIDENCE", 16), ("APARTMENT", 15), ("SIDEWALK", 7),
        ("PARKING LOT / GARAGE (NON RESIDENTIAL)", 4), ("SMALL RETAIL STORE", 3), ("RESTAURANT", 2.5),
        ("ALLEY", 2), ("RESIDENCE - PORCH / HALLWAY", 2), ("DEPARTMENT STORE", 1.5),
        ("GROCERY FOOD STORE", 1.5),
        ("COMMERCIAL / BUSINESS OFFICE", 1.5), ("VEHICLE NON-COMMERCIAL", 1.5), ("CTA TRAIN", 1),
        ("SCHOOL, PUBLIC, BUILDING", 1), ("GAS STATION", 1), ("BAR OR TAVERN", 0.8),
        ("HOTEL / MOTEL", 0.6),
        ("PARK PROPERTY", 0.6), ("OTHER (SPECIFY)", 1),
    ]

    static let streets: [String] = [
        "STATE ST", "MICHIGAN AVE", "ASHLAND AVE", "HALSTED ST", "WESTERN AVE", "PULASKI RD",
        "CICERO AVE",
        "KEDZIE AVE", "MADISON ST", "CHICAGO AVE", "NORTH AVE", "DIVISION ST", "GARFIELD BLVD",
        "79TH ST",
        "63RD ST", "47TH ST", "COTTAGE GROVE AVE", "KING DR", "BROADWAY", "CLARK ST", "LAWRENCE AVE",
        "MAPLEWOOD AVE", "HARDING AVE", "RHODES AVE", "POLK ST", "CONGRESS PKWY", "AUSTIN BLVD",
        "LARAMIE AVE",
    ]
}
