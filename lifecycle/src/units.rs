//! Byte counts as staff type them: `500 GB`, `1.5 TiB`, `734003200` (reference §8's "plausible data"). One
//! parser for the console's form, as the staff type and when the server decides; `.` is the decimal separator
//! in every language, so `1,5 TB` is refused rather than read as 15 TB.

/// The longest text accepted as a byte count (a u64 has 20 digits; units and a fraction fit well within).
pub const MAX_BYTES_TEXT: usize = 40;

/// The units, by their symbol (case-insensitive), in bytes: SI (powers of 1000) and IEC (powers of 1024).
const UNITS: [(&str, u64); 11] = [
    ("B", 1),
    ("KB", 1_000),
    ("MB", 1_000_000),
    ("GB", 1_000_000_000),
    ("TB", 1_000_000_000_000),
    ("PB", 1_000_000_000_000_000),
    ("KiB", 1 << 10),
    ("MiB", 1 << 20),
    ("GiB", 1 << 30),
    ("TiB", 1 << 40),
    ("PiB", 1 << 50),
];

const HINT: &str = "a whole number of bytes, or a number with a unit: 500 GB, 1.5 TiB (B, KB, MB, GB, TB, PB, KiB, MiB, GiB, TiB, PiB)";

/// Parses a byte count with an optional unit. Exact: `1.5 TiB` is 1 649 267 441 664 bytes; a value that is not
/// a whole number of bytes (`1.5 B`), a negative one, or one beyond 2^64 - 1 bytes is refused.
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("Bytes copied is required".into());
    }
    if text.chars().count() > MAX_BYTES_TEXT {
        return Err(format!("Bytes copied must be {HINT}"));
    }
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(text.len());
    let (number, unit) = (text[..split].trim(), text[split..].trim());
    if number.contains(',') {
        return Err(
            "Bytes copied: use . as the decimal separator (1.5 TB), without thousands separators"
                .into(),
        );
    }
    if unit.starts_with('-') || number.is_empty() {
        return Err(format!("Bytes copied must be {HINT}"));
    }
    let multiplier = if unit.is_empty() {
        1
    } else {
        UNITS
            .iter()
            .find(|(symbol, _)| symbol.eq_ignore_ascii_case(unit))
            .map(|(_, m)| *m)
            .ok_or_else(|| format!("Bytes copied: unknown unit '{unit}'; use {HINT}"))?
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if fraction.contains('.') || (whole.is_empty() && fraction.is_empty()) {
        return Err(format!("Bytes copied must be {HINT}"));
    }
    let too_large = || "Bytes copied is too large: at most 18446744073709551615 bytes".to_string();
    let whole: u128 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| too_large())?
    };
    // At most 19 decimals: 10^19 still fits with any multiplier in u128.
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > 19 {
        return Err("Bytes copied: too many decimals".into());
    }
    let scale = 10u128.pow(fraction.len() as u32);
    let numerator: u128 = if fraction.is_empty() {
        0
    } else {
        fraction.parse().map_err(|_| too_large())?
    };
    let m = u128::from(multiplier);
    let part = numerator * m;
    if !part.is_multiple_of(scale) {
        return Err(format!(
            "Bytes copied: {text} is not a whole number of bytes"
        ));
    }
    let total = whole
        .checked_mul(m)
        .and_then(|w| w.checked_add(part / scale))
        .ok_or_else(too_large)?;
    u64::try_from(total).map_err(|_| too_large())
}

/// A byte count as people read it: the exact number with thousands grouped, and the nearest binary unit
/// (`1 649 267 441 664 bytes (1.5 TiB)`): what the console shows before saving.
pub fn describe_bytes(bytes: u64) -> String {
    let digits = bytes.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('\u{202f}');
        }
        grouped.push(c);
    }
    let unit = UNITS[6..]
        .iter()
        .rev()
        .find(|(_, m)| bytes >= *m)
        .map(|(symbol, m)| {
            let value = bytes as f64 / *m as f64;
            let shown = format!("{value:.2}");
            let shown = shown.trim_end_matches('0').trim_end_matches('.');
            format!(" ({shown} {symbol})")
        })
        .unwrap_or_default();
    let noun = if bytes == 1 { "byte" } else { "bytes" };
    format!("{grouped} {noun}{unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_numbers_and_units_parse_exactly() {
        assert_eq!(parse_bytes("734003200"), Ok(734_003_200));
        assert_eq!(parse_bytes("500 GB"), Ok(500_000_000_000));
        assert_eq!(parse_bytes("500GB"), Ok(500_000_000_000));
        assert_eq!(parse_bytes("1.5 TiB"), Ok(1_649_267_441_664));
        assert_eq!(parse_bytes("1.5 tib"), Ok(1_649_267_441_664));
        assert_eq!(parse_bytes(" 2 kib "), Ok(2048));
        assert_eq!(parse_bytes(".5 KB"), Ok(500));
        assert_eq!(parse_bytes("0"), Ok(0));
        assert_eq!(parse_bytes("12 B"), Ok(12));
        assert_eq!(parse_bytes("1.000 MB"), Ok(1_000_000));
        assert_eq!(parse_bytes("18446744073709551615"), Ok(u64::MAX));
    }

    #[test]
    fn the_decimal_separator_is_a_dot_everywhere() {
        let e = parse_bytes("1,5 TB").unwrap_err();
        assert!(e.contains("use . as the decimal separator"), "{e}");
        assert!(parse_bytes("1,000,000").is_err());
    }

    #[test]
    fn nonsense_is_refused_with_the_accepted_forms() {
        for bad in [
            "", "GB", "-5 GB", "5 -GB", "1.2.3 GB", "5 GiGaB", "abc", "1e9", ".",
        ] {
            assert!(parse_bytes(bad).is_err(), "{bad:?}");
        }
        assert!(parse_bytes("5 XB")
            .unwrap_err()
            .contains("unknown unit 'XB'"));
        assert!(parse_bytes("1.5 B")
            .unwrap_err()
            .contains("not a whole number"));
        assert!(parse_bytes("18446744073709551616")
            .unwrap_err()
            .contains("too large"));
        assert!(parse_bytes("20000 PB").unwrap_err().contains("too large"));
        assert!(parse_bytes(&"9".repeat(60)).is_err());
    }

    #[test]
    fn values_are_described_exactly_and_in_a_unit() {
        assert_eq!(
            describe_bytes(1_649_267_441_664),
            "1\u{202f}649\u{202f}267\u{202f}441\u{202f}664 bytes (1.5 TiB)"
        );
        assert_eq!(describe_bytes(500), "500 bytes");
        assert_eq!(describe_bytes(1), "1 byte");
        assert_eq!(describe_bytes(2048), "2\u{202f}048 bytes (2 KiB)");
        for text in ["500 GB", "1.5 TiB", "123456789"] {
            let bytes = parse_bytes(text).unwrap();
            assert!(describe_bytes(bytes).starts_with(&{
                let d = bytes.to_string();
                d[..1].to_string()
            }));
        }
    }
}
