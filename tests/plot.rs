//! The examples' `--plot FILE`: a valid PNG (or SVG) of the stated size, drawn with the
//! bundled font on a machine with or without system fonts.

#[path = "../examples/common/plot.rs"]
mod plot;

use shaped::train::{EpochLog, History};

fn history(epochs: usize, validation: bool) -> History {
    History {
        epochs: (0..epochs)
            .map(|i| EpochLog {
                loss: 1.0 / (i + 1) as f64,
                metric: Some(0.9 + 0.01 * i as f64),
                val_loss: validation.then_some(1.2 / (i + 1) as f64),
                val_metric: validation.then_some(0.88 + 0.01 * i as f64),
                seconds: 0.5,
                ..EpochLog::default()
            })
            .collect(),
    }
}

#[path = "common/scratch.rs"]
mod scratch;
use scratch::scratch_file as temp_path;

#[test]
fn a_png_of_the_stated_size_with_drawn_content() {
    let path = temp_path("history.png");
    plot::plot_history(&path, &history(5, true), "accuracy").unwrap();
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((info.width, info.height), plot::SIZE);
    // Not a blank canvas: the curves use the two series colours.
    let rgb: Vec<&[u8]> = pixels[..info.buffer_size()].chunks(3).collect();
    assert!(rgb.iter().any(|p| *p == [31, 119, 180]), "training dots");
    assert!(rgb.iter().any(|p| *p == [255, 127, 14]), "validation line");
    let dark = rgb.iter().filter(|p| p.iter().all(|&c| c < 80)).count();
    assert!(dark > 500, "text and axes drawn ({dark} dark pixels)");
    std::fs::remove_file(path).unwrap();
}

#[test]
fn an_svg_when_the_name_says_so() {
    let path = temp_path("history.svg");
    plot::plot_history(&path, &history(1, false), "accuracy").unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..60.min(svg.len())]);
    let (w, h) = plot::SIZE;
    assert!(svg.contains(&format!("width=\"{w}\"")) && svg.contains(&format!("height=\"{h}\"")));
    assert!(svg.contains("Training and validation accuracy"));
    std::fs::remove_file(path).unwrap();
}

#[test]
fn an_empty_history_is_an_error_not_a_blank_picture() {
    let path = temp_path("empty.png");
    let err = plot::plot_history(&path, &History::default(), "accuracy").unwrap_err();
    assert!(err.to_string().contains("no epoch"), "{err}");
    assert!(!path.exists());
}
