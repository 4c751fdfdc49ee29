#!/usr/bin/env bash
# bench/ember-repl.sh — ember-repl (Rust, llama.cpp in-process) against what
# Ember used before (llama-cpp-python) and llama.cpp's C API
# without bindings.
#
# Model: a llama-architecture GGUF with random weights written by
# `ember-repl fixture --preset bench` (about 100 M parameters, Q8_0 by
# default): no download, and every side loads the very same file.
#
# Measured, each side with the same threads, context, batch and sampling
# (temperature 0.2, top-p 0.95, top-k 40, min-p 0.05), end-of-text suppressed
# so every run generates TOKENS tokens:
#   load      model file to ready context
#   ttft      prompt evaluation + first token (cold: whole prompt evaluated
#             every run), median of RUNS
#   gen tok/s generated tokens after the first, per second (median of RUNS)
# and for ember-repl alone: startup to prompt, RSS before any model load,
# `ember-repl hud` latency.
#
# What is the same and what still differs between ember-repl and the C loop
# (native build, checked in both CMakeCache.txt files): both CMake Release
# (-O3 -DNDEBUG), GGML_NATIVE=ON, OpenMP, same sampler chain (logit bias,
# top-k, top-p, min-p, temperature, dist), prompt fed in n_batch chunks with
# logits for the last token only. ember-repl's llama.cpp is compiled through
# cargo's cmake crate, which adds -ffunction-sections -fdata-sections -fPIC;
# its load also reads the GGUF header once more (the metadata check) and
# decodes each token to UTF-8 for the terminal.
#
# The comparison sides are built under $WORK (default /tmp/ember-bench) and
# reused by later runs; nothing lands in the repository:
#   llama.cpp      a minimal C++ loop over llama.cpp's C API, built with
#                  llama.cpp's CMake defaults from the sources vendored in
#                  llama-cpp-sys-2 (the crate strips llama.cpp's own tools);
#                  skipped if cmake is absent
#   llama-cpp-python  pip install into a throwaway venv (compiles llama.cpp;
#                  slow the first time); skipped with NO_PYTHON=1
#
# The machine should be otherwise idle: llama.cpp's worker threads meet at a
# barrier after every operation, so with THREADS equal to the core count any
# other load stalls every side now and then (a run can drop to a tenth of its
# speed). THREADS=1 gives steadier numbers on a busy machine; otherwise
# compare medians over several invocations.
#
# Environment:
#   BIN       ember-repl binary (default target/native/release/ember-repl, as
#             `make build-ember` builds it for this CPU; built if missing);
#             target/portable/dist/bin/ember-repl is the portable build
#             (`make build-ember-portable`, the Debian package's)
#   WORK      scratch/cache directory (default /tmp/ember-bench)
#   THREADS   threads for every side (default: CPU count)
#   TOKENS    tokens generated per run (default 128)
#   RUNS      runs per side and round (default 3)
#   ROUNDS    rounds, the sides taking turns (default 1; 5+ on a shared VM)
#   WEIGHTS   fixture weight type: q8_0 (default), f16, f32
#   CTX BATCH context and batch size (defaults 2048 and 128, Ember's)
#   HUD_MODELS models in the folder `hud` discovers (default 3000)
#   NO_PYTHON=1, NO_LLAMA_CPP=1  skip a comparison side

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${BIN:-$ROOT/target/native/release/ember-repl}"
WORK="${WORK:-/tmp/ember-bench}"
THREADS="${THREADS:-$(nproc)}"
TOKENS="${TOKENS:-128}"
RUNS="${RUNS:-3}"
ROUNDS="${ROUNDS:-1}"
WEIGHTS="${WEIGHTS:-q8_0}"
CTX="${CTX:-2048}"
BATCH="${BATCH:-128}"
HUD_MODELS="${HUD_MODELS:-3000}"
mkdir -p "$WORK"

say() { printf '\n== %s\n' "$*" >&2; }

if [[ ! -x "$BIN" ]]; then
    say "building $BIN with make build-ember (compiles llama.cpp: several minutes)"
    make -C "$ROOT" --no-print-directory build-ember >&2
fi

MODEL="$WORK/bench-$WEIGHTS.gguf"
if [[ ! -s "$MODEL" ]]; then
    say "writing $MODEL"
    "$BIN" fixture "$MODEL" --preset bench --weights "$WEIGHTS"
fi
PROMPT="$WORK/prompt.txt"
cat >"$PROMPT" <<'EOF'
You are Ember, the runtime of an edge node. The operator asks: is the vault
mounted, which model is loaded, and how healthy is the node? Summarise the
status in two sentences and suggest one command to check the details.
EOF

