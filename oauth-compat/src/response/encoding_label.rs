//! The one table from a charset label to an encoding, shared by a response's `charset`, an
//! XML declaration's `encoding` and the client's `encoding` setting.
//!
//! Two vocabularies name the same encodings: the WHATWG Encoding Standard's labels, which HTTP
//! servers and browsers use, and Python's codec names and aliases, which ported settings and
//! Python-built providers use (`latin-1`, `utf8`, `iso8859_15`, `cp936`, `mac_roman`). Both
//! resolve here to an `encoding_rs` encoding. Where Python's codec is a subset of a WHATWG
//! encoding, the WHATWG superset stands for it, as browsers do (see [`python_codec`]).

use encoding_rs::{
    BIG5, EUC_JP, EUC_KR, Encoding, GB18030, GBK, IBM866, ISO_2022_JP, ISO_8859_2, ISO_8859_3,
    ISO_8859_4, ISO_8859_5, ISO_8859_6, ISO_8859_7, ISO_8859_8, ISO_8859_10, ISO_8859_13,
    ISO_8859_14, ISO_8859_15, ISO_8859_16, KOI8_R, KOI8_U, MACINTOSH, REPLACEMENT, SHIFT_JIS,
    UTF_8, UTF_16BE, UTF_16LE, WINDOWS_874, WINDOWS_1250, WINDOWS_1251, WINDOWS_1252, WINDOWS_1253,
    WINDOWS_1254, WINDOWS_1255, WINDOWS_1256, WINDOWS_1257, WINDOWS_1258, X_MAC_CYRILLIC,
};

/// The encoding `label` names: a WHATWG label (case-insensitive, surrounding whitespace
/// ignored), else a Python codec name or alias, spelled as Python accepts it (case, `-`, `_`
/// and spaces free: `Latin 1`, `latin-1`, `ISO_8859-1:1987`). `None` for anything else, and
/// for the WHATWG labels of the "replacement" encoding (`iso-2022-kr`, `hz-gb-2312`, ..),
/// which decodes every body to a single U+FFFD and so stands for "not supported".
pub(crate) fn encoding_for_label(label: &str) -> Option<&'static Encoding> {
    let found = Encoding::for_label(label.trim().as_bytes())
        .or_else(|| python_codec(&python_normalized(label)))?;
    (found != REPLACEMENT).then_some(found)
}

