//! Statistics over repeated runs: median, min, max, mean, standard
//! deviation, outliers by the modified Z-score; `bootstrap` adds a
//! confidence interval for each speedup and `load` what other programs did
//! to the machine meanwhile. Every method and threshold is a named constant
//! here, and the README's "Statistics" paragraph says the same.

mod bootstrap;
mod load;

pub use bootstrap::{Interval, IntervalMethod, LEVEL, MIN_RUNS, RESAMPLES, speedup_interval};
pub use load::{BUSY_OTHERS_CORES, MIN_WINDOW_S, MachineLoad};

use serde::{Deserialize, Serialize};

/// A run whose modified Z-score is above this is an outlier (Iglewicz and
/// Hoaglin's recommendation).
pub const OUTLIER_Z: f64 = 3.5;

/// A summary of wall times (or any sample) in one unit.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    /// Sample standard deviation; undefined (None) for a single value.
    pub stddev: Option<f64>,
}

fn median_of_sorted(sorted: &[f64]) -> f64 {
    let mid = sorted.len() / 2;
    if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    }
}

fn sorted(values: &[f64]) -> Vec<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted
}

/// Summarizes a sample; None when it is empty.
pub fn summarize(values: &[f64]) -> Option<Summary> {
    if values.is_empty() {
        return None;
    }
    let sorted = sorted(values);
    let count = values.len() as f64;
    let mean = values.iter().sum::<f64>() / count;
    let stddev = (values.len() > 1).then(|| {
        let squares: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
        (squares / (count - 1.0)).sqrt()
    });
    Some(Summary {
        median: median_of_sorted(&sorted),
        min: sorted[0],
        max: sorted[sorted.len() - 1],
        mean,
        stddev,
    })
}

/// The MAD never counts as less than this share of the median when
/// flagging outliers, so runs within about 5% of the median (3.5 / 0.6745
/// of 1%) are never outliers, however close the other runs are: with 3 to 5
/// runs the MAD is often one small gap, and a run 2% slower is noise, not a
/// disturbed run.
pub const MIN_MAD_SHARE: f64 = 0.01;

/// Modified Z-scores (Iglewicz and Hoaglin): `0.6745 (x - median) / MAD`,
/// MAD the median absolute deviation from the median. Where more than half
/// the values equal the median (MAD = 0), the mean absolute deviation
/// stands in, as `(x - median) / (1.253314 MeanAD)`; where every value is
/// the same, every score is 0.
pub fn modified_z_scores(values: &[f64]) -> Vec<f64> {
    scores(values, 0.0)
}

/// Modified Z-scores with the MAD at least `floor_share` of the median.
fn scores(values: &[f64], floor_share: f64) -> Vec<f64> {
    if values.is_empty() {
        return Vec::new();
    }
    let median = median_of_sorted(&sorted(values));
    let deviations: Vec<f64> = values.iter().map(|v| (v - median).abs()).collect();
    let mad = median_of_sorted(&sorted(&deviations)).max(median.abs() * floor_share);
    let mean_ad = deviations.iter().sum::<f64>() / deviations.len() as f64;
    let scale = if mad > 0.0 {
        mad / 0.6745
    } else if mean_ad > 0.0 {
        1.253_314 * mean_ad
    } else {
        return vec![0.0; values.len()];
    };
    values.iter().map(|v| (v - median) / scale).collect()
}

/// Indices of outliers: runs whose modified Z-score (the MAD at least
/// [`MIN_MAD_SHARE`] of the median) is above [`OUTLIER_Z`] in absolute
/// value; none among fewer than 3 runs.
pub fn outliers(values: &[f64]) -> Vec<usize> {
    if values.len() < 3 {
        return Vec::new();
    }
    scores(values, MIN_MAD_SHARE)
        .iter()
        .enumerate()
        .filter(|(_, z)| z.abs() > OUTLIER_Z)
        .map(|(idx, _)| idx)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_of_known_values() {
        let s = summarize(&[3.0, 1.0, 2.0, 10.0]).unwrap();
        assert_eq!((s.median, s.min, s.max, s.mean), (2.5, 1.0, 10.0, 4.0));
        assert!((s.stddev.unwrap() - 4.082_482_904_638_63).abs() < 1e-12);
        let one = summarize(&[5.0]).unwrap();
        assert_eq!((one.median, one.stddev), (5.0, None));
        assert!(summarize(&[]).is_none());
    }

    #[test]
    fn flags_a_run_far_from_the_rest() {
        assert_eq!(outliers(&[1.00, 1.01, 0.99, 1.02, 3.0]), vec![4]);
        assert!(outliers(&[1.0, 1.0, 1.0]).is_empty());
        assert!(outliers(&[1.0, 9.0]).is_empty());
    }

    #[test]
    fn flags_an_injected_outlier_and_not_a_tight_sample() {
        let tight = [1.152, 1.148, 1.161, 1.139, 1.155, 1.150, 1.144];
        assert!(
            outliers(&tight).is_empty(),
            "{:?}",
            modified_z_scores(&tight)
        );
        let mut injected = tight.to_vec();
        injected.insert(2, 1.40);
        assert_eq!(outliers(&injected), vec![2]);
        // Faster by as much counts too.
        injected[2] = 0.90;
        assert_eq!(outliers(&injected), vec![2]);
        // Three runs, two of them 1 ms apart: a third 2.5% slower is noise
        // (its bare score is 20), one 12% slower is not.
        assert!(modified_z_scores(&[1.164, 1.165, 1.194])[2] > 3.5);
        assert!(outliers(&[1.164, 1.165, 1.194]).is_empty());
        assert_eq!(outliers(&[1.172, 1.192, 1.333]), vec![2]);
    }

    #[test]
    fn zero_mad_falls_back_to_the_mean_deviation_without_dividing_by_zero() {
        // Five equal runs and one slow one: MAD = 0, MeanAD = 1/6.
        let scores = modified_z_scores(&[1.0, 1.0, 1.0, 1.0, 1.0, 2.0]);
        assert!(
            (scores[5] - 1.0 / (1.253_314 / 6.0)).abs() < 1e-9,
            "{scores:?}"
        );
        assert!(scores.iter().all(|z| z.is_finite()), "{scores:?}");
        assert_eq!(outliers(&[1.0, 1.0, 1.0, 1.0, 1.0, 2.0]), vec![5]);
        assert_eq!(modified_z_scores(&[3.0; 4]), vec![0.0; 4]);
        assert!(outliers(&[3.0; 4]).is_empty());
        assert!(modified_z_scores(&[]).is_empty());
        // Around zero the floor is zero too: the fallback still holds.
        assert_eq!(outliers(&[0.0, 0.0, 0.0, 0.0, 0.0, 1.0]), vec![5]);
    }
}
