//! global.resource_policy and memory sizes.

use super::*;
use crate::validate::resources::parse_memory_value;

fn policy(p: &str) -> String {
    with_global(&format!("resource_policy: {p}"))
}

#[test]
fn resource_policy_forms() {
    check(&policy("true"), &[]);
    check(&policy("{}"), &[]);
    check(
        &policy("{mode: equal, cpu_mode: count, memory_enforce: hard, overcommit: true}"),
        &[],
    );
    check(
        &policy("false"),
        &["global.resource_policy must be a mapping or true"],
    );
    check(
        &policy("[a]"),
        &["global.resource_policy must be a mapping or true"],
    );
}

#[test]
fn resource_policy_enumerations() {
    check(
        &policy("{mode: fair, cpu_mode: cores, memory_enforce: strict, overcommit: 'no'}"),
        &[
            "resource_policy.mode must be 'proportional' or 'equal', got 'fair'",
            "resource_policy.cpu_mode must be 'allowance' or 'count', got 'cores'",
            "resource_policy.memory_enforce must be 'soft' or 'hard', got 'strict'",
            "resource_policy.overcommit must be a boolean",
        ],
    );
}

#[test]
fn host_reserve() {
    check(&policy("{host_reserve: {cpu: '20%', memory: 4GiB}}"), &[]);
    check(&policy("{host_reserve: {cpu: 2, memory: 1.5}}"), &[]);
    check(
        &policy("{host_reserve: 20%}"),
        &["resource_policy.host_reserve must be a mapping"],
    );
    check(
        &policy("{host_reserve: {cpu: '0%', memory: '100%'}}"),
        &[
            "resource_policy.host_reserve.cpu: percentage must be 1-99, got 0",
            "resource_policy.host_reserve.memory: percentage must be 1-99, got 100",
        ],
    );
    check(
        &policy("{host_reserve: {cpu: 'x%', memory: abc}}"),
        &[
            "resource_policy.host_reserve.cpu: invalid format 'x%'",
            "resource_policy.host_reserve.memory: invalid value 'abc'",
        ],
    );
    check(
        &policy("{host_reserve: {cpu: -1, memory: false}}"),
        &[
            "resource_policy.host_reserve.cpu: must be positive, got -1",
            "resource_policy.host_reserve.memory: must be positive, got False",
        ],
    );
    check(
        &policy("{host_reserve: {cpu: 4 cores, memory: [1]}}"),
        &[
            "resource_policy.host_reserve.cpu: must be 'N%' or a positive number, got '4 cores'",
            "resource_policy.host_reserve.memory: must be 'N%' or a positive number, got '[1]'",
        ],
    );
    // int(" 050 ") is 50; "-0" prints as 0.
    check(&policy("{host_reserve: {cpu: ' 050 %'}}"), &[]);
    check(
        &policy("{host_reserve: {cpu: '-0%'}}"),
        &["resource_policy.host_reserve.cpu: percentage must be 1-99, got 0"],
    );
}

#[test]
fn memory_sizes() {
    let cases = [
        ("2GiB", 2 << 30),
        ("512MiB", 512 << 20),
        ("4KiB", 4096),
        ("1.5GB", 1_500_000_000),
        ("3MB", 3_000_000),
        (" 2 GiB ", 2 << 30),
        ("1_000", 1000),
        ("5KB", 0),
        ("abc", 0),
        ("nanGiB", 0),
        ("infGiB", 0),
        ("-1GiB", -(1 << 30)),
    ];
    for (text, bytes) in cases {
        assert_eq!(parse_memory_value(&Value::from(text)), bytes, "{text}");
    }
    assert_eq!(parse_memory_value(&Value::Int(42)), 42);
}