# Microseconds from bash's own clock: a $(date) would add a fork and an exec
# to every figure.
now_us() { local t=${EPOCHREALTIME/[.,]/}; echo "$t"; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# The CPU backend's enabled features out of llama_print_system_info()'s
# "CPU : SSE3 = 1 | AVX = 0 | ... | OtherBackend : ... |", as ember-repl's
# /status shows them; "-" when the side printed nothing.
cpu_features() {
    awk -v RS='|' '
        { sub(/^[ \t\n]+/, ""); sub(/[ \t\n]+$/, "") }
        / : / { split($0, b, " : "); cpu = (b[1] == "CPU"); $0 = b[2] }
        cpu && /=/ { split($0, f, " = "); if (f[2] == "1") out = out " " f[1]; else if (f[2] != "0") out = out " " f[1] "=" f[2] }
        END { sub(/^ /, "", out); print (out == "" ? "-" : out) }'
}

# ── ember-repl ───────────────────────────────────────────
say "ember-repl: startup, memory, hud"
export LLAMA_CPP_THREADS="$THREADS" LLAMA_CPP_CTX="$CTX" LLAMA_CPP_BATCH="$BATCH"
export EMBER_STATE_DIR="$WORK/state" VAULT_DIR="$WORK" LLAMA_CPP_MODEL="$MODEL"
startup=()
for _ in $(seq 20); do
    t0=${EPOCHREALTIME/[.,]/}
    printf 'quit\n' | "$BIN" >/dev/null
    startup+=($(( ${EPOCHREALTIME/[.,]/} - t0 )))
done
startup_us=$(printf '%s\n' "${startup[@]}" | median)
hud=()
for _ in $(seq 50); do
    t0=${EPOCHREALTIME/[.,]/}
    "$BIN" hud >/dev/null
    hud+=($(( ${EPOCHREALTIME/[.,]/} - t0 )))
done
hud_us=$(printf '%s\n' "${hud[@]}" | median)
# The same with no model pinned and HUD_MODELS models to discover (the
# status bar of a node with a big models folder): hard links to the bench
# model, so the folder costs no disk.
many="$WORK/models-$HUD_MODELS"
if [[ ! -e "$many/model-$HUD_MODELS.gguf" ]]; then
    rm -rf "$many" && mkdir -p "$many"
    for i in $(seq "$HUD_MODELS"); do ln "$MODEL" "$many/model-$i.gguf"; done
fi
hud=()
# Not through `env -u`: its own exec would count.
unset LLAMA_CPP_MODEL
export LLAMA_CPP_MODEL_DIR="$many"
for _ in $(seq 50); do
    t0=${EPOCHREALTIME/[.,]/}
    "$BIN" hud >/dev/null
    hud+=($(( ${EPOCHREALTIME/[.,]/} - t0 )))
done
hud_many_us=$(printf '%s\n' "${hud[@]}" | median)
export LLAMA_CPP_MODEL="$MODEL"
unset LLAMA_CPP_MODEL_DIR
# RSS at the prompt: stdin held open on a fifo so the REPL waits for input.
fifo="$WORK/stdin.fifo"
rm -f "$fifo" && mkfifo "$fifo"
"$BIN" <"$fifo" >/dev/null &
pid=$!
exec 3>"$fifo"
sleep 0.5
rss_idle_kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
printf 'quit\n' >&3
exec 3>&-
wait "$pid" || true
rm -f "$fifo"

say "ember-repl: load, first token, generation"
ours="$("$BIN" bench --model "$MODEL" --prompt-file "$PROMPT" --tokens "$TOKENS" --runs "$RUNS")"
echo "$ours" >&2
ours_ptok=$(sed -n 's/^run=0 prompt_tokens=\([0-9]*\).*/\1/p' <<<"$ours")
ours_cpu=$(sed -n 's/^cpu_features=//p' <<<"$ours")

# ── llama.cpp without bindings ───────────────────────────
# The crate vendors llama.cpp's library but strips its tools (llama-cli,
# llama-bench), so the reference is a minimal C++ loop over the same C API,
# built with llama.cpp's own CMake defaults (native CPU flags, OpenMP when
# available) from the very sources ember-repl links.
cpp_load="-" cpp_ttft="-" cpp_tg="-" cpp_cpu="-"
# The llama.cpp that ember-repl links: the version pinned in Cargo.lock.
sys_version=$(awk '/^name = "llama-cpp-sys-2"/ {getline; gsub(/[^0-9.]/, ""); print}' "$ROOT/Cargo.lock")
SRC=""
for d in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/"llama-cpp-sys-2-$sys_version"/llama.cpp; do
    [[ -d "$d" ]] && SRC="$d"
done
if [[ -z "${NO_LLAMA_CPP:-}" && -n "$SRC" ]] && command -v cmake >/dev/null; then
    REF="$WORK/ref"
    mkdir -p "$REF"
    cat >"$REF/CMakeLists.txt.new" <<'CMAKE'
cmake_minimum_required(VERSION 3.14)
project(ember_ref C CXX)
set(LLAMA_BUILD_COMMON OFF CACHE BOOL "" FORCE)
set(LLAMA_BUILD_TOOLS OFF CACHE BOOL "" FORCE)
set(LLAMA_BUILD_EXAMPLES OFF CACHE BOOL "" FORCE)
set(LLAMA_BUILD_TESTS OFF CACHE BOOL "" FORCE)
set(LLAMA_BUILD_SERVER OFF CACHE BOOL "" FORCE)
set(LLAMA_OPENSSL OFF CACHE BOOL "" FORCE)
set(BUILD_SHARED_LIBS OFF CACHE BOOL "" FORCE)
add_subdirectory(${LLAMA_SRC} llama.cpp)
add_executable(ref-gen ref.cpp)
target_link_libraries(ref-gen PRIVATE llama)
target_compile_features(ref-gen PRIVATE cxx_std_17)
CMAKE
    cat >"$REF/ref.cpp.new" <<'CPP'
// Load, evaluate the prompt in n_batch chunks, sample with ember-repl's chain
// (end-of-text banned), print the same key=value lines as `ember-repl bench`.
#include "llama.h"
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using Clock = std::chrono::steady_clock;
static double ms(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}
static void quiet(ggml_log_level, const char *, void *) {}

int main(int argc, char **argv) {
    if (argc < 8) {
        fprintf(stderr, "usage: ref-gen MODEL PROMPT_FILE TOKENS RUNS THREADS CTX BATCH\n");
        return 2;
    }
    std::ifstream in(argv[2]);
    std::stringstream buf;
    buf << in.rdbuf();
    const std::string prompt = buf.str();
    const int n_gen = atoi(argv[3]), runs = atoi(argv[4]), threads = atoi(argv[5]);
    const int n_ctx = atoi(argv[6]), n_batch = atoi(argv[7]);

    llama_log_set(quiet, nullptr);
    llama_backend_init();
    auto t0 = Clock::now();
    llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = 0;
    llama_model *model = llama_model_load_from_file(argv[1], mp);
    if (!model) return 1;
    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = n_ctx;
    cp.n_batch = n_batch;
    cp.n_ubatch = n_batch;
    cp.n_threads = threads;
    cp.n_threads_batch = threads;
    cp.no_perf = true;
    llama_context *ctx = llama_init_from_model(model, cp);
    if (!ctx) return 1;
    printf("load_ms=%.1f\n", ms(t0, Clock::now()));
    printf("system_info=%s\n", llama_print_system_info());

    const llama_vocab *vocab = llama_model_get_vocab(model);
    std::vector<llama_logit_bias> banned;
    for (llama_token t = 0; t < llama_vocab_n_tokens(vocab); t++)
        if (llama_vocab_is_eog(vocab, t)) banned.push_back({t, -INFINITY});
    llama_batch batch = llama_batch_init(n_batch, 0, 1);
    auto add = [&](llama_token t, int pos, bool logits) {
        int i = batch.n_tokens++;
        batch.token[i] = t;
        batch.pos[i] = pos;
        batch.n_seq_id[i] = 1;
        batch.seq_id[i][0] = 0;
        batch.logits[i] = logits;
    };
    std::vector<double> rates;
    for (int run = 0; run < runs; run++) {
        const std::string text = "Run " + std::to_string(run) + ". " + prompt;
        llama_memory_clear(llama_get_memory(ctx), true);
        auto start = Clock::now();
        std::vector<llama_token> toks(text.size() + 2);
        int n = llama_tokenize(vocab, text.c_str(), (int) text.size(), toks.data(), (int) toks.size(), true, false);
        toks.resize(std::max(n, 0));
        for (int i = 0; i < n; i += n_batch) {
            batch.n_tokens = 0;
            for (int j = i; j < std::min(n, i + n_batch); j++) add(toks[j], j, j == n - 1);
            if (llama_decode(ctx, batch) != 0) return 1;
        }
        llama_sampler *smpl = llama_sampler_chain_init(llama_sampler_chain_default_params());
        llama_sampler_chain_add(smpl, llama_sampler_init_logit_bias(llama_vocab_n_tokens(vocab), (int) banned.size(), banned.data()));
        llama_sampler_chain_add(smpl, llama_sampler_init_top_k(40));
        llama_sampler_chain_add(smpl, llama_sampler_init_top_p(0.95f, 1));
        llama_sampler_chain_add(smpl, llama_sampler_init_min_p(0.05f, 1));
        llama_sampler_chain_add(smpl, llama_sampler_init_temp(0.2f));
        llama_sampler_chain_add(smpl, llama_sampler_init_dist(LLAMA_DEFAULT_SEED));
        Clock::time_point first = Clock::now();
        int pos = n;
        char piece[256];
        for (int g = 0; g < n_gen; g++) {
            llama_token t = llama_sampler_sample(smpl, ctx, -1);
            if (g == 0) first = Clock::now();
            llama_token_to_piece(vocab, t, piece, sizeof piece, 0, false);
            if (g + 1 == n_gen) break;
            batch.n_tokens = 0;
            add(t, pos++, true);
            if (llama_decode(ctx, batch) != 0) return 1;
        }
        auto end = Clock::now();
        double rate = (n_gen - 1) / (ms(first, end) / 1000.0);
        printf("run=%d prompt_tokens=%d ttft_ms=%.1f gen_tokens=%d gen_tok_s=%.1f\n", run, n, ms(start, first), n_gen, rate);
        rates.push_back(rate);
        llama_sampler_free(smpl);
    }
    std::sort(rates.begin(), rates.end());
    printf("gen_tok_s_median=%.1f\n", rates[rates.size() / 2]);
    return 0;
}
CPP
    # Replace the sources only when they changed, so the build is reused.
    for f in CMakeLists.txt ref.cpp; do
        cmp -s "$REF/$f.new" "$REF/$f" || mv "$REF/$f.new" "$REF/$f"
        rm -f "$REF/$f.new"
    done
    if [[ ! -x "$REF/build/ref-gen" || "$REF/ref.cpp" -nt "$REF/build/ref-gen" ]]; then
        say "building the llama.cpp reference loop from $SRC (first time only)"
        cmake -S "$REF" -B "$REF/build" -DCMAKE_BUILD_TYPE=Release -DLLAMA_SRC="$SRC" >&2
        cmake --build "$REF/build" -j "$(nproc)" --target ref-gen >&2
    fi
    say "llama.cpp C API loop"
    ref="$("$REF/build/ref-gen" "$MODEL" "$PROMPT" "$TOKENS" "$RUNS" "$THREADS" "$CTX" "$BATCH")"
    echo "$ref" >&2
    cpp_cpu=$(sed -n 's/^system_info=//p' <<<"$ref" | cpu_features)
else
    say "llama.cpp reference skipped (no vendored sources, no cmake, or NO_LLAMA_CPP)"
fi

# More rounds, the two sides taking turns, so that a slow spell of a shared
# machine falls on both; every figure is the median over all rounds.
for ((round = 2; round <= ROUNDS; round++)); do
    say "round $round of $ROUNDS"
    ours+=$'\n'"$("$BIN" bench --model "$MODEL" --prompt-file "$PROMPT" --tokens "$TOKENS" --runs "$RUNS")"
    if [[ -n "${ref:-}" ]]; then
        ref+=$'\n'"$("$REF/build/ref-gen" "$MODEL" "$PROMPT" "$TOKENS" "$RUNS" "$THREADS" "$CTX" "$BATCH")"
    fi
done
field() { sed -n "s/^$1=\([0-9.]*\)\$/\1/p; s/^run=.* $1=\([0-9.]*\).*/\1/p" | median; }
ours_load=$(field load_ms <<<"$ours")
ours_ttft=$(field ttft_ms <<<"$ours")
ours_tg=$(field gen_tok_s <<<"$ours")
if [[ -n "${ref:-}" ]]; then
    cpp_load=$(field load_ms <<<"$ref")
    cpp_ttft=$(field ttft_ms <<<"$ref")
    cpp_tg=$(field gen_tok_s <<<"$ref")
fi

# ── llama-cpp-python ─────────────────────────────────────
py_load="-" py_ttft="-" py_tg="-" py_import="-" py_cpu="-"
if [[ -z "${NO_PYTHON:-}" ]] && command -v python3 >/dev/null; then
    VENV="$WORK/venv"
    if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import llama_cpp' 2>/dev/null; then
        say "installing llama-cpp-python into $VENV (compiles llama.cpp: slow the first time)"
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install -q llama-cpp-python >&2
    fi
    say "llama-cpp-python"
    t0=$(now_us)
    "$VENV/bin/python" -c 'import llama_cpp'
    py_import=$(( ($(now_us) - t0) / 1000 ))
    py="$("$VENV/bin/python" - "$MODEL" "$PROMPT" "$TOKENS" "$RUNS" "$THREADS" "$CTX" "$BATCH" <<'EOF'
import statistics, sys, time
import llama_cpp
from llama_cpp import Llama
model, prompt_file, tokens, runs, threads, ctx, batch = sys.argv[1:]
prompt = open(prompt_file).read()
t0 = time.perf_counter()
llm = Llama(model_path=model, n_ctx=int(ctx), n_threads=int(threads), n_threads_batch=int(threads), n_batch=int(batch),
            n_ubatch=int(batch), verbose=False)
print(f"load_ms={(time.perf_counter() - t0) * 1000:.1f}")
print("system_info=" + llama_cpp.llama_print_system_info().decode(errors="replace"))
eos = llm.token_eos()
rates = []
for run in range(int(runs)):
    start = time.perf_counter()
    first = None
    n = 0
    for chunk in llm.create_completion(f"Run {run}. {prompt}", max_tokens=int(tokens), temperature=0.2,
                                       top_p=0.95, top_k=40, min_p=0.05, stream=True,
                                       logit_bias={eos: float("-inf")}):
        n += 1
        if first is None:
            first = time.perf_counter()
    end = time.perf_counter()
    if run == 0:
        print(f"ttft_ms={(first - start) * 1000:.1f}")
    rates.append((n - 1) / (end - first) if n > 1 else 0.0)
print(f"gen_tok_s_median={statistics.median(rates):.1f} chunks={n}")
EOF
)"
    echo "$py" >&2
    py_load=$(sed -n 's/^load_ms=//p' <<<"$py")
    py_ttft=$(sed -n 's/^ttft_ms=//p' <<<"$py")
    py_tg=$(sed -n 's/^gen_tok_s_median=\([0-9.]*\).*/\1/p' <<<"$py")
    py_cpu=$(sed -n 's/^system_info=//p' <<<"$py" | cpu_features)
