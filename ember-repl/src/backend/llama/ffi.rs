//! Safe owners of llama.cpp's raw objects (model, context, batch, sampler),
//! and the C callbacks llama.cpp calls back into.
//!
//! All of llama.cpp's `unsafe` lives here (the crate's other unsafe code is
//! the libc calls in `os.rs`); no raw pointer crosses this module's safe API. Each type owns one pointer and frees
//! it on drop; every call checks its inputs so that no Rust-side mistake can
//! reach one of llama.cpp's `GGML_ASSERT`s (which abort the process): batches
//! never exceed their capacity, token ids are checked against the vocabulary,
//! lengths are checked before the casts to `i32`.

use super::stop::Flags;
use llama_cpp_sys_2 as sys;
use std::ffi::{c_char, c_void, CStr, CString};
use std::path::Path;
use std::ptr::NonNull;
use std::sync::{Arc, Once};

/// llama.cpp's "pick a random seed" value.
const DEFAULT_SEED: u32 = 0xFFFF_FFFF;

/// Installs the log capture, once: before anything that logs.
pub fn init_log() {
    static LOG: Once = Once::new();
    LOG.call_once(|| {
        // SAFETY: the callback is a plain function valid for the program's life.
        unsafe { sys::llama_log_set(Some(log_callback), std::ptr::null_mut()) }
    });
}

/// Installs the log capture, then initialises llama.cpp, once. The portable
/// build loads its CPU backend before (`variants::ensure`): finding no
/// backend registered, llama_backend_init would load ggml's default search
/// paths, the build folder and the current directory among them.
pub fn init_backend() {
    init_log();
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // SAFETY: no arguments; safe to call once the log hook is set.
        unsafe { sys::llama_backend_init() }
    });
}

/// llama.cpp's `llama_print_system_info()`: each backend's features,
/// e.g. `CPU : SSE3 = 1 | AVX2 = 1 | ... | `.
pub fn system_info() -> String {
    init_backend();
    // SAFETY: returns a pointer to a static buffer (or null), NUL-terminated.
    let ptr = unsafe { sys::llama_print_system_info() };
    if ptr.is_null() {
        return String::new();
    }
    // SAFETY: non-null and NUL-terminated, per llama.cpp.
    unsafe { std::ffi::CStr::from_ptr(ptr) }
        .to_string_lossy()
        .into_owned()
}

/// Portable build: loads every backend library in `dir`, ggml taking for
/// each kind (CPU, ...) the file whose score function rates this machine
/// highest (0: it cannot run here).
#[cfg(feature = "portable")]
pub fn load_best_backends(dir: &Path) -> Result<(), String> {
    let c_dir = CString::new(dir.as_os_str().as_encoded_bytes())
        .map_err(|_| format!("{} contains a NUL byte", dir.display()))?;
    // SAFETY: a NUL-terminated path that outlives the call; ggml only reads it.
    unsafe { sys::ggml_backend_load_all_from_path(c_dir.as_ptr()) };
    Ok(())
}

/// Portable build: loads the one backend library at `path`; false when
/// ggml refuses it (its score says this CPU cannot run it, or it does not
/// load: the reason is in llama.cpp's log).
#[cfg(feature = "portable")]
pub fn load_backend(path: &Path) -> bool {
    let Ok(c_path) = CString::new(path.as_os_str().as_encoded_bytes()) else {
        return false;
    };
    // SAFETY: as above; the registry keeps the library loaded for the
    // program's life.
    !unsafe { sys::ggml_backend_load(c_path.as_ptr()) }.is_null()
}

