/// Bit patterns recorded once from this implementation (x86_64 Linux, Swift 6.3.1); every machine
/// must reproduce them exactly.
enum GoldenValues {
    static let seed42Keyframe0: [UInt64] = [
        0x3fec_5e30_047a_a1d8, 0x3fdc_1e68_eb62_3d70, 0xbfc4_0bc8_bc52_b056,
        0xbf8c_1889_e75c_5396, 0xbfdf_9f57_c1b6_9dfe, 0xbfd7_d194_f46c_b26c,
    ]
    static let seed42DriftMinus7: [UInt64] = [0x3ff6_f03b_0e03_7596, 0x4003_8e0a_867b_2d6c, 0xbfda_8843_ac2f_6b62]
    static let seed42DriftLatent: [UInt32] = [
        0x3ef2_f663, 0xc003_6a0e, 0x3f24_43bd, 0x3eb7_bd54, 0xbdb3_a6a0, 0xbe0f_e064, 0xbb91_fc44, 0x3ed2_fd8c,
    ]
}