else
    say "llama-cpp-python skipped"
fi

# ── Summary ──────────────────────────────────────────────
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (b+0 > 0 && a+0 > 0) printf "%.0f%%", 100*a/b; else print "-" }'; }
cat <<EOF

Model: $MODEL ($(du -h "$MODEL" | cut -f1), $WEIGHTS), threads $THREADS, ctx $CTX, batch $BATCH,
$TOKENS tokens per run, $RUNS runs x $ROUNDS rounds (medians), prompt $ours_ptok tokens.

                         load ms   ttft ms   gen tok/s   ember vs side
  ember-repl            $(printf '%8s  %8s  %10s' "$ours_load" "$ours_ttft" "$ours_tg")
  llama.cpp C API loop  $(printf '%8s  %8s  %10s' "$cpp_load" "$cpp_ttft" "$cpp_tg")   $(pct "$ours_tg" "$cpp_tg")
  llama-cpp-python      $(printf '%8s  %8s  %10s' "$py_load" "$py_ttft" "$py_tg")   $(pct "$ours_tg" "$py_tg")

CPU features llama.cpp was built with (llama_print_system_info):
  ember-repl            ${ours_cpu:--}
  llama.cpp C API loop  $cpp_cpu
  llama-cpp-python      $py_cpu

ember-repl startup to prompt (and exit), median of 20: $(awk -v u="$startup_us" 'BEGIN {printf "%.1f", u/1000}') ms  (goal < 50 ms)
ember-repl RSS at the prompt, no model loaded: $(awk -v k="$rss_idle_kb" 'BEGIN {printf "%.1f", k/1024}') MB  (goal < 20 MB)
ember-repl hud, median of 50: $(awk -v u="$hud_us" 'BEGIN {printf "%.1f", u/1000}') ms; discovering $HUD_MODELS models: $(awk -v u="$hud_many_us" 'BEGIN {printf "%.1f", u/1000}') ms  (goal < 5 ms)
python -c 'import llama_cpp' (for scale): $py_import ms
Goals: gen tok/s >= 95% of the C API loop's, ahead of llama-cpp-python.
EOF
