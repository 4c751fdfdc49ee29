//! Effective settings: every environment knob, its value, and where it came from.
//!
//! Settings are read once at start-up from an environment lookup (a closure, so
//! tests never touch the process environment). A value that does not parse or
//! is out of range is never fatal: it becomes a warning that names the
//! variable and the default used instead, and `/config` shows it as such.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Where a setting's value came from, shown by `/config`.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    Default,
    Env(&'static str),
    /// The variable was set but unusable; the default is in effect.
    Rejected(&'static str),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::Env(var) => write!(f, "env {var}"),
            Source::Rejected(var) => write!(f, "default ({var} rejected)"),
        }
    }
}

/// One setting and its provenance.
#[derive(Debug, Clone, PartialEq)]
pub struct Knob<T> {
    pub value: T,
    pub source: Source,
}

/// How chatty Ember (and llama.cpp's own log) is on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Debug,
    Info,
    Warning,
    Error,
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warning => "warning",
            LogLevel::Error => "error",
        })
    }
}

/// Everything the environment can tune.
#[derive(Debug, Clone)]
pub struct Settings {
    pub vault_dir: Knob<PathBuf>,
    pub mode: Knob<String>,
    pub max_tokens: Knob<u32>,
    pub threads: Knob<u32>,
    pub temperature: Knob<f32>,
    pub top_p: Knob<f32>,
    pub timeout: Knob<f64>,
    pub ctx: Knob<u32>,
    pub batch: Knob<u32>,
    pub rope_freq_base: Knob<Option<f32>>,
    pub rope_freq_scale: Knob<Option<f32>>,
    pub log_level: Knob<LogLevel>,
    /// `LLAMA_CPP_MODEL`, a file pinned by the operator.
    pub model: Option<PathBuf>,
    /// `LLAMA_CPP_MODEL_DIR`, searched before the standard directories.
    pub model_dir: Option<PathBuf>,
    pub planner_prompt: Option<PathBuf>,
    pub responder_prompt: Option<PathBuf>,
    pub repo_dir: Option<PathBuf>,
    /// The private state folder (`EMBER_STATE_DIR`, else
    /// `$XDG_STATE_HOME/ember`, else `~/.local/state/ember`); None when
    /// none of them is set.
    pub state_dir: Option<PathBuf>,
    /// `EMBER_HISTORY_FILE`, instead of the state folder's `history`.
    pub history_file: Option<PathBuf>,
    /// Colours wanted, on a terminal: `NO_COLOR` unset or empty, `TERM`
    /// not `dumb`.
    pub color: bool,
    /// `EMBER_CPU_VARIANT`: the portable build's CPU kernels, forced.
    pub cpu_variant: Option<String>,
    /// One sentence per rejected variable.
    pub warnings: Vec<String>,
}

/// One `/config` row: variable, effective value, source.
pub struct Row {
    pub var: &'static str,
    pub value: String,
    pub source: String,
}

impl Settings {
    /// Reads the settings through `env` (normally `std::env::var`).
    pub fn load(env: &dyn Fn(&str) -> Option<String>, cpu_count: u32) -> Settings {
        let mut warnings = Vec::new();
        let mut w = |msg: String| warnings.push(msg);
        let vault_dir = match non_empty(env("VAULT_DIR")) {
            Some(raw) => Knob {
                value: expand_home(&raw, env),
                source: Source::Env("VAULT_DIR"),
            },
            None => Knob {
                value: PathBuf::from("/vault"),
                source: Source::Default,
            },
        };
        let mode = match non_empty(env("EMBER_MODE")) {
            Some(raw) => Knob {
                value: raw,
                source: Source::Env("EMBER_MODE"),
            },
            None => Knob {
                value: "local".to_string(),
                source: Source::Default,
            },
        };
        let cpus = cpu_count.max(1);
        let settings = Settings {
            vault_dir,
            mode,
            max_tokens: int_knob(env, "LLAMA_CPP_MAX_TOKENS", 128, 1, 1 << 20, &mut w),
            threads: int_knob(env, "LLAMA_CPP_THREADS", cpus, 1, 1024, &mut w),
            temperature: float_knob(env, "LLAMA_CPP_TEMPERATURE", 0.2, 0.0, 10.0, &mut w),
            top_p: float_knob(env, "LLAMA_CPP_TOP_P", 0.95, f32::MIN_POSITIVE, 1.0, &mut w),
            timeout: timeout_knob(env, &mut w),
            ctx: int_knob(env, "LLAMA_CPP_CTX", 2048, 64, 1 << 24, &mut w),
            batch: int_knob(env, "LLAMA_CPP_BATCH", 128, 1, 1 << 20, &mut w),
            rope_freq_base: optional_float_knob(env, "LLAMA_CPP_ROPE_FREQ_BASE", &mut w),
            rope_freq_scale: optional_float_knob(env, "LLAMA_CPP_ROPE_FREQ_SCALE", &mut w),
            log_level: log_level_knob(env, &mut w),
            model: non_empty(env("LLAMA_CPP_MODEL")).map(|p| expand_home(&p, env)),
            model_dir: non_empty(env("LLAMA_CPP_MODEL_DIR")).map(|p| expand_home(&p, env)),
            planner_prompt: non_empty(env("LLAMA_PROMPT_PATH")).map(|p| expand_home(&p, env)),
            responder_prompt: non_empty(env("LLAMA_RESPONDER_PROMPT_PATH"))
                .map(|p| expand_home(&p, env)),
            repo_dir: non_empty(env("EMBER_REPO_DIR")).map(|p| expand_home(&p, env)),
            state_dir: crate::state::dir(env),
            history_file: env("EMBER_HISTORY_FILE")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            color: crate::term::color_wanted(env("NO_COLOR"), env("TERM")),
            cpu_variant: non_empty(env("EMBER_CPU_VARIANT")),
            warnings: Vec::new(),
        };
        Settings {
            warnings,
            ..settings
        }
    }

