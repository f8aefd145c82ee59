//! A Keras-style progress line: `469/469 [==============================] - 3s - loss: 0.2577 - accuracy: 0.9245`.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

const WIDTH: usize = 30;

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
        let filled = WIDTH * step / self.steps.max(1);
        let bar: String = (0..WIDTH)
            .map(|i| {
                if i < filled {
                    '='
                } else if i == filled {
                    '>'
                } else {
                    '.'
                }
            })
            .collect();
        self.line = format!("{step}/{} [{bar}] - loss: {loss:.4}", self.steps);
        for (name, v) in metrics {
            self.line.push_str(&format!(" - {name}: {v:.4}"));
        }
        let due = self
            .last_draw
            .is_none_or(|t| t.elapsed() > Duration::from_millis(100));
        if self.live && (due || step == self.steps) {
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
        let line = self
            .line
            .replacen("] - ", &format!("] - {seconds:.1}s - "), 1)
            + extra;
        if self.live {
            eprintln!("\r{line}");
        } else {
            eprintln!("{line}");
        }
    }
}
