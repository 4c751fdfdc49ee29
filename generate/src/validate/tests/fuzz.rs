//! Random infra-shaped values: validation and warnings must never panic.

use super::*;
use py::yaml::{Map, Seq};

#[allow(dead_code)]
#[path = "../../../tests/common/rng.rs"]
mod rng;
use rng::Rng;

const KEYS: [&str; 40] = [
    "project_name",
    "global",
    "domains",
    "machines",
    "profiles",
    "devices",
    "config",
    "ip",
    "subnet_id",
    "trust_level",
    "addressing",
    "zone_base",
    "base_octet",
    "base_subnet",
    "type",
    "gpu",
    "network_policies",
    "from",
    "to",
    "ports",
    "shared_volumes",
    "consumers",
    "path",
    "persistent_data",
    "resource_policy",
    "host_reserve",
    "cpu",
    "memory",
    "enabled",
    "weight",
    "security.privileged",
    "gpu_policy",
    "ai_access_policy",
    "ai_access_default",
    "ai-tools",
    "work",
    "web",
    "boot_priority",
    "snapshots_schedule",
    "source",
];

fn scalar(rng: &mut Rng) -> Value {
    match rng.next() % 9 {
        0 => Value::Null,
        1 => Value::Bool(rng.below(2) == 0),
        2 => Value::Int(rng.next() as i128 % 400 - 50),
        3 => Value::Float(*rng.pick(&[1.5, f64::NAN, f64::INFINITY, -0.0, 1e300, 100.0])),
        4 => Value::Timestamp(
            rng.pick(&["2024-01-02", "2024-01-02 10:00:00+01:00"])
                .to_string(),
        ),
        5 => Value::Binary(vec![0, 39, 255]),
        6 => Value::from(*rng.pick(&[
            "10.100.1.5",
            "10.120.0.999",
            "50%",
            "x%",
            "2GiB",
            "infGiB",
            "/abs",
            "rw",
            "ro",
            "all",
            "host",
            "true",
            "exclusive",
            "shared",
            "vm",
        ])),
        _ => Value::from(*rng.pick(&KEYS)),
    }
}

fn value(rng: &mut Rng, depth: u32) -> Value {
    if depth == 0 || rng.below(3) == 0 {
        return scalar(rng);
    }
    if rng.below(4) == 0 {
        let items = (0..rng.next() % 4).map(|_| value(rng, depth - 1)).collect();
        return Value::Seq(Seq { id: 0, items });
    }
    let mut map = Map::new();
    for _ in 0..rng.next() % 6 {
        let key = if rng.below(5) == 0 {
            scalar(rng)
        } else {
            Value::from(*rng.pick(&KEYS))
        };
        map.insert(key, value(rng, depth - 1));
    }
    Value::Map(map)
}

#[test]
fn random_values_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let nesting = Nesting {
        vm_nested: Some(false),
        yolo: true,
        ..Nesting::default()
    };
    for _ in 0..3000 {
        let mut infra = value(&mut rng, 6);
        if let Value::Map(m) = &mut infra {
            for k in ["project_name", "global", "domains"] {
                if rng.below(4) != 0 {
                    let v = value(&mut rng, 5);
                    m.insert(k, v);
                }
            }
        }
        let nets = vec![(
            "eth0".to_owned(),
            Net {
                addr: 0x0a00_0000,
                prefix: 8,
            },
        )];
        let _ = validate_with(&infra, nesting.clone(), || nets);
        let _ = crate::warnings::warnings_with(&infra, &nesting);
    }
}

/// A mapping of `keys` to random leaves (or, for some, small mappings).
fn fields(rng: &mut Rng, keys: &[&str], nested: &dyn Fn(&mut Rng, &str) -> Option<Value>) -> Value {
    let mut map = Map::new();
    for &k in keys {
        if rng.below(3) == 0 {
            continue;
        }
        let v = nested(rng, k).unwrap_or_else(|| scalar(rng));
        map.insert(k, v);
    }
    Value::Map(map)
}

fn names(rng: &mut Rng, n: u64) -> Vec<Value> {
    let pool = [
        "web", "work", "ai-tools", "lab", "web-1", "db", "Bad_Name", "x-",
    ];
    let count = rng.next() % n;
    let mut out: Vec<Value> = (0..count).map(|_| Value::from(*rng.pick(&pool))).collect();
    out.push(scalar(rng));
    out
}

