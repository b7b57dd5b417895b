//! Pure workloads: deterministic functions every model runs unchanged.
//!
//! A workload takes a `checkpoint` callback that it calls every
//! [`CHECKPOINT_EVERY`] iterations; that is where the emulated GIL may change
//! hands. The checkpoint never touches the arithmetic, so the answer is
//! bit-identical whichever model ran it, and (with a no-op checkpoint) the
//! cost per iteration is that of the bare loop.

use std::hint::black_box;

/// Iterations between two checkpoints: about 20 us of cpu-sqrt work, small
/// beside the 5 ms switch interval, large enough to cost nothing.
pub const CHECKPOINT_EVERY: u64 = 1 << 14;

/// Sum of `sqrt(i)` for `i` in `0..n`, added in order, with a checkpoint
/// every [`CHECKPOINT_EVERY`] iterations.
pub fn cpu_sqrt(n: u64, mut checkpoint: impl FnMut()) -> f64 {
    let n = black_box(n);
    let mut sum = 0.0f64;
    let mut start = 0u64;
    while start < n {
        let end = n.min(start + CHECKPOINT_EVERY);
        for i in start..end {
            sum += (i as f64).sqrt();
        }
        start = end;
        checkpoint();
    }
    sum
}

/// Values over 50 in a batch: how many and their sum, with a checkpoint
/// every [`CHECKPOINT_EVERY`] values (the mean is sum / count).
pub fn batch_stats(values: &[u8], mut checkpoint: impl FnMut()) -> (u64, u64) {
    let (mut kept, mut sum) = (0u64, 0u64);
    for chunk in values.chunks(CHECKPOINT_EVERY as usize) {
        for &value in chunk {
            if value > 50 {
                kept += 1;
                sum += u64::from(value);
            }
        }
        checkpoint();
    }
    (kept, sum)
}

/// A batch of `len` integers from 0 to 100, the same for the same seed
/// (splitmix64), so every model processes identical data.
pub fn random_batch(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xC0FF_EE00_D15E_A5E5;
    (0..len)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) % 101) as u8
        })
        .collect()
}

/// The line echo client `idx` sends: it names the client, so a server can
/// tell whom it is answering, and differs per client, so a server that
/// mixed up two connections is caught.
pub fn echo_message(idx: u32) -> String {
    let tag = random_batch(u64::from(idx) + 1_000_003, 12)
        .iter()
        .map(|v| char::from(b'a' + v % 26))
        .collect::<String>();
    format!("client {idx}: hello, echo server ({tag})")
}

/// The client an echo line came from, read back from [`echo_message`]'s form.
pub fn echo_client_of(line: &str) -> Option<u32> {
    line.strip_prefix("client ")?
        .split(':')
        .next()?
        .parse()
        .ok()
}

/// FNV-1a over the bytes a client got back: what its answer records, so
/// checking it needs no copy of the text.
pub fn echo_hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The same sum as one plain loop: the baseline the harness is measured against.
pub fn cpu_sqrt_bare(n: u64) -> f64 {
    let n = black_box(n);
    let mut sum = 0.0f64;
    for i in 0..n {
        sum += (i as f64).sqrt();
    }
    sum
}

/// The Euler-Maclaurin estimate of `cpu_sqrt(n)`: an independent check of
/// the answer that needs no loop.
pub fn cpu_sqrt_expected(n: u64) -> f64 {
    // zeta(-1/2), the constant term of the expansion.
    const ZETA_MINUS_HALF: f64 = -0.207_886_224_977_354_57;
    let x = n as f64;
    ZETA_MINUS_HALF + (2.0 / 3.0) * x * x.sqrt() - 0.5 * x.sqrt() + 1.0 / (24.0 * x.sqrt())
        - 1.0 / (1920.0 * x * x * x.sqrt())
}

/// True when `sum` is the right answer for `cpu_sqrt(n)` up to rounding.
pub fn cpu_sqrt_is_plausible(n: u64, sum: f64) -> bool {
    if n == 0 {
        return sum == 0.0;
    }
    let expected = cpu_sqrt_expected(n);
    (sum - expected).abs() <= 1e-7 * expected.abs() + 1e-2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert_eq!(cpu_sqrt(0, || {}), 0.0);
        assert_eq!(cpu_sqrt(1, || {}), 0.0);
        assert_eq!(cpu_sqrt(2, || {}), 1.0);
        assert_eq!(cpu_sqrt(5, || {}), 1.0 + 2f64.sqrt() + 3f64.sqrt() + 2.0);
        // sum of sqrt(i), i < 100, from an independent computation.
        assert!((cpu_sqrt(100, || {}) - 661.462_947_103_147_9).abs() < 1e-9);
    }

    #[test]
    fn checkpoints_do_not_change_the_answer() {
        let n = 3 * CHECKPOINT_EVERY + 17;
        let mut calls = 0;
        let with = cpu_sqrt(n, || calls += 1);
        assert_eq!(calls, 4);
        assert_eq!(with.to_bits(), cpu_sqrt_bare(n).to_bits());
    }

    #[test]
    fn batch_stats_keep_values_over_fifty() {
        let mut calls = 0;
        assert_eq!(batch_stats(&[0, 50, 51, 100, 7], || calls += 1), (2, 151));
        assert_eq!(calls, 1);
        let batch = random_batch(3, 200_000);
        let (kept, sum) = batch_stats(&batch, || {});
        // Uniform over 0..=100: about half the values are over 50, mean about 75.5.
        assert!(
            (kept as f64 / 200_000.0 - 50.0 / 101.0).abs() < 0.01,
            "{kept}"
        );
        assert!((sum as f64 / kept as f64 - 75.5).abs() < 0.2);
    }

    #[test]
    fn echo_messages_name_their_client_and_differ() {
        let (a, b) = (echo_message(0), echo_message(9_999));
        assert_eq!(echo_client_of(&a), Some(0));
        assert_eq!(echo_client_of(&b), Some(9_999));
        assert_ne!(a[9..], b[12..]);
        assert_eq!(echo_client_of("hello"), None);
        assert_ne!(echo_hash(a.as_bytes()), echo_hash(b.as_bytes()));
        assert_eq!(echo_hash(b""), 0xcbf2_9ce4_8422_2325);
    }

    #[test]
    fn closed_form_agrees() {
        for n in [1, 2, 3, 10, 1000, 1_000_000] {
            assert!(cpu_sqrt_is_plausible(n, cpu_sqrt_bare(n)), "n = {n}");
        }
        assert!(!cpu_sqrt_is_plausible(1_000_000, cpu_sqrt_bare(999_999)));
    }
}
