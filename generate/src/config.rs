//! A run's settings, fixed before it starts: the command line and the
//! environment variables generate obeys, read once by `main`
//! ([`Config::new`] takes the lookup). Nothing below `main` reads the
//! environment; the fuzz target builds its own `Config` instead of setting
//! variables.

use shared::nesting::{self, Nesting};
use std::ffi::OsString;
use std::path::PathBuf;

use crate::cli::Cli;
use crate::enrich::host;
pub use crate::enrich::host::{HostFacts, Resources};

/// Everything a run depends on besides its input files.
#[derive(Debug, Clone)]
pub struct Config {
    pub infra_file: PathBuf,
    /// Where inventory/, group_vars/ and host_vars/ go.
    pub base_dir: PathBuf,
    pub dry_run: bool,
    pub diff: bool,
    pub clean_orphans: bool,
    /// Fail at once when another run holds the base dir.
    pub no_wait: bool,
    pub strict: bool,
    /// Compare domain subnets with the host's addresses (`ip -json addr`);
    /// off with `ANKLUME_SKIP_HOST_SUBNET_CHECK=1`.
    pub check_host_subnets: bool,
    /// The CPUs and memory resource allocation shares out
    /// (`ANKLUME_HOST_RESOURCES` fixes them).
    pub resources: Resources,
    /// The nesting context.
    pub context: Context,
    /// The process ends with the run (the binary): its big trees are left
    /// to the exit rather than freed node by node, which only costs time.
    /// The fuzz target runs many and frees them.
    pub exits_after: bool,
}

/// Where the nesting context comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Context {
    /// The context files in this folder: `/etc/anklume`, or
    /// `$ANKLUME_CONTEXT_DIR`. Read when the run needs them.
    Dir(PathBuf),
    /// Given as is.
    Given(Nesting),
}

impl Context {
    pub fn nesting(&self) -> Nesting {
        match self {
            Context::Dir(dir) => Nesting::read(dir),
            Context::Given(n) => n.clone(),
        }
    }
}

/// The variable that turns the host-subnet check off (when it is `1`).
pub const SKIP_SUBNET_CHECK_VAR: &str = "ANKLUME_SKIP_HOST_SUBNET_CHECK";

impl Config {
    /// The settings of `cli`, with the environment seen through `env`
    /// (`std::env::var_os` in `main`).
    pub fn new(cli: Cli, env: impl Fn(&str) -> Option<OsString>) -> Config {
        Config {
            infra_file: cli.infra_file,
            base_dir: cli.base_dir,
            dry_run: cli.dry_run,
            diff: cli.diff,
            clean_orphans: cli.clean_orphans,
            no_wait: cli.no_wait,
            strict: cli.strict,
            check_host_subnets: env(SKIP_SUBNET_CHECK_VAR).is_none_or(|v| v != "1"),
            resources: Resources::from_override(env(host::OVERRIDE_VAR).as_deref()),
            context: Context::Dir(nesting::context_dir(env(nesting::CONTEXT_DIR_VAR))),
            exits_after: true,
        }
    }

    /// `--base-dir` as messages show it.
    pub fn base_shown(&self) -> String {
        self.base_dir.to_string_lossy().into_owned()
    }

    /// Done with a big tree: freed, unless the process ends with the run.
    pub fn let_go<T>(&self, tree: T) {
        if self.exits_after {
            std::mem::forget(tree);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn config(vars: &[(&str, &str)]) -> Config {
        let cli = Cli::parse_from(["generate", "infra.yml"]);
        Config::new(cli, |k| {
            vars.iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| OsString::from(v))
        })
    }

    #[test]
    fn environment_read_through_the_lookup() {
        let plain = config(&[]);
        assert!(plain.check_host_subnets);
        assert_eq!(plain.resources, Resources::Detect);
        assert_eq!(plain.context, Context::Dir("/etc/anklume".into()));

        let set = config(&[
            ("ANKLUME_SKIP_HOST_SUBNET_CHECK", "1"),
            ("ANKLUME_HOST_RESOURCES", "none"),
            ("ANKLUME_CONTEXT_DIR", "/tmp/ctx"),
        ]);
        assert!(!set.check_host_subnets);
        assert_eq!(set.resources, Resources::Given(None));
        assert_eq!(set.context, Context::Dir("/tmp/ctx".into()));

        // Only `1` turns the check off, as before.
        assert!(config(&[("ANKLUME_SKIP_HOST_SUBNET_CHECK", "yes")]).check_host_subnets);
    }
}
