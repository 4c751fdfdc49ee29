//! Property: whatever infra.yml says and whatever the user wrote around
//! the managed sections, a regeneration keeps the user's text byte for byte,
//! its managed section equals a fresh generation's, and one more run changes
//! nothing. Random cases come from a small seeded PRNG, so a failure names
//! a seed that reproduces it.

mod common;

use common::rng::Rng;
use common::Project;

const PIECES: &[&str] = &[
    "a", "z", "web", " ", "  ", ":", ": ", "#", " #", "'", "\"", "é", "—", "\\", "-", "*", "&",
    "!", "%", "@", "`", "{", "}", "[", "]", ",", "?", "|", ">", "yes", "null", "0x1F", "1e3", "~",
    "日本", "\t",
];

fn text(rng: &mut Rng, max: usize) -> String {
    (0..rng.below(max + 1)).map(|_| *rng.pick(PIECES)).collect()
}

/// A YAML double-quoted scalar (JSON strings are valid YAML).
fn quoted(s: &str) -> String {
    serde_json::to_string(s).expect("json string")
}

const TRUST: &[&str] = &[
    "admin",
    "trusted",
    "semi-trusted",
    "untrusted",
    "disposable",
];
const DOMAINS: &[&str] = &["alpha", "beta", "gamma", "delta", "eps"];

fn infra(rng: &mut Rng) -> String {
    let addressing = rng.chance(50);
    let mut y = format!("project_name: {}\nglobal:\n", quoted(&text(rng, 4)));
    if addressing {
        y.push_str("  addressing: {base_octet: 10, zone_base: 100}\n");
    } else {
        y.push_str("  base_subnet: \"10.100\"\n");
    }
    if rng.chance(50) {
        y.push_str(&format!("  default_os_image: {}\n", quoted(&text(rng, 3))));
    }
    y.push_str("domains:\n");
    let count = 1 + rng.below(DOMAINS.len());
    for (d, name) in DOMAINS.iter().take(count).enumerate() {
        y.push_str(&format!(
            "  {name}:\n    description: {}\n",
            quoted(&text(rng, 6))
        ));
        if addressing {
            if rng.chance(70) {
                y.push_str(&format!("    trust_level: {}\n", rng.pick(TRUST)));
            }
        } else {
            y.push_str(&format!("    subnet_id: {}\n", d * 3 + 1));
        }
        if rng.chance(30) {
            y.push_str(&format!("    ephemeral: {}\n", rng.chance(50)));
        }
        y.push_str("    machines:\n");
        for m in 0..rng.below(4) {
            y.push_str(&format!(
                "      {name}-m{m}:\n        description: {}\n",
                quoted(&text(rng, 6))
            ));
            y.push_str(&format!("        type: {}\n", rng.pick(&["lxc", "vm"])));
            if !addressing && rng.chance(70) {
                y.push_str(&format!("        ip: 10.100.{}.{}\n", d * 3 + 1, m + 10));
            }
            if rng.chance(40) {
                y.push_str(&format!(
                    "        config: {{limits.cpu: {}}}\n",
                    quoted(&(1 + rng.below(8)).to_string())
                ));
            }
            if rng.chance(40) {
                y.push_str(&format!(
                    "        roles: [base_system, {}]\n",
                    quoted(&text(rng, 2))
                ));
            }
        }
    }
    y
}

/// User text that never contains a managed-section marker.
fn user_text(rng: &mut Rng) -> String {
    let lines: Vec<String> = (0..rng.below(4))
        .map(|_| match rng.below(3) {
            0 => format!("# {}", text(rng, 5)),
            1 => format!("my_var_{}: {}", rng.below(100), quoted(&text(rng, 4))),
            _ => text(rng, 4).replace('\t', " "),
        })
        .collect();
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// The generated files (relative paths), sorted.
fn files(p: &Project) -> Vec<String> {
    let mut out = Vec::new();
    for dir in ["inventory", "group_vars", "host_vars"] {
        if let Ok(entries) = std::fs::read_dir(p.path(dir)) {
            for e in entries.flatten() {
                out.push(format!("{dir}/{}", e.file_name().to_string_lossy()));
            }
        }
    }
    out.sort();
    out
}

fn managed_block(text: &str) -> &str {
    let start = text
        .find("# === MANAGED BY infra.yml ===")
        .expect("begin marker");
    let end = text[start..]
        .find("# === END MANAGED ===")
        .expect("end marker")
        + start;
    &text[start..end]
}

fn check_seed(seed: u64) {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let p = Project::with_infra(&infra(&mut rng));
    let r = p.run(&["infra.yml"]);
    assert_eq!(
        r.code,
        0,
        "seed {seed}: first run failed:\n{}\n{}",
        p.read("infra.yml"),
        r.stderr
    );

    // The user writes around every managed section.
    let mut around = Vec::new();
    for f in files(&p) {
        let (before, after) = (user_text(&mut rng), user_text(&mut rng));
        p.write(&f, &format!("{before}{}{after}", p.read(&f)));
        around.push((f, before, after));
    }

    // infra.yml changes; the new sections must match a fresh generation.
    let changed = infra(&mut rng);
    p.write("infra.yml", &changed);
    let r = p.run(&["infra.yml"]);
    assert_eq!(
        r.code, 0,
        "seed {seed}: rerun failed:\n{changed}\n{}",
        r.stderr
    );
    let fresh = Project::with_infra(&changed);
    assert_eq!(fresh.run(&["infra.yml"]).code, 0);

    for (f, before, after) in &around {
        let now = p.read(f);
        assert!(
            now.starts_with(before.as_str()),
            "seed {seed}: {f} lost its head:\n{now}"
        );
        assert!(
            now.ends_with(after.as_str()),
            "seed {seed}: {f} lost its tail:\n{now}"
        );
        if fresh.exists(f) {
            assert_eq!(
                managed_block(&now),
                managed_block(&fresh.read(f)),
                "seed {seed}: {f}"
            );
        }
    }

    let tree = p.tree();
    assert_eq!(p.run(&["infra.yml"]).code, 0);
    assert_eq!(p.tree(), tree, "seed {seed}: a third run changed files");
}

#[test]
fn user_content_survives_regeneration() {
    for seed in 1..=40 {
        check_seed(seed);
    }
}
