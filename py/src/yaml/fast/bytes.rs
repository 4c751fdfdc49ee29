//! Byte scanning for the fast path: the check that the text holds only
//! what the reader handles, and searches for line ends, leading spaces and
//! other bytes, eight bytes at a time.

const ONES: u64 = u64::from_le_bytes([1; 8]);
const HIGH: u64 = ONES * 0x80;

/// Whether the text is free of what this reader does not handle anywhere:
/// tabs (PyYAML allows them only in some places), `\r` and the Unicode line
/// breaks (other line ends), control characters and C1 controls (PyYAML
/// refuses them), U+FEFF, U+FFFE and U+FFFF (refused or special). So every
/// character the full loader's `check_text` refuses is refused here too,
/// and the fast path can run before it. Eight bytes at a time while they
/// are printable ASCII or `\n`.
pub(super) fn simple_bytes(b: &[u8]) -> bool {
    let mut at = 0;
    while let Some(x) = word(b, at) {
        // Per ASCII byte, no carry between bytes: the high bit of `b +
        // 0x60` says `b >= 0x20`, of `b + 1` that `b` is DEL.
        let printable = x.wrapping_add(ONES * 0x60) & !x.wrapping_add(ONES);
        let plain = x & HIGH == 0 && (printable | bytes_eq(x, b'\n')) & HIGH == HIGH;
        if !plain && !(at..at + 8).all(|i| simple_at(b, i)) {
            return false;
        }
        at += 8;
    }
    (at..b.len()).all(|i| simple_at(b, i))
}

/// [`simple_bytes`] for the byte at `i`.
fn simple_at(b: &[u8], i: usize) -> bool {
    let next = |k: usize| b.get(i + k).copied().unwrap_or(0);
    match b[i] {
        b' '..=b'~' | b'\n' => true,
        0..=0x7f => false,
        0xc2 => next(1) >= 0xa0,
        0xe2 => !(next(1) == 0x80 && matches!(next(2), 0xa8 | 0xa9)),
        0xef => !matches!((next(1), next(2)), (0xbb, 0xbf) | (0xbf, 0xbe | 0xbf)),
        _ => true,
    }
}

/// The eight bytes at `at` as one word, while there are eight.
fn word(b: &[u8], at: usize) -> Option<u64> {
    let mut bytes = [0; 8];
    bytes.copy_from_slice(b.get(at..at + 8)?);
    Some(u64::from_le_bytes(bytes))
}

/// The high bit of each byte of `x` equal to `byte`, exactly: the high bit
/// of `(b & 0x7f) + 0x7f` says the low bits are not all zero, and the sum
/// never carries into the next byte.
pub(super) fn bytes_eq(x: u64, byte: u8) -> u64 {
    let y = x ^ (ONES * u64::from(byte));
    !((y & !HIGH).wrapping_add(ONES * 0x7f) | y) & HIGH
}

/// The first offset in `at..end` whose byte is flagged (`flag` on a word,
/// `is` on a byte), or `end`; eight bytes at a time, as lines are mostly
/// indentation and runs of ordinary bytes.
pub(super) fn find(
    b: &[u8],
    mut at: usize,
    end: usize,
    flag: impl Fn(u64) -> u64,
    is: impl Fn(u8) -> bool,
) -> usize {
    while at < end {
        let Some(x) = word(b, at) else {
            return b[at..end]
                .iter()
                .position(|&c| is(c))
                .map_or(end, |i| at + i);
        };
        let found = flag(x);
        if found != 0 {
            return end.min(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    end
}

pub(super) fn line_end(b: &[u8], at: usize) -> usize {
    find(b, at, b.len(), |x| bytes_eq(x, b'\n'), |c| c == b'\n')
}

pub(super) fn leading_spaces(b: &[u8], at: usize) -> usize {
    find(b, at, b.len(), |x| !bytes_eq(x, b' ') & HIGH, |c| c != b' ') - at
}
