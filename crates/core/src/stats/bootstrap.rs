//! A confidence interval for a speedup: the percentile bootstrap over runs.
//!
//! A speedup is the sequential median over a model's median. To say how
//! far it could move if the same runs were made again, the sequential runs
//! and the model's runs are each resampled with replacement (as many draws
//! as there were runs), the ratio of the two resampled medians is taken,
//! [`RESAMPLES`] times, and the interval is the 2.5th to the 97.5th
//! percentile of those ratios (Efron's percentile bootstrap, 95%). With
//! fewer than [`MIN_RUNS`] runs on either side there is no interval: a
//! median of two runs has no spread worth resampling. The random draws come
//! from SplitMix64 seeded with a hash of the runs themselves, so the same
//! runs always give the same interval and a report can be reproduced.

use serde::{Deserialize, Serialize};

/// How many resamples an interval is made of.
pub const RESAMPLES: u32 = 2_000;
/// The interval's confidence level.
pub const LEVEL: f64 = 0.95;
/// Runs needed on each side (the sequential model's and the model's).
pub const MIN_RUNS: usize = 3;

/// How an interval was computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IntervalMethod {
    /// Percentile bootstrap over the runs, ratio of medians.
    Bootstrap,
}

/// A confidence interval, as the JSON report carries it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
    /// 0.95 for a 95% interval.
    pub level: f64,
    pub method: IntervalMethod,
    pub resamples: u32,
}

impl Interval {
    pub fn contains(&self, value: f64) -> bool {
        self.low <= value && value <= self.high
    }

    pub fn width(&self) -> f64 {
        self.high - self.low
    }
}

/// SplitMix64: small, fast and good enough to pick indices.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// An index below `len`, by multiply-and-shift.
    fn below(&mut self, len: usize) -> usize {
        ((u128::from(self.next()) * len as u128) >> 64) as usize
    }
}

/// FNV-1a over the bits of both samples: the seed, so equal input means
/// equal draws.
fn seed(reference: &[f64], model: &[f64]) -> u64 {
    let mut hash: u64 = 0xCBF2_9CE4_8422_2325;
    let separator = [f64::from_bits(u64::MAX)];
    for value in reference.iter().chain(&separator).chain(model) {
        for byte in value.to_bits().to_le_bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01B3);
        }
    }
    hash
}

fn median_in_place(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    }
}

fn resampled_median(rng: &mut SplitMix, sample: &[f64], scratch: &mut Vec<f64>) -> f64 {
    scratch.clear();
    scratch.extend((0..sample.len()).map(|_| sample[rng.below(sample.len())]));
    median_in_place(scratch)
}

/// The 95% interval of `median(reference) / median(model)` (a speedup when
/// `reference` holds the sequential wall times), or None with fewer than
/// [`MIN_RUNS`] values on either side or a value that is not a positive,
/// finite number. The interval always contains the point estimate itself
/// (with a handful of runs the percentiles can fall just short of it).
pub fn speedup_interval(reference: &[f64], model: &[f64]) -> Option<Interval> {
    let usable = |sample: &[f64]| {
        sample.len() >= MIN_RUNS && sample.iter().all(|v| v.is_finite() && *v > 0.0)
    };
    if !usable(reference) || !usable(model) {
        return None;
    }
    let mut rng = SplitMix(seed(reference, model));
    let mut scratch = Vec::with_capacity(reference.len().max(model.len()));
    let mut ratios: Vec<f64> = (0..RESAMPLES)
        .map(|_| {
            let top = resampled_median(&mut rng, reference, &mut scratch);
            top / resampled_median(&mut rng, model, &mut scratch)
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    let tail = (1.0 - LEVEL) / 2.0;
    let last = ratios.len() - 1;
    let low = ratios[((tail * ratios.len() as f64).floor() as usize).min(last)];
    let high = ratios[(((1.0 - tail) * ratios.len() as f64).ceil() as usize)
        .saturating_sub(1)
        .min(last)];
    let point = median_in_place(&mut reference.to_vec()) / median_in_place(&mut model.to_vec());
    Some(Interval {
        low: low.min(point),
        high: high.max(point),
        level: LEVEL,
        method: IntervalMethod::Bootstrap,
        resamples: RESAMPLES,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `count` values around `center`, spread ±5% uniformly, from `seed`.
    fn noisy(center: f64, count: usize, seed: u64) -> Vec<f64> {
        let mut rng = SplitMix(seed);
        (0..count)
            .map(|_| {
                let unit = (rng.next() >> 11) as f64 / (1u64 << 53) as f64;
                center * (1.0 + 0.1 * (unit - 0.5))
            })
            .collect()
    }

    #[test]
    fn contains_the_true_ratio_and_narrows_with_more_runs() {
        // Sequential around 1.0 s, the model around 0.5 s: the true speedup is 2.
        let few = speedup_interval(&noisy(1.0, 5, 1), &noisy(0.5, 5, 2)).unwrap();
        let many = speedup_interval(&noisy(1.0, 60, 3), &noisy(0.5, 60, 4)).unwrap();
        assert!(few.contains(2.0), "{few:?}");
        assert!(many.contains(2.0), "{many:?}");
        assert!(many.width() < few.width() / 2.0, "{few:?} then {many:?}");
        assert_eq!(
            (few.level, few.method, few.resamples),
            (0.95, IntervalMethod::Bootstrap, 2_000)
        );
    }

    #[test]
    fn covers_the_true_ratio_most_of_the_time() {
        let trials = 200;
        let covered = (0..trials)
            .filter(|trial| {
                let seq = noisy(1.0, 10, 2 * trial);
                let model = noisy(0.25, 10, 2 * trial + 1);
                speedup_interval(&seq, &model).unwrap().contains(4.0)
            })
            .count();
        // The percentile bootstrap of a median undercovers a little at n = 10.
        assert!(
            covered >= trials as usize * 85 / 100,
            "{covered} of {trials}"
        );
    }

    #[test]
    fn the_same_runs_give_the_same_interval() {
        let (seq, model) = (noisy(1.0, 7, 9), noisy(0.6, 7, 10));
        assert_eq!(
            speedup_interval(&seq, &model),
            speedup_interval(&seq, &model)
        );
        let other = speedup_interval(&seq, &noisy(0.6, 7, 11)).unwrap();
        assert_ne!(Some(other), speedup_interval(&seq, &model));
    }

    #[test]
    fn no_interval_under_three_runs_or_with_a_zero() {
        assert!(speedup_interval(&[1.0, 1.1], &[0.5, 0.5, 0.6]).is_none());
        assert!(speedup_interval(&[1.0, 1.1, 1.0], &[0.5, 0.6]).is_none());
        assert!(speedup_interval(&[1.0, 1.1, 1.0], &[0.5, 0.0, 0.6]).is_none());
        assert!(speedup_interval(&[1.0, 1.1, 1.0], &[0.5, 0.5, 0.6]).is_some());
    }

    #[test]
    fn identical_runs_give_a_point_interval_that_contains_the_speedup() {
        let interval = speedup_interval(&[2.0; 4], &[1.0; 4]).unwrap();
        assert_eq!((interval.low, interval.high), (2.0, 2.0));
        let seq = [1.0, 1.2, 0.9];
        let model = [0.5, 0.7, 0.4];
        let point = 1.0 / 0.5;
        assert!(speedup_interval(&seq, &model).unwrap().contains(point));
    }
}