/// Well-shaped infra (so the checks past the shape pass run) with random leaves.
fn shaped(rng: &mut Rng) -> Value {
    let machine_keys = [
        "type",
        "ip",
        "gpu",
        "profiles",
        "config",
        "devices",
        "ephemeral",
        "boot_autostart",
        "boot_priority",
        "snapshots_schedule",
        "snapshots_expiry",
        "weight",
        "persistent_data",
    ];
    let mut domains = Map::new();
    for d in names(rng, 4) {
        let machine = |rng: &mut Rng, k: &str| -> Option<Value> {
            match k {
                "profiles" => Some(Value::from(names(rng, 3))),
                "config" => Some(fields(
                    rng,
                    &["security.privileged", "limits.cpu"],
                    &|_, _| None,
                )),
                "devices" => Some(fields(rng, &["pd-data", "sv-docs"], &|_, _| None)),
                "persistent_data" => {
                    let pd = |rng: &mut Rng, _: &str| {
                        Some(fields(rng, &["path", "readonly"], &|_, _| None))
                    };
                    Some(fields(rng, &["data", "Logs"], &pd))
                }
                _ => None,
            }
        };
        let mut machines = Map::new();
        for m in names(rng, 3) {
            machines.insert(m, fields(rng, &machine_keys, &machine));
        }
        let domain = |rng: &mut Rng, k: &str| -> Option<Value> {
            match k {
                "profiles" => {
                    let dev = |rng: &mut Rng, _: &str| Some(fields(rng, &["type"], &|_, _| None));
                    let prof = move |rng: &mut Rng, _: &str| Some(fields(rng, &["gpu0"], &dev));
                    let p = move |rng: &mut Rng, _: &str| Some(fields(rng, &["devices"], &prof));
                    Some(fields(rng, &["gpu", "web"], &p))
                }
                _ => None,
            }
        };
        let mut dom = fields(
            rng,
            &[
                "subnet_id",
                "trust_level",
                "enabled",
                "profiles",
                "ai_sanitize",
            ],
            &domain,
        );
        if let Value::Map(m) = &mut dom {
            m.insert("machines", Value::Map(machines));
        }
        domains.insert(d, dom);
    }
    let global = |rng: &mut Rng, k: &str| -> Option<Value> {
        match k {
            "addressing" => Some(fields(
                rng,
                &["zone_base", "base_octet", "zone_step"],
                &|_, _| None,
            )),
            "resource_policy" => {
                let hr =
                    |rng: &mut Rng, _: &str| Some(fields(rng, &["cpu", "memory"], &|_, _| None));
                Some(fields(rng, &["mode", "overcommit", "host_reserve"], &hr))
            }
            _ => None,
        }
    };
    let g_keys = [
        "base_subnet",
        "addressing",
        "gpu_policy",
        "ai_access_policy",
        "ai_access_default",
        "resource_policy",
    ];
    let mut infra = Map::new();
    infra.insert("project_name", "t");
    infra.insert("global", fields(rng, &g_keys, &global));
    infra.insert("domains", Value::Map(domains));
    let policies: Vec<Value> = (0..rng.next() % 3)
        .map(|_| fields(rng, &["from", "to", "ports", "protocol"], &|_, _| None))
        .collect();
    infra.insert("network_policies", Value::from(policies));
    let consumers = |rng: &mut Rng, k: &str| -> Option<Value> {
        (k == "consumers").then(|| {
            let mut c = Map::new();
            for n in names(rng, 3) {
                c.insert(n, scalar(rng));
            }
            Value::Map(c)
        })
    };
    let volume = move |rng: &mut Rng, _: &str| {
        Some(fields(rng, &["path", "source", "consumers"], &consumers))
    };
    infra.insert("shared_volumes", fields(rng, &["docs", "data"], &volume));
    Value::Map(infra)
}

#[test]
fn random_well_shaped_infras_never_panic() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let nesting = Nesting {
        vm_nested: Some(false),
        yolo: false,
        ..Nesting::default()
    };
    let mut past_shape = 0;
    for _ in 0..3000 {
        let infra = shaped(&mut rng);
        let nets = vec![(
            "eth0".to_owned(),
            Net {
                addr: 0x0a00_0000,
                prefix: 8,
            },
        )];
        let errors = validate_with(&infra, nesting.clone(), || nets);
        if !errors
            .iter()
            .any(|e| e.contains("must be a mapping of") || e.contains("must be a list of"))
        {
            past_shape += 1;
        }
        let _ = crate::warnings::warnings_with(&infra, &nesting);
    }
    assert!(
        past_shape > 1000,
        "only {past_shape} inputs reached the main checks"
    );
}