    /// Reads the real process environment.
    pub fn from_process_env() -> Settings {
        let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
        Settings::load(&process_var, u32::try_from(cpus).unwrap_or(2))
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_secs_f64(self.timeout.value)
    }

    /// The rows `/config` prints, in the order an operator tunes them.
    pub fn rows(&self) -> Vec<Row> {
        fn row<T: fmt::Display>(var: &'static str, k: &Knob<T>) -> Row {
            Row {
                var,
                value: k.value.to_string(),
                source: k.source.to_string(),
            }
        }
        fn opt_row(var: &'static str, k: &Knob<Option<f32>>) -> Row {
            let value = k
                .value
                .map_or_else(|| "(from model)".to_string(), |v| v.to_string());
            Row {
                var,
                value,
                source: k.source.to_string(),
            }
        }
        fn path_row(var: &'static str, p: &Option<PathBuf>, unset: &str) -> Row {
            match p {
                Some(p) => Row {
                    var,
                    value: p.display().to_string(),
                    source: format!("env {var}"),
                },
                None => Row {
                    var,
                    value: unset.to_string(),
                    source: "default".to_string(),
                },
            }
        }
        let vault = &self.vault_dir;
        vec![
            Row {
                var: "VAULT_DIR",
                value: vault.value.display().to_string(),
                source: vault.source.to_string(),
            },
            row("EMBER_MODE", &self.mode),
            path_row("EMBER_REPO_DIR", &self.repo_dir, "(searched)"),
            path_row("LLAMA_CPP_MODEL", &self.model, "(discovered)"),
            path_row("LLAMA_CPP_MODEL_DIR", &self.model_dir, "(unset)"),
            row("LLAMA_CPP_MAX_TOKENS", &self.max_tokens),
            row("LLAMA_CPP_THREADS", &self.threads),
            row("LLAMA_CPP_TEMPERATURE", &self.temperature),
            row("LLAMA_CPP_TOP_P", &self.top_p),
            row("LLAMA_CPP_TIMEOUT", &self.timeout),
            row("LLAMA_CPP_CTX", &self.ctx),
            row("LLAMA_CPP_BATCH", &self.batch),
            opt_row("LLAMA_CPP_ROPE_FREQ_BASE", &self.rope_freq_base),
            opt_row("LLAMA_CPP_ROPE_FREQ_SCALE", &self.rope_freq_scale),
            row("EMBER_LOG_LEVEL", &self.log_level),
            path_row("LLAMA_PROMPT_PATH", &self.planner_prompt, "(unset)"),
            path_row(
                "LLAMA_RESPONDER_PROMPT_PATH",
                &self.responder_prompt,
                "(unset)",
            ),
        ]
    }
}

