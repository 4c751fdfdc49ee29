//! The audit report: its model, and how it is computed from the plan of
//! files and their line counts.
//!
//! Orders are upstream's, which are all deterministic: modules in the order
//! of their sorted files (implementations first, then test-only modules),
//! untested scripts `*.py` then `*.sh` each sorted, roles sorted by name then
//! stably by size, largest first.

use crate::deadcode::DeadCode;
use crate::walk::{Named, Plan};
use indexmap::IndexMap;

/// Roles with more lines than this are flagged for simplification.
pub const CANDIDATE_LINES: u64 = 200;

/// A test-to-implementation ratio with the types upstream gave it: an `int`
/// 0 when there is no implementation, a rounded `float`, or `inf` for a test
/// file without a matching script.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ratio {
    IntZero,
    Float(f64),
    TestOnly,
}

impl Ratio {
    /// `round(test / impl, 2)`, or `0` when `impl` is 0.
    pub fn of(test: u64, implementation: u64) -> Ratio {
        if implementation == 0 {
            Ratio::IntZero
        } else {
            Ratio::Float(py::round2(test as f64 / implementation as f64))
        }
    }

    /// The value upstream sorted by.
    pub fn sort_key(self) -> f64 {
        match self {
            Ratio::IntZero => 0.0,
            Ratio::Float(x) => x,
            Ratio::TestOnly => f64::INFINITY,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub implementation_lines: u64,
    pub test_lines: u64,
    pub role_lines: u64,
}

/// Lines and files of one category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Category {
    pub total_lines: u64,
    pub file_count: u64,
}

/// The categories, in report order: (JSON key, text label, numbers).
pub type Categories = [(&'static str, &'static str, Category); 5];

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModuleRatio {
    pub impl_lines: u64,
    pub test_lines: u64,
    pub ratio: Ratio,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub name: String,
    pub lines: u64,
    pub files: u64,
    pub simplification_candidate: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub project_dir: String,
    pub summary: Summary,
    pub overall_ratio: Ratio,
    pub line_counts: Categories,
    pub test_ratios: IndexMap<String, ModuleRatio>,
    pub untested_scripts: Vec<String>,
    pub roles: Vec<Role>,
    pub dead_code: DeadCode,
}

/// Everything but the dead-code section, which the caller runs afterwards
/// (it is the slow part and may be skipped).
pub fn build(project_dir: String, plan: &Plan, lines: &[u64]) -> Report {
    let of = |i: usize| lines.get(i).copied().unwrap_or(0);
    let category = |files: &mut dyn Iterator<Item = usize>| {
        files.fold(Category::default(), |c, i| Category {
            total_lines: c.total_lines + of(i),
            file_count: c.file_count + 1,
        })
    };
    let files = |named: &[Named]| named.iter().map(|n| n.file).collect::<Vec<_>>();
    let python_impl = category(&mut files(&plan.scripts_py).into_iter());
    let python_test = category(&mut files(&plan.tests_py).into_iter());
    let shell = category(&mut files(&plan.scripts_sh).into_iter());
    let yaml_roles = category(&mut plan.roles_yml.iter().copied());
    let yaml_config = category(&mut plan.config_yml.iter().copied());

    let summary = Summary {
        implementation_lines: python_impl.total_lines + shell.total_lines,
        test_lines: python_test.total_lines,
        role_lines: yaml_roles.total_lines,
    };
    Report {
        project_dir,
        summary,
        overall_ratio: Ratio::of(summary.test_lines, summary.implementation_lines),
        line_counts: [
            ("python_impl", "Python Impl", python_impl),
            ("python_test", "Python Test", python_test),
            ("shell", "Shell", shell),
            ("yaml_roles", "Yaml Roles", yaml_roles),
            ("yaml_config", "Yaml Config", yaml_config),
        ],
        test_ratios: test_ratios(plan, &of),
        untested_scripts: untested_scripts(plan),
        roles: roles(plan, &of),
        dead_code: DeadCode::Skipped {
            reason: crate::deadcode::DISABLED.to_owned(),
        },
    }
}

/// Module name → ratio. Test files map to a module by dropping `test_`;
/// a later file with the same module replaces the lines but keeps the
/// place, as a Python dict does.
fn test_ratios(plan: &Plan, of: &dyn Fn(usize) -> u64) -> IndexMap<String, ModuleRatio> {
    let mut impls: IndexMap<String, u64> = IndexMap::new();
    for n in &plan.scripts_py {
        impls.insert(py::stem(&n.name).to_owned(), of(n.file));
    }
    let mut tests: IndexMap<String, u64> = IndexMap::new();
    for n in &plan.tests_py {
        let stem = py::stem(&n.name);
        let module = stem.strip_prefix("test_").unwrap_or(stem);
        tests.insert(module.to_owned(), of(n.file));
    }
    let mut ratios = IndexMap::new();
    for (module, &impl_lines) in &impls {
        let test_lines = tests.get(module).copied().unwrap_or(0);
        let ratio = Ratio::of(test_lines, impl_lines);
        ratios.insert(
            module.clone(),
            ModuleRatio {
                impl_lines,
                test_lines,
                ratio,
            },
        );
    }
    for (module, &test_lines) in &tests {
        if !impls.contains_key(module) {
            let entry = ModuleRatio {
                impl_lines: 0,
                test_lines,
                ratio: Ratio::TestOnly,
            };
            ratios.insert(module.clone(), entry);
        }
    }
    ratios
}

/// Scripts with no `tests/test_<stem>.py` (`-` read as `_` for shell).
fn untested_scripts(plan: &Plan) -> Vec<String> {
    let tested: std::collections::HashSet<&str> = plan
        .tests_py
        .iter()
        .filter_map(|n| py::stem(&n.name).strip_prefix("test_"))
        .collect();
    let py = plan
        .scripts_py
        .iter()
        .filter(|n| !tested.contains(py::stem(&n.name)));
    let sh = plan
        .scripts_sh
        .iter()
        .filter(|n| !tested.contains(py::stem(&n.name).replace('-', "_").as_str()));
    py.chain(sh)
        .map(|n| format!("scripts/{}", n.name))
        .collect()
}

fn roles(plan: &Plan, of: &dyn Fn(usize) -> u64) -> Vec<Role> {
    let mut roles: Vec<Role> = plan
        .roles
        .iter()
        .map(|r| {
            let lines = r.files.iter().map(|&i| of(i)).sum();
            Role {
                name: r.name.clone(),
                lines,
                files: r.files.len() as u64,
                simplification_candidate: lines > CANDIDATE_LINES,
            }
        })
        .collect();
    // Stable, so equal sizes stay in name order as with Python's sort.
    roles.sort_by_key(|r| std::cmp::Reverse(r.lines));
    roles
}
