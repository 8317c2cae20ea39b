//! Percentiles over a handful of samples.

use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub n: usize,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub min: f64,
    pub max: f64,
}

impl Summary {
    pub fn of(samples: &[f64]) -> Summary {
        let mut s = samples.to_vec();
        s.sort_by(f64::total_cmp);
        let at = |q: f64| {
            if s.is_empty() {
                return f64::NAN;
            }
            // Nearest-rank: the smallest sample with at least q of the samples at or below it.
            let rank = (q * s.len() as f64).ceil() as usize;
            s[rank.clamp(1, s.len()) - 1]
        };
        Summary { n: s.len(), p50: at(0.50), p95: at(0.95), p99: at(0.99), min: at(0.0), max: s.last().copied().unwrap_or(f64::NAN) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let s = Summary::of(&(1..=100).map(f64::from).collect::<Vec<_>>());
        assert_eq!((s.p50, s.p95, s.p99, s.min, s.max), (50.0, 95.0, 99.0, 1.0, 100.0));
        let one = Summary::of(&[7.0]);
        assert_eq!((one.p50, one.p95), (7.0, 7.0));
    }
}