/// A label as Python's `encodings.normalize_encoding` sees it, lowercased: each run of
/// characters other than ASCII letters, digits and `.` becomes one `_`, none at either end.
fn python_normalized(label: &str) -> String {
    let mut out = String::with_capacity(label.len());
    let mut gap = false;
    for c in label.chars() {
        if c.is_ascii_alphanumeric() || c == '.' {
            if gap && !out.is_empty() {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            gap = false;
        } else {
            gap = true;
        }
    }
    out
}

/// Python's codec names and their aliases (`encodings.aliases`, CPython 3.11), for the codecs
/// `encoding_rs` has an encoding for. Python's `latin_1` and `ascii` map to windows-1252,
/// `iso8859_9` to windows-1254, `iso8859_11` and `tis_620` to windows-874, `gb2312` to GBK,
/// `cp932` to Shift_JIS, `cp949` to EUC-KR, `cp950` and `big5hkscs` to Big5: each the WHATWG
/// encoding that is a superset of Python's codec, so the two read alike except for bytes the
/// smaller codec leaves undefined (for latin-1, the C1 controls 0x80–0x9F, which windows-1252
/// reads as `€`, `‚`, ..). Python codecs with no WHATWG counterpart (UTF-32, UTF-7, the DOS
/// and EBCDIC code pages, HZ, ISO-2022-KR, ..) are not here.
fn python_codec(normalized: &str) -> Option<&'static Encoding> {
    Some(match normalized {
        "utf_8" | "u8" | "utf" | "utf8" | "utf8_ucs2" | "utf8_ucs4" | "cp65001" | "utf_8_sig" => {
            UTF_8
        }
        "utf_16" | "u16" | "utf16" | "utf_16_le" | "utf_16le" | "unicodelittleunmarked" => UTF_16LE,
        "utf_16_be" | "utf_16be" | "unicodebigunmarked" => UTF_16BE,
        "latin_1" | "latin1" | "latin" | "l1" | "iso8859_1" | "iso8859" | "iso_8859_1"
        | "iso_8859_1_1987" | "iso_ir_100" | "cp819" | "ibm819" | "csisolatin1" | "8859"
        | "ascii" | "646" | "ansi_x3.4_1968" | "ansi_x3_4_1968" | "ansi_x3.4_1986" | "cp367"
        | "csascii" | "ibm367" | "iso646_us" | "iso_646.irv_1991" | "iso_ir_6" | "us"
        | "us_ascii" | "cp1252" | "1252" | "windows_1252" => WINDOWS_1252,
        "iso8859_2" | "iso_8859_2" | "iso_8859_2_1987" | "iso_ir_101" | "l2" | "latin2"
        | "csisolatin2" => ISO_8859_2,
        "iso8859_3" | "iso_8859_3" | "iso_8859_3_1988" | "iso_ir_109" | "l3" | "latin3"
        | "csisolatin3" => ISO_8859_3,
        "iso8859_4" | "iso_8859_4" | "iso_8859_4_1988" | "iso_ir_110" | "l4" | "latin4"
        | "csisolatin4" => ISO_8859_4,
        "iso8859_5" | "iso_8859_5" | "iso_8859_5_1988" | "iso_ir_144" | "cyrillic"
        | "csisolatincyrillic" => ISO_8859_5,
        "iso8859_6" | "iso_8859_6" | "iso_8859_6_1987" | "iso_ir_127" | "arabic" | "asmo_708"
        | "ecma_114" | "csisolatinarabic" => ISO_8859_6,
        "iso8859_7" | "iso_8859_7" | "iso_8859_7_1987" | "iso_ir_126" | "greek" | "greek8"
        | "ecma_118" | "elot_928" | "csisolatingreek" => ISO_8859_7,
        "iso8859_8" | "iso_8859_8" | "iso_8859_8_1988" | "iso_ir_138" | "hebrew"
        | "csisolatinhebrew" => ISO_8859_8,
        "iso8859_9" | "iso_8859_9" | "iso_8859_9_1989" | "iso_ir_148" | "l5" | "latin5"
        | "csisolatin5" | "cp1254" | "1254" | "windows_1254" => WINDOWS_1254,
        "iso8859_10" | "iso_8859_10" | "iso_8859_10_1992" | "iso_ir_157" | "l6" | "latin6"
        | "csisolatin6" => ISO_8859_10,
        "iso8859_11" | "iso_8859_11" | "iso_8859_11_2001" | "thai" | "tis_620" | "tis620"
        | "tis_620_0" | "tis_620_2529_0" | "tis_620_2529_1" | "iso_ir_166" | "cp874" => WINDOWS_874,
        "iso8859_13" | "iso_8859_13" | "l7" | "latin7" => ISO_8859_13,
        "iso8859_14" | "iso_8859_14" | "iso_8859_14_1998" | "iso_ir_199" | "iso_celtic" | "l8"
        | "latin8" => ISO_8859_14,
        "iso8859_15" | "iso_8859_15" | "l9" | "latin9" => ISO_8859_15,
        "iso8859_16" | "iso_8859_16" | "iso_8859_16_2001" | "iso_ir_226" | "l10" | "latin10" => {
            ISO_8859_16
        }
        "cp1250" | "1250" | "windows_1250" => WINDOWS_1250,
        "cp1251" | "1251" | "windows_1251" => WINDOWS_1251,
        "cp1253" | "1253" | "windows_1253" => WINDOWS_1253,
        "cp1255" | "1255" | "windows_1255" => WINDOWS_1255,
        "cp1256" | "1256" | "windows_1256" => WINDOWS_1256,
        "cp1257" | "1257" | "windows_1257" => WINDOWS_1257,
        "cp1258" | "1258" | "windows_1258" => WINDOWS_1258,
        "cp866" | "866" | "ibm866" | "csibm866" => IBM866,
        "koi8_r" | "cskoi8r" => KOI8_R,
        "koi8_u" => KOI8_U,
        "mac_roman" | "macroman" | "macintosh" => MACINTOSH,
        "mac_cyrillic" | "maccyrillic" => X_MAC_CYRILLIC,
        "gbk" | "936" | "cp936" | "ms936" | "gb2312" | "gb2312_1980" | "gb2312_80" | "chinese"
        | "csiso58gb231280" | "euc_cn" | "euccn" | "eucgb2312_cn" | "iso_ir_58"
        | "x_mac_simp_chinese" => GBK,
        "gb18030" | "gb18030_2000" => GB18030,
        "big5" | "big5_tw" | "csbig5" | "x_mac_trad_chinese" | "big5hkscs" | "big5_hkscs"
        | "hkscs" | "cp950" | "950" | "ms950" => BIG5,
        "euc_jp" | "eucjp" | "ujis" | "u_jis" => EUC_JP,
        "shift_jis" | "shiftjis" | "sjis" | "s_jis" | "csshiftjis" | "x_mac_japanese" | "cp932"
        | "932" | "ms932" | "mskanji" | "ms_kanji" => SHIFT_JIS,
        "iso2022_jp" | "iso2022jp" | "iso_2022_jp" | "csiso2022jp" => ISO_2022_JP,
        "euc_kr" | "euckr" | "korean" | "ks_c_5601" | "ks_c_5601_1987" | "ks_x_1001"
        | "ksc5601" | "ksx1001" | "x_mac_korean" | "cp949" | "949" | "ms949" | "uhc" => EUC_KR,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(label: &str) -> Option<&'static str> {
        encoding_for_label(label).map(Encoding::name)
    }

    #[test]
    fn whatwg_labels() {
        assert_eq!(name("UTF-8"), Some("UTF-8"));
        assert_eq!(name(" iso-8859-1 "), Some("windows-1252"));
        assert_eq!(name("Shift_JIS"), Some("Shift_JIS"));
        assert_eq!(name("x-user-defined"), Some("x-user-defined"));
    }

    /// Each spelling is one Python accepts: `codecs.lookup(label).name` names the codec.
    #[test]
    fn python_spellings() {
        for (label, want) in [
            ("latin-1", "windows-1252"),
            ("Latin 1", "windows-1252"),
            ("latin--1", "windows-1252"),
            ("ISO_8859-1:1987", "windows-1252"),
            ("latin", "windows-1252"),
            ("8859", "windows-1252"),
            ("utf8", "UTF-8"),
            ("UTF 8", "UTF-8"),
            ("u8", "UTF-8"),
            ("utf_8_sig", "UTF-8"),
            ("iso8859_15", "ISO-8859-15"),
            ("latin9", "ISO-8859-15"),
            ("cp936", "GBK"),
            ("mac_roman", "macintosh"),
            ("MacRoman", "macintosh"),
            ("sjis", "Shift_JIS"),
            ("ms_kanji", "Shift_JIS"),
            ("cp949", "EUC-KR"),
            ("tis-620", "windows-874"),
            ("utf_16_be", "UTF-16BE"),
            ("koi8_u", "KOI8-U"),
        ] {
            assert_eq!(name(label), Some(want), "{label:?}");
        }
    }

    #[test]
    fn unsupported_and_unknown() {
        // Python codecs with no WHATWG encoding, WHATWG's "replacement", and nonsense.
        for label in [
            "utf-32",
            "utf_7",
            "cp437",
            "cp037",
            "iso-2022-kr",
            "hz-gb-2312",
            "replacement",
            "klingon-8",
            "",
            "utf.8",
        ] {
            assert_eq!(name(label), None, "{label:?}");
        }
    }

    #[test]
    fn normalized_like_python() {
        assert_eq!(python_normalized("  ISO_8859-1:1987 "), "iso_8859_1_1987");
        assert_eq!(python_normalized("--Latin 1--"), "latin_1");
        assert_eq!(python_normalized("ANSI_X3.4-1968"), "ansi_x3.4_1968");
    }
}