/// Portable build: the file the registered CPU backend was loaded from
/// (`.../libggml-cpu-haswell.so`), None when no CPU backend is registered.
#[cfg(feature = "portable")]
pub fn cpu_backend_file() -> Option<std::path::PathBuf> {
    use std::os::unix::ffi::OsStrExt as _;
    // SAFETY: a NUL-terminated literal; returns null or a registry entry
    // that lives as long as the program.
    let reg = unsafe { sys::ggml_backend_reg_by_name(c"CPU".as_ptr()) };
    if reg.is_null() {
        return None;
    }
    // The registry entry is a static of the variant library: the dynamic
    // loader knows which file holds that address.
    let mut info = std::mem::MaybeUninit::<libc::Dl_info>::zeroed();
    // SAFETY: dladdr only reads the address and fills `info`, which is
    // valid for writes; it returns 0 (info untouched) if no object holds it.
    let found = unsafe { libc::dladdr(reg.cast_const().cast(), info.as_mut_ptr()) };
    if found == 0 {
        return None;
    }
    // SAFETY: dladdr succeeded, so `info` is initialised.
    let info = unsafe { info.assume_init() };
    if info.dli_fname.is_null() {
        return None;
    }
    // SAFETY: non-null, NUL-terminated, owned by the loader while the
    // library stays loaded (for the program's life).
    let name = unsafe { std::ffi::CStr::from_ptr(info.dli_fname) };
    Some(std::ffi::OsStr::from_bytes(name.to_bytes()).into())
}

/// The SIMD features ggml's CPU code was compiled with, asked one by one,
/// for the tests to check `system_info` against. (The portable build links
/// no CPU code: it is in the variant libraries.)
#[cfg(all(test, not(feature = "portable")))]
pub fn compiled_cpu_features() -> Vec<&'static str> {
    // SAFETY: these only read compile-time constants.
    let checks: [(&str, unsafe extern "C" fn() -> std::os::raw::c_int); 9] = [
        ("SSE3", sys::ggml_cpu_has_sse3),
        ("AVX", sys::ggml_cpu_has_avx),
        ("AVX2", sys::ggml_cpu_has_avx2),
        ("F16C", sys::ggml_cpu_has_f16c),
        ("FMA", sys::ggml_cpu_has_fma),
        ("AVX512", sys::ggml_cpu_has_avx512),
        ("NEON", sys::ggml_cpu_has_neon),
        ("DOTPROD", sys::ggml_cpu_has_dotprod),
        ("MATMUL_INT8", sys::ggml_cpu_has_matmul_int8),
    ];
    checks
        .into_iter()
        // SAFETY: see above.
        .filter(|(_, has)| unsafe { has() } != 0)
        .map(|(name, _)| name)
        .collect()
}

/// The hook given to `llama_log_set`. Never panics (it runs inside C code).
unsafe extern "C" fn log_callback(
    level: sys::ggml_log_level,
    text: *const c_char,
    _data: *mut c_void,
) {
    if text.is_null() {
        return;
    }
    // SAFETY: llama.cpp passes a NUL-terminated string valid for this call.
    let text = unsafe { CStr::from_ptr(text) }.to_string_lossy();
    super::log::record(level, &text);
}

/// Called by llama.cpp while it loads a model; false stops the load.
unsafe extern "C" fn progress_callback(_progress: f32, data: *mut c_void) -> bool {
    // SAFETY: `data` is the `Flags` borrowed by `Model::load` for the length
    // of the load, the only time llama.cpp calls this.
    let flags = unsafe { &*data.cast_const().cast::<Flags>() };
    !flags.cancelled()
}

/// Called by llama.cpp between the operations of a decode; true aborts it.
unsafe extern "C" fn abort_callback(data: *mut c_void) -> bool {
    // SAFETY: `data` is the `Flags` the context holds an `Arc` of, alive as
    // long as the context that calls this.
    let flags = unsafe { &*data.cast_const().cast::<Flags>() };
    flags.should_stop()
}

/// The address llama.cpp hands back to a callback.
fn user_data(flags: &Flags) -> *mut c_void {
    std::ptr::from_ref(flags).cast_mut().cast()
}

pub struct Model {
    ptr: NonNull<sys::llama_model>,
    vocab: NonNull<sys::llama_vocab>,
}

