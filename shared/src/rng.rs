//! xorshift64*: a deterministic, dependency-free PRNG for randomized tests,
//! benchmark inputs and test fixtures, so that a failure names a seed that
//! reproduces it. Not for anything that needs unpredictability.

/// The generator's state; any nonzero seed.
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    // Not an Iterator: callers always want one number, never a stream.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in 0..n (0 when n is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % (n as u64).max(1)) as usize
    }

    /// True `percent` times in 100.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// True once in `n` times.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    /// One of `items`; None when there are none.
    pub fn choose<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len()))
    }

    /// One of `items`, which must not be empty (a test's own table).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let i = self.below(items.len());
        &items[i]
    }

    /// Uniform in [-1, 1).
    pub fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn same_seed_same_numbers_and_ranges_hold() {
        let (mut a, mut b) = (Rng(7), Rng(7));
        for _ in 0..1000 {
            assert_eq!(a.next(), b.next());
        }
        for _ in 0..1000 {
            assert!(a.below(10) < 10);
            let u = a.unit();
            assert!((-1.0..1.0).contains(&u));
        }
        assert_eq!(a.choose::<u8>(&[]), None);
        assert_eq!(a.below(0), 0);
    }
}
