//! A Keras-style progress line: `469/469 [==============================] - 3s - loss: 0.2577 - accuracy: 0.9245`.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Characters of the bar.
const WIDTH: usize = 30;
/// A live line is redrawn at most this often (and at the last step).
const REDRAW: Duration = Duration::from_millis(100);

pub(crate) struct Progress {
    steps: usize,
    enabled: bool,
    live: bool,
    last_draw: Option<Instant>,
    line: String,
}

impl Progress {
    pub(crate) fn new(epoch: usize, epochs: usize, steps: usize, enabled: bool) -> Self {
        if enabled {
            eprintln!("Epoch {epoch}/{epochs}");
        }
        // Redraw in place only on a terminal; logs get the final line only.
        let live = enabled && std::io::stderr().is_terminal();
        Progress {
            steps,
            enabled,
            live,
            last_draw: None,
            line: String::new(),
        }
    }

    pub(crate) fn update(&mut self, step: usize, loss: f64, metrics: &[(&'static str, f64)]) {
        if !self.enabled {
            return;
        }
        self.line = format!(
            "{step}/{} [{}] - loss: {loss:.4}",
            self.steps,
            bar(step, self.steps)
        );
        for (name, v) in metrics {
            self.line.push_str(&format!(" - {name}: {v:.4}"));
        }
        let since_last = self.last_draw.map(|t| t.elapsed());
        if redraw_due(self.live, since_last, step, self.steps) {
            eprint!("\r{}", self.line);
            let _ = std::io::stderr().flush();
            self.last_draw = Some(Instant::now());
        }
    }

    /// Ends the epoch's line with its time and `extra` (validation figures).
    pub(crate) fn finish(&mut self, seconds: f64, extra: &str) {
        if !self.enabled {
            return;
        }
        let line = final_line(&self.line, seconds, extra);
        if self.live {
            eprintln!("\r{line}");
        } else {
            eprintln!("{line}");
        }
    }
}

/// The bar at `step` of `steps`: `=` for the steps done, `>` at the current position.
fn bar(step: usize, steps: usize) -> String {
    let filled = WIDTH * step / steps.max(1);
    (0..WIDTH)
        .map(|i| {
            if i < filled {
                '='
            } else if i == filled {
                '>'
            } else {
                '.'
            }
        })
        .collect()
}

/// Whether a live line is redrawn now: never on a log, at most every [`REDRAW`], and
/// always at the last step.
fn redraw_due(live: bool, since_last: Option<Duration>, step: usize, steps: usize) -> bool {
    live && (since_last.is_none_or(|d| d > REDRAW) || step == steps)
}

/// The last state of an epoch's line with the epoch's time after the bar, then `extra`.
fn final_line(line: &str, seconds: f64, extra: &str) -> String {
    line.replacen("] - ", &format!("] - {seconds:.1}s - "), 1) + extra
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_fills_in_proportion_to_the_steps() {
        let dots = |n| ".".repeat(n);
        assert_eq!(bar(0, 10), format!(">{}", dots(29)));
        assert_eq!(bar(1, 4), format!("{}>{}", "=".repeat(7), dots(22)));
        assert_eq!(bar(2, 4), format!("{}>{}", "=".repeat(15), dots(14)));
        assert_eq!(bar(4, 4), "=".repeat(30));
        assert_eq!(bar(0, 0), format!(">{}", dots(29)), "no steps at all");
    }

    #[test]
    fn a_live_line_is_redrawn_at_most_every_100_ms_and_at_the_end() {
        let ms = Duration::from_millis;
        assert!(
            !redraw_due(false, None, 10, 10),
            "a log gets only the final line"
        );
        assert!(redraw_due(true, None, 1, 10), "the first step");
        assert!(!redraw_due(true, Some(ms(50)), 2, 10));
        assert!(
            !redraw_due(true, Some(ms(100)), 2, 10),
            "100 ms is not more than 100 ms"
        );
        assert!(redraw_due(true, Some(ms(101)), 2, 10));
        assert!(redraw_due(true, Some(ms(1)), 10, 10), "the last step");
    }

    #[test]
    fn the_final_line_puts_the_time_after_the_bar() {
        let line = "2/2 [==] - loss: 0.5000 - accuracy: 0.7500";
        assert_eq!(
            final_line(line, 1.25, " - val_loss: 0.4000"),
            "2/2 [==] - 1.2s - loss: 0.5000 - accuracy: 0.7500 - val_loss: 0.4000"
        );
    }
}