impl Model {
    /// Loads the file; None when llama.cpp refuses it (the reason is in its log).
    /// Ctrl-C (`flags`) stops the load.
    pub fn load(path: &Path, flags: &Flags) -> Option<Model> {
        let c_path = CString::new(path.as_os_str().as_encoded_bytes()).ok()?;
        // SAFETY: default params are plain data; the path and the flags the
        // progress callback reads outlive the call, which is the only time
        // llama.cpp calls it.
        unsafe {
            let mut params = sys::llama_model_default_params();
            params.n_gpu_layers = 0;
            params.progress_callback = Some(progress_callback);
            params.progress_callback_user_data = user_data(flags);
            let ptr = NonNull::new(sys::llama_model_load_from_file(c_path.as_ptr(), params))?;
            let Some(vocab) = NonNull::new(sys::llama_model_get_vocab(ptr.as_ptr()).cast_mut())
            else {
                sys::llama_model_free(ptr.as_ptr());
                return None;
            };
            Some(Model { ptr, vocab })
        }
    }

    pub fn description(&self) -> String {
        let mut buf = vec![0u8; 256];
        // SAFETY: the buffer length is passed; llama.cpp writes a NUL-terminated string.
        let n =
            unsafe { sys::llama_model_desc(self.ptr.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
        let n = usize::try_from(n)
            .unwrap_or(0)
            .min(buf.len().saturating_sub(1));
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }

    pub fn size_bytes(&self) -> u64 {
        // SAFETY: valid model pointer.
        unsafe { sys::llama_model_size(self.ptr.as_ptr()) }
    }

    pub fn n_params(&self) -> u64 {
        // SAFETY: valid model pointer.
        unsafe { sys::llama_model_n_params(self.ptr.as_ptr()) }
    }

    pub fn n_vocab(&self) -> i32 {
        // SAFETY: valid vocab pointer.
        unsafe { sys::llama_vocab_n_tokens(self.vocab.as_ptr()) }
    }

    pub fn bos(&self) -> i32 {
        // SAFETY: valid vocab pointer.
        unsafe { sys::llama_vocab_bos(self.vocab.as_ptr()) }
    }

    pub fn is_eog(&self, token: i32) -> bool {
        // SAFETY: valid vocab pointer; any id is accepted (it is a lookup).
        self.valid(token) && unsafe { sys::llama_vocab_is_eog(self.vocab.as_ptr(), token) }
    }

    /// End-of-generation token ids (EOS, EOT), for suppressing them in benchmarks.
    pub fn eog_tokens(&self) -> Vec<i32> {
        (0..self.n_vocab()).filter(|t| self.is_eog(*t)).collect()
    }

    pub fn valid(&self, token: i32) -> bool {
        (0..self.n_vocab()).contains(&token)
    }

    /// Tokenizes `text`, adding BOS if the model wants it. Special-token text
    /// typed by the operator (`</s>`) stays plain text.
    pub fn tokenize(&self, text: &str) -> Result<Vec<i32>, String> {
        let len = i32::try_from(text.len())
            .map_err(|_| "the prompt is too large to tokenize".to_string())?;
        let mut tokens: Vec<i32> = vec![0; text.len() + 2];
        for _ in 0..2 {
            let cap =
                i32::try_from(tokens.len()).map_err(|_| "the prompt is too large".to_string())?;
            // SAFETY: `tokens` has room for `cap` ids; `text` is `len` valid bytes.
            let n = unsafe {
                sys::llama_tokenize(
                    self.vocab.as_ptr(),
                    text.as_ptr().cast(),
                    len,
                    tokens.as_mut_ptr(),
                    cap,
                    true,
                    false,
                )
            };
            if n >= 0 {
                tokens.truncate(usize::try_from(n).unwrap_or(0));
                return Ok(tokens);
            }
            if n == i32::MIN {
                break;
            }
            tokens.resize(n.unsigned_abs() as usize, 0);
        }
        Err("the tokenizer failed on this prompt".to_string())
    }

    /// Appends the bytes of `token` to `out` (no special-token text).
    pub fn piece(&self, token: i32, out: &mut Vec<u8>) {
        if !self.valid(token) {
            return;
        }
        let mut buf = [0u8; 128];
        // SAFETY: the buffer length is passed; the token id was checked.
        let n = unsafe {
            sys::llama_token_to_piece(
                self.vocab.as_ptr(),
                token,
                buf.as_mut_ptr().cast(),
                128,
                0,
                false,
            )
        };
        if let Ok(n) = usize::try_from(n) {
            out.extend_from_slice(&buf[..n.min(buf.len())]);
            return;
        }
        let mut big = vec![0u8; n.unsigned_abs() as usize];
        let cap = i32::try_from(big.len()).unwrap_or(i32::MAX);
        // SAFETY: as above, with a buffer of the size llama.cpp asked for.
        let n = unsafe {
            sys::llama_token_to_piece(
                self.vocab.as_ptr(),
                token,
                big.as_mut_ptr().cast(),
                cap,
                0,
                false,
            )
        };
        if let Ok(n) = usize::try_from(n) {
            out.extend_from_slice(&big[..n.min(big.len())]);
        }
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        // SAFETY: we own the model; contexts using it are dropped first (see `Loaded`).
        unsafe { sys::llama_model_free(self.ptr.as_ptr()) }
    }
}

/// Context settings (the `LLAMA_CPP_*` knobs that apply to a context).
pub struct ContextParams {
    pub n_ctx: u32,
    pub n_batch: u32,
    pub threads: i32,
    pub rope_freq_base: f32,
    pub rope_freq_scale: f32,
}

pub struct Context {
    ptr: NonNull<sys::llama_context>,
    /// Read by the abort callback: kept alive as long as the context.
    _flags: Arc<Flags>,
}

impl Context {
    /// Creates a context; None when llama.cpp refuses (reason in its log).
    /// `flags` stop a decode (Ctrl-C, deadline) through the abort callback.
    pub fn new(model: &Model, p: &ContextParams, flags: Arc<Flags>) -> Option<Context> {
        // SAFETY: plain-data params; the abort callback's flags are owned by
        // the context returned, so they outlive every call.
        unsafe {
            let mut params = sys::llama_context_default_params();
            params.n_ctx = p.n_ctx;
            params.n_batch = p.n_batch;
            params.n_ubatch = p.n_batch;
            params.n_seq_max = 1;
            params.n_threads = p.threads;
            params.n_threads_batch = p.threads;
            params.rope_freq_base = p.rope_freq_base;
            params.rope_freq_scale = p.rope_freq_scale;
            params.abort_callback = Some(abort_callback);
            params.abort_callback_data = user_data(&flags);
            params.no_perf = true;
            let ptr = NonNull::new(sys::llama_init_from_model(model.ptr.as_ptr(), params))?;
            Some(Context { ptr, _flags: flags })
        }
    }

    pub fn n_ctx(&self) -> u32 {
        // SAFETY: valid context.
        unsafe { sys::llama_n_ctx(self.ptr.as_ptr()) }
    }

    pub fn n_batch(&self) -> u32 {
        // SAFETY: valid context.
        unsafe { sys::llama_n_batch(self.ptr.as_ptr()) }
    }

    /// Runs the batch; llama.cpp's return code (0 ok, 1 no room, 2 aborted, <0 error).
    pub fn decode(&mut self, batch: &Batch) -> i32 {
        if batch.len() == 0 {
            return 0;
        }
        // SAFETY: the batch holds `len` initialised entries within its capacity,
        // and the capacity never exceeds the context's n_batch (checked by the caller).
        unsafe { sys::llama_decode(self.ptr.as_ptr(), batch.raw) }
    }

    /// Forgets every cached token.
    pub fn clear(&mut self) {
        // SAFETY: valid context; the memory handle belongs to it.
        unsafe { sys::llama_memory_clear(sys::llama_get_memory(self.ptr.as_ptr()), true) }
    }

    /// Drops cached positions from `p0` on; false if the cache cannot do partial removal.
    pub fn truncate(&mut self, p0: i32) -> bool {
        // SAFETY: valid context; sequence 0 is the only one we use.
        unsafe { sys::llama_memory_seq_rm(sys::llama_get_memory(self.ptr.as_ptr()), 0, p0, -1) }
    }

    fn as_ptr(&self) -> *mut sys::llama_context {
        self.ptr.as_ptr()
    }
}

impl Drop for Context {
    fn drop(&mut self) {
        // SAFETY: we own the context.
        unsafe { sys::llama_free(self.ptr.as_ptr()) }
    }
}

/// A token batch for one sequence, with a fixed capacity.
pub struct Batch {
    raw: sys::llama_batch,
    cap: usize,
}

impl Batch {
    pub fn new(cap: u32) -> Batch {
        let cap_i = i32::try_from(cap.max(1)).unwrap_or(i32::MAX);
        // SAFETY: allocates `cap` entries with one sequence id each.
        let raw = unsafe { sys::llama_batch_init(cap_i, 0, 1) };
        Batch {
            raw,
            cap: usize::try_from(cap_i).unwrap_or(1),
        }
    }

    pub fn capacity(&self) -> usize {
        self.cap
    }

    pub fn len(&self) -> usize {
        usize::try_from(self.raw.n_tokens).unwrap_or(0)
    }

    pub fn clear(&mut self) {
        self.raw.n_tokens = 0;
    }

    /// Adds a token at `pos`; false (nothing added) when the batch is full.
    pub fn push(&mut self, token: i32, pos: i32, logits: bool) -> bool {
        let i = self.len();
        if i >= self.cap {
            return false;
        }
        // SAFETY: `i` is below the capacity the arrays were allocated with, and
        // each `seq_id[i]` points at an array of one id (n_seq_max = 1).
        unsafe {
            *self.raw.token.add(i) = token;
            *self.raw.pos.add(i) = pos;
            *self.raw.n_seq_id.add(i) = 1;
            *(*self.raw.seq_id.add(i)) = 0;
            *self.raw.logits.add(i) = i8::from(logits);
        }
        self.raw.n_tokens += 1;
        true
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        // SAFETY: allocated by llama_batch_init, freed once.
        unsafe { sys::llama_batch_free(self.raw) }
    }
}

/// A sampler chain.
pub struct Sampler {
    ptr: NonNull<sys::llama_sampler>,
}

/// Sampling settings; temperature 0 means greedy.
pub struct SamplerParams {
    pub temperature: f32,
    pub top_p: f32,
    pub top_k: i32,
    pub min_p: f32,
    /// Tokens to forbid (end-of-generation, for benchmarks).
    pub banned: Vec<i32>,
    pub n_vocab: i32,
}

impl Sampler {
    pub fn new(p: &SamplerParams) -> Option<Sampler> {
        // SAFETY: each sampler created is handed to the chain, which owns it.
        unsafe {
            let chain = NonNull::new(sys::llama_sampler_chain_init(
                sys::llama_sampler_chain_default_params(),
            ))?;
            let s = Sampler { ptr: chain };
            let add = |x: *mut sys::llama_sampler| {
                if !x.is_null() {
                    sys::llama_sampler_chain_add(chain.as_ptr(), x);
                }
            };
            if !p.banned.is_empty() {
                let bias: Vec<sys::llama_logit_bias> = p
                    .banned
                    .iter()
                    .map(|&token| sys::llama_logit_bias {
                        token,
                        bias: f32::NEG_INFINITY,
                    })
                    .collect();
                let n = i32::try_from(bias.len()).unwrap_or(0);
                add(sys::llama_sampler_init_logit_bias(
                    p.n_vocab,
                    n,
                    bias.as_ptr(),
                ));
            }
            if p.temperature <= 0.0 {
                add(sys::llama_sampler_init_greedy());
            } else {
                add(sys::llama_sampler_init_top_k(p.top_k));
                add(sys::llama_sampler_init_top_p(p.top_p, 1));
                add(sys::llama_sampler_init_min_p(p.min_p, 1));
                add(sys::llama_sampler_init_temp(p.temperature));
                add(sys::llama_sampler_init_dist(DEFAULT_SEED));
            }
            Some(s)
        }
    }

    /// Samples from the last output of the latest decode (and records the choice).
    pub fn sample(&mut self, ctx: &Context) -> i32 {
        // SAFETY: valid sampler and context; idx -1 is the last output row,
        // which every decode we issue requests.
        unsafe { sys::llama_sampler_sample(self.ptr.as_ptr(), ctx.as_ptr(), -1) }
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        // SAFETY: we own the chain (and through it every sampler added).
        unsafe { sys::llama_sampler_free(self.ptr.as_ptr()) }
    }
}