/// A variable of the process environment: the one place ember-repl reads
/// it (`main` and [`Settings::from_process_env`] look up through this).
/// A value that is not UTF-8 counts as unset, except `NO_COLOR`, which
/// is set whatever its bytes.
pub fn process_var(key: &str) -> Option<String> {
    let value = std::env::var_os(key)?;
    if key == "NO_COLOR" {
        return Some(value.to_string_lossy().into_owned());
    }
    value.into_string().ok()
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// `~` and `~/x` expand against `HOME`, as the Python runtime's `expanduser` did.
pub fn expand_home(raw: &str, env: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    let home = || non_empty(env("HOME"));
    if raw == "~" {
        if let Some(h) = home() {
            return PathBuf::from(h);
        }
    } else if let Some(rest) = raw.strip_prefix("~/") {
        if let Some(h) = home() {
            return PathBuf::from(h).join(rest);
        }
    }
    PathBuf::from(raw)
}

fn int_knob(
    env: &dyn Fn(&str) -> Option<String>,
    var: &'static str,
    default: u32,
    min: u32,
    max: u32,
    warn: &mut dyn FnMut(String),
) -> Knob<u32> {
    let Some(raw) = non_empty(env(var)) else {
        return Knob {
            value: default,
            source: Source::Default,
        };
    };
    match raw.parse::<u32>() {
        Ok(v) if (min..=max).contains(&v) => Knob {
            value: v,
            source: Source::Env(var),
        },
        _ => {
            warn(format!(
                "{var}={raw:?} is not a whole number from {min} to {max}; using the default {default}"
            ));
            Knob {
                value: default,
                source: Source::Rejected(var),
            }
        }
    }
}

fn float_knob(
    env: &dyn Fn(&str) -> Option<String>,
    var: &'static str,
    default: f32,
    min: f32,
    max: f32,
    warn: &mut dyn FnMut(String),
) -> Knob<f32> {
    let Some(raw) = non_empty(env(var)) else {
        return Knob {
            value: default,
            source: Source::Default,
        };
    };
    match raw.parse::<f32>() {
        Ok(v) if v.is_finite() && v >= min && v <= max => Knob {
            value: v,
            source: Source::Env(var),
        },
        _ => {
            let low = if min < 1e-6 {
                "above 0".to_string()
            } else {
                format!("from {min}")
            };
            warn(format!(
                "{var}={raw:?} is not a number {low} to {max}; using the default {default}"
            ));
            Knob {
                value: default,
                source: Source::Rejected(var),
            }
        }
    }
}

fn timeout_knob(env: &dyn Fn(&str) -> Option<String>, warn: &mut dyn FnMut(String)) -> Knob<f64> {
    const VAR: &str = "LLAMA_CPP_TIMEOUT";
    let Some(raw) = non_empty(env(VAR)) else {
        return Knob {
            value: 120.0,
            source: Source::Default,
        };
    };
    match raw.parse::<f64>() {
        // A day is plenty; the bound also keeps Duration::from_secs_f64 from panicking.
        Ok(v) if v.is_finite() && v > 0.0 && v <= 86_400.0 => Knob {
            value: v,
            source: Source::Env(VAR),
        },
        _ => {
            warn(format!(
                "{VAR}={raw:?} is not a number of seconds above 0 (at most 86400); using the default 120"
            ));
            Knob {
                value: 120.0,
                source: Source::Rejected(VAR),
            }
        }
    }
}

fn optional_float_knob(
    env: &dyn Fn(&str) -> Option<String>,
    var: &'static str,
    warn: &mut dyn FnMut(String),
) -> Knob<Option<f32>> {
    let Some(raw) = non_empty(env(var)) else {
        return Knob {
            value: None,
            source: Source::Default,
        };
    };
    match raw.parse::<f32>() {
        Ok(v) if v.is_finite() && v > 0.0 => Knob {
            value: Some(v),
            source: Source::Env(var),
        },
        _ => {
            warn(format!(
                "{var}={raw:?} is not a number above 0; using the model's own value"
            ));
            Knob {
                value: None,
                source: Source::Rejected(var),
            }
        }
    }
}

fn log_level_knob(
    env: &dyn Fn(&str) -> Option<String>,
    warn: &mut dyn FnMut(String),
) -> Knob<LogLevel> {
    const VAR: &str = "EMBER_LOG_LEVEL";
    let Some(raw) = non_empty(env(VAR)) else {
        return Knob {
            value: LogLevel::Warning,
            source: Source::Default,
        };
    };
    let level = match raw.to_ascii_lowercase().as_str() {
        "debug" => LogLevel::Debug,
        "info" => LogLevel::Info,
        "warning" | "warn" => LogLevel::Warning,
        "error" | "critical" => LogLevel::Error,
        _ => {
            warn(format!(
                "{VAR}={raw:?} is not one of debug, info, warning, error; using the default warning"
            ));
            return Knob {
                value: LogLevel::Warning,
                source: Source::Rejected(VAR),
            };
        }
    };
    Knob {
        value: level,
        source: Source::Env(VAR),
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
