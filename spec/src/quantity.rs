//! Resource quantities: CPU (`"1"`, `"0.5"`, `"500m"`) and memory (`"512Mi"`, `"2Gi"`).

/// Parses a CPU quantity into millicpus. Accepts whole or fractional cores (`"2"`, `"0.5"`)
/// and millicores (`"500m"`). Returns `None` for anything else, zero included.
pub fn parse_cpu_millis(text: &str) -> Option<u64> {
    let text = text.trim();
    let millis = if let Some(m) = text.strip_suffix('m') {
        if m.is_empty() || !m.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        m.parse::<u64>().ok()?
    } else {
        let (whole, frac) = match text.split_once('.') {
            Some((w, f)) => (w, f),
            None => (text, ""),
        };
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (whole.is_empty() && frac.is_empty()) || !digits(whole) || !digits(frac) {
            return None;
        }
        if frac.len() > 3 {
            return None;
        }
        let whole: u64 = if whole.is_empty() {
            0
        } else {
            whole.parse().ok()?
        };
        let mut frac_millis: u64 = if frac.is_empty() {
            0
        } else {
            frac.parse().ok()?
        };
        for _ in frac.len()..3 {
            frac_millis *= 10;
        }
        whole.checked_mul(1000)?.checked_add(frac_millis)?
    };
    (millis > 0).then_some(millis)
}

/// Parses a memory quantity with a binary suffix (`Ki`, `Mi`, `Gi`, `Ti`) into bytes.
pub fn parse_memory_bytes(text: &str) -> Option<u64> {
    let text = text.trim();
    let units: [(&str, u64); 4] = [
        ("Ki", 1 << 10),
        ("Mi", 1 << 20),
        ("Gi", 1 << 30),
        ("Ti", 1 << 40),
    ];
    for (suffix, factor) in units {
        if let Some(number) = text.strip_suffix(suffix) {
            if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let bytes = number.parse::<u64>().ok()?.checked_mul(factor)?;
            return (bytes > 0).then_some(bytes);
        }
    }
    None
}

/// Formats millicpus the way a user wrote them most likely (`1`, `0.5`).
pub fn format_cpu(millis: u64) -> String {
    if millis.is_multiple_of(1000) {
        (millis / 1000).to_string()
    } else {
        format!("{millis}m")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_forms() {
        assert_eq!(parse_cpu_millis("1"), Some(1000));
        assert_eq!(parse_cpu_millis("0.5"), Some(500));
        assert_eq!(parse_cpu_millis(".25"), Some(250));
        assert_eq!(parse_cpu_millis("500m"), Some(500));
        assert_eq!(parse_cpu_millis("2.125"), Some(2125));
        for bad in [
            "", "0", "0m", "m", "-1", "1.2345", "one", "1e3", "1..2", "500M", "1 m",
        ] {
            assert_eq!(parse_cpu_millis(bad), None, "{bad:?} should be refused");
        }
    }

    #[test]
    fn memory_forms() {
        assert_eq!(parse_memory_bytes("512Mi"), Some(512 << 20));
        assert_eq!(parse_memory_bytes("2Gi"), Some(2 << 30));
        assert_eq!(parse_memory_bytes("64Ki"), Some(64 << 10));
        for bad in ["", "512", "512MB", "512M", "Mi", "-1Gi", "1.5Gi", "0Mi"] {
            assert_eq!(parse_memory_bytes(bad), None, "{bad:?} should be refused");
        }
    }
}
