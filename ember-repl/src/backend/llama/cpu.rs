//! The CPU features llama.cpp was built with, for `/status`: an operator
//! sees whether this binary uses AVX2 (x86) or the dot-product kernels (Arm)
//! or runs at the baseline.

/// Shown when llama.cpp's CPU backend reports no feature at all.
const BASELINE: &str = "baseline only (no SIMD extension enabled)";

/// The features llama.cpp reports for its CPU backend, space-separated:
/// `SSE3 AVX AVX2 ...`, or the baseline message.
#[cfg(not(feature = "portable"))]
pub fn features(_forced: Option<&str>) -> String {
    from_system_info(&super::ffi::system_info())
}

/// The portable build: the features of the CPU variant library it loaded,
/// then which one and how it was chosen:
/// `SSE3 ... AVX2 ... (haswell variant, picked at run time)`.
#[cfg(feature = "portable")]
pub fn features(forced: Option<&str>) -> String {
    match super::variants::ensure(forced) {
        Ok(choice) => format!(
            "{} ({})",
            from_system_info(&super::ffi::system_info()),
            choice.describe()
        ),
        Err(why) => format!("none: {why}"),
    }
}

/// Picks the CPU backend's features out of `llama_print_system_info()`'s
/// `CPU : SSE3 = 1 | AVX = 1 | ... | OtherBackend : X = 1 | `. Features
/// with value `1` are listed by name, other non-zero values as `name=value`.
pub fn from_system_info(info: &str) -> String {
    let mut in_cpu = false;
    let mut out: Vec<String> = Vec::new();
    for part in info.split('|') {
        let mut part = part.trim();
        if let Some((backend, rest)) = part.split_once(" : ") {
            in_cpu = backend.trim() == "CPU";
            part = rest.trim();
        }
        if !in_cpu {
            continue;
        }
        let Some((name, value)) = part.split_once('=') else {
            continue;
        };
        let (name, value) = (name.trim(), value.trim());
        match value {
            "" | "0" => {}
            "1" => out.push(name.to_string()),
            v => out.push(format!("{name}={v}")),
        }
    }
    if out.is_empty() {
        BASELINE.to_string()
    } else {
        out.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_cpu_backend_enabled_features() {
        let info = "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX2 = 1 | AVX512 = 0 | LLAMAFILE = 1 | OPENMP = 1 | REPACK = 1 | ";
        assert_eq!(
            from_system_info(info),
            "SSE3 SSSE3 AVX AVX2 LLAMAFILE OPENMP REPACK"
        );
    }

    #[test]
    fn ignores_other_backends_and_shows_values() {
        let info = "Metal : EMBED_LIBRARY = 1 | CPU : NEON = 1 | DOTPROD = 1 | SVE_CNT = 16 | BLAS : ACCELERATE = 1 | ";
        assert_eq!(from_system_info(info), "NEON DOTPROD SVE_CNT=16");
    }

    #[test]
    fn nothing_enabled_is_the_baseline() {
        assert_eq!(from_system_info("CPU : REPACK = 0 | "), BASELINE);
        assert_eq!(from_system_info(""), BASELINE);
        assert_eq!(from_system_info("garbage without structure"), BASELINE);
    }
}
