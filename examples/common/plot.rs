//! `--plot FILE`: the training history as two charts, loss and accuracy per epoch, training
//! and validation, like the book's matplotlib figures. PNG, or SVG for a `.svg` name.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use shaped::train::History;

/// Width and height of the picture, in pixels.
pub const SIZE: (u32, u32) = (960, 400);

/// The bundled font (DejaVu Sans, printable ASCII; see fonts/LICENSE).
const FONT: &[u8] = include_bytes!("fonts/DejaVuSans-subset.ttf");

/// Draws `history` to `path` (PNG, or SVG when the name ends in `.svg`), `SIZE` pixels.
pub fn plot_history(
    path: &Path,
    history: &History,
    metric_name: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    if history.epochs.is_empty() {
        return Err("no epoch to plot".into());
    }
    register_font();
    let svg = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    if svg {
        draw(
            SVGBackend::new(path, SIZE).into_drawing_area(),
            history,
            metric_name,
        )
    } else {
        draw(
            BitMapBackend::new(path, SIZE).into_drawing_area(),
            history,
            metric_name,
        )
    }
}

fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Fails only on a font that does not parse; the bundled one does (tested).
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

fn draw<B: DrawingBackend>(
    root: DrawingArea<B, Shift>,
    history: &History,
    metric_name: &str,
) -> Result<(), Box<dyn std::error::Error>>
where
    B::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let (left, right) = root.split_horizontally(SIZE.0 / 2);
    let series = |f: fn(&shaped::train::EpochLog) -> Option<f64>| -> Vec<(f64, f64)> {
        history
            .epochs
            .iter()
            .enumerate()
            .filter_map(|(i, log)| {
                f(log)
                    .filter(|v| v.is_finite())
                    .map(|v| ((i + 1) as f64, v))
            })
            .collect()
    };
    panel(
        &left,
        "Training and validation loss",
        "loss",
        &series(|l| Some(l.loss)),
        &series(|l| l.val_loss),
    )?;
    panel(
        &right,
        &format!("Training and validation {metric_name}"),
        metric_name,
        &series(|l| l.metric),
        &series(|l| l.val_metric),
    )?;
    root.present()?;
    Ok(())
}

/// One chart: training values as dots, validation values as a line (the book's style).
fn panel<B: DrawingBackend>(
    area: &DrawingArea<B, Shift>,
    title: &str,
    y_label: &str,
    train: &[(f64, f64)],
    validation: &[(f64, f64)],
) -> Result<(), Box<dyn std::error::Error>>
where
    B::ErrorType: 'static,
{
    let epochs = train.len().max(validation.len()).max(1) as f64;
    let values = train.iter().chain(validation).map(|&(_, v)| v);
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
    let pad = ((hi - lo) * 0.08).max(1e-3);
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(0.5..epochs + 0.5, (lo - pad)..(hi + pad))?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc(y_label)
        .x_labels(train.len().clamp(2, 10))
        .x_label_formatter(&|x| format!("{x:.0}"))
        .label_style(("sans-serif", 13))
        .draw()?;
    let blue = RGBColor(31, 119, 180);
    let orange = RGBColor(255, 127, 14);
    chart
        .draw_series(train.iter().map(|&p| Circle::new(p, 4, blue.filled())))?
        .label("training")
        .legend(move |(x, y)| Circle::new((x + 10, y), 4, blue.filled()));
    if !validation.is_empty() {
        chart
            .draw_series(LineSeries::new(
                validation.iter().copied(),
                orange.stroke_width(2),
            ))?
            .label("validation")
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], orange.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK.mix(0.3))
        .label_font(("sans-serif", 13))
        .draw()?;
    Ok(())
}
