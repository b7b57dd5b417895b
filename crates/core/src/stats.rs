//! Statistics over repeated runs: median, min, max, mean, stddev, outliers.

use serde::{Deserialize, Serialize};

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

/// Indices of outliers by the modified z-score (|z| > 3.5, Iglewicz and
/// Hoaglin), which stays robust with a handful of runs.
pub fn outliers(values: &[f64]) -> Vec<usize> {
    if values.len() < 3 {
        return Vec::new();
    }
    let median = median_of_sorted(&sorted(values));
    let deviations: Vec<f64> = values.iter().map(|v| (v - median).abs()).collect();
    let mad = median_of_sorted(&sorted(&deviations));
    // A spread under 1% of the median is noise, not an outlier signal.
    let mad = mad.max(median.abs() * 0.01);
    if mad == 0.0 {
        return Vec::new();
    }
    values
        .iter()
        .enumerate()
        .filter(|(_, v)| (0.6745 * (*v - median) / mad).abs() > 3.5)
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
}
