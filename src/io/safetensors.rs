//! Weights and training checkpoints as safetensors files.
//!
//! Tensor names follow the model's structure: a tuple model's layer `i` is prefixed `i.`,
//! a Dense layer has `kernel` (`[in, out]`, Keras layout) and `bias` (`[out]`), so the
//! chapter's network saves `0.kernel`, `0.bias`, `1.kernel`, `1.bias`. A checkpoint holds
//! the weights under `model.` and each optimizer state slot under `optimizer.<slot>.`
//! (for RMSprop `optimizer.mean_square.0.kernel`, ...), plus `optimizer.iterations`
//! (a one-element u64 tensor).
//!
//! Loading checks every tensor against the typed model: a missing or extra tensor is named,
//! a wrong shape shows both shapes, a wrong dtype names both dtypes, and a truncated or
//! corrupt file is an error, never a panic.

use core::fmt;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use safetensors::tensor::{Dtype as StDtype, SafeTensors, TensorView};

use crate::nn::{Activation, Dense, Params};
use crate::optim::Optimizer;
use crate::shapes::fmt_dims;
use crate::tensor::{Float, Tensor};

/// Why weights could not be saved or loaded.
#[derive(Debug)]
#[non_exhaustive]
pub enum IoError {
    /// Reading or writing the file failed.
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The bytes are not a valid safetensors file (truncated, corrupt header, ...).
    Corrupt(String),
    /// A tensor the model needs is not in the file.
    Missing(String),
    /// The file holds tensors the model does not have.
    Extra(Vec<String>),
    /// A tensor has another shape than the model's parameter.
    Shape {
        /// The tensor's name.
        name: String,
        /// The model's shape.
        expected: Vec<usize>,
        /// The file's shape.
        found: Vec<usize>,
    },
    /// A checkpoint written by an optimizer with other hyper-parameters (or of another
    /// kind) than the one it is loaded into.
    Optimizer {
        /// The loading optimizer's description.
        expected: String,
        /// The file's.
        found: String,
    },
    /// A value is NaN or infinite while [`LoadOptions::require_finite`] is set.
    NonFinite {
        /// The tensor's name.
        name: String,
        /// The flat index of the first such value.
        index: usize,
        /// That value.
        value: f64,
    },
    /// A layer setting recorded in the file differs from the model's (the weights were
    /// trained with another dropout rate, epsilon, seed, ...).
    Config {
        /// The setting's name, e.g. `2.rate`.
        name: String,
        /// The model's value.
        expected: String,
        /// The file's value, or `None` when the file does not record it.
        found: Option<String>,
    },
    /// An error in a named file: the file, and what is wrong in it.
    InFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        error: Box<IoError>,
    },
    /// A tensor has another element type than the model's parameter.
    Dtype {
        /// The tensor's name.
        name: String,
        /// The model's dtype.
        expected: String,
        /// The file's dtype.
        found: String,
    },
}

impl fmt::Display for IoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IoError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            IoError::Corrupt(reason) => write!(f, "not a valid safetensors file: {reason}"),
            IoError::Missing(name) => write!(f, "tensor `{name}` is missing from the file"),
            IoError::Extra(names) => {
                // A hostile file can name millions of tensors: the message stays short.
                let shown: Vec<&str> = names.iter().take(8).map(String::as_str).collect();
                write!(
                    f,
                    "the file holds tensors the model does not have: {}",
                    shown.join(", ")
                )?;
                if names.len() > shown.len() {
                    write!(f, " and {} more", names.len() - shown.len())?;
                }
                Ok(())
            }
            IoError::Optimizer { expected, found } => write!(
                f,
                "the checkpoint was written by optimizer {found}, it is being loaded into {expected}"
            ),
            IoError::InFile { path, error } => write!(f, "{}: {error}", path.display()),
            IoError::Config {
                name,
                expected,
                found: Some(found),
            } => write!(
                f,
                "setting `{name}` is {found} in the file, the model has {expected}"
            ),
            IoError::Config {
                name,
                expected,
                found: None,
            } => write!(
                f,
                "setting `{name}` (the model has {expected}) is not recorded in the file"
            ),
            IoError::NonFinite { name, index, value } => write!(
                f,
                "tensor `{name}` holds {value} at element {index}, and finite values are required"
            ),
            IoError::Shape {
                name,
                expected,
                found,
            } => write!(
                f,
                "tensor `{name}` has shape {} in the file, the model needs {}",
                fmt_dims(found),
                fmt_dims(expected)
            ),
            IoError::Dtype {
                name,
                expected,
                found,
            } => {
                write!(
                    f,
                    "tensor `{name}` is {found} in the file, the model needs {expected}"
                )
            }
        }
    }
}

impl std::error::Error for IoError {}

impl IoError {
    /// The error without the file it happened in (for matching on its kind).
    ///
    /// ```
    /// use shaped::io::{IoError, load_weights};
    /// use shaped::nn::{Dense, Relu};
    /// let path = std::env::temp_dir().join("shaped-doc-not-safetensors");
    /// std::fs::write(&path, b"not a model").unwrap();
    /// let err = load_weights(&mut Dense::<2, 2, Relu>::new(0), &path).unwrap_err();
    /// assert!(err.to_string().starts_with(&path.display().to_string()));
    /// assert!(matches!(err.kind(), IoError::Corrupt(_)));
    /// ```
    pub fn kind(&self) -> &IoError {
        match self {
            IoError::InFile { error, .. } => error.kind(),
            other => other,
        }
    }

    fn in_file(self, path: &Path) -> IoError {
        match self {
            e @ (IoError::Io { .. } | IoError::InFile { .. }) => e,
            e => IoError::InFile {
                path: path.to_path_buf(),
                error: Box::new(e),
            },
        }
    }
}

/// A float type that safetensors can store.
pub trait SafeElement: Float {
    /// Its safetensors dtype.
    const DTYPE: StDtype;
    /// Appends the little-endian bytes of `values` to `out`.
    fn write_le(values: &[Self], out: &mut Vec<u8>);
    /// Decodes little-endian bytes (whose length is a multiple of the size) into `out`.
    fn read_le(bytes: &[u8], out: &mut [Self]);
}

macro_rules! safe_element {
    ($($t:ty => $dtype:ident),*) => {$(
        impl SafeElement for $t {
            const DTYPE: StDtype = StDtype::$dtype;
            fn write_le(values: &[$t], out: &mut Vec<u8>) {
                values.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
            }
            fn read_le(bytes: &[u8], out: &mut [$t]) {
                const SIZE: usize = std::mem::size_of::<$t>();
                for (o, c) in out.iter_mut().zip(bytes.chunks_exact(SIZE)) {
                    *o = <$t>::from_le_bytes(c.try_into().expect("a chunk of the element's size"));
                }
            }
        }
    )*};
}

safe_element!(f32 => F32, f64 => F64);

/// Named tensors to write: (name, dtype, shape, bytes).
type Entries = BTreeMap<String, (StDtype, Vec<usize>, Vec<u8>)>;

fn add_params<M: Params<E>, E: SafeElement>(entries: &mut Entries, prefix: &str, params: &M) {
    params.visit(prefix, &mut |name, values, dims| {
        let mut bytes = Vec::with_capacity(std::mem::size_of_val(values));
        E::write_le(values, &mut bytes);
        entries.insert(name.to_string(), (E::DTYPE, dims.to_vec(), bytes));
    });
}

/// A model's parameters and its buffers (running statistics are part of a trained model).
fn add_model<M: Params<E>, E: SafeElement>(entries: &mut Entries, prefix: &str, model: &M) {
    add_params(entries, prefix, model);
    model.visit_buffers(prefix, &mut |name, values, dims| {
        let mut bytes = Vec::with_capacity(std::mem::size_of_val(values));
        E::write_le(values, &mut bytes);
        entries.insert(name.to_string(), (E::DTYPE, dims.to_vec(), bytes));
    });
}

/// The one metadata key shaped writes. Its value holds `name=value` lines in sorted order
/// (safetensors stores metadata as a hash map, whose order would change the file's bytes
/// from run to run): `version=0.2.0`, `config.<setting>=<value>`, `optimizer=<description>`.
const METADATA_KEY: &str = "shaped";
/// The prefix of a layer setting's entry: `config.<name>`.
const CONFIG_PREFIX: &str = "config.";
/// The entry of a checkpoint's optimizer description.
const OPTIMIZER_ENTRY: &str = "optimizer";

/// The entries shaped writes for `model`: its version and every setting.
fn model_metadata<M: Params<E>, E: Float>(model: &M, prefix: &str) -> BTreeMap<String, String> {
    let mut meta = BTreeMap::new();
    meta.insert("version".to_string(), env!("CARGO_PKG_VERSION").to_string());
    model.visit_config(prefix, &mut |name, value| {
        meta.insert(format!("{CONFIG_PREFIX}{name}"), value);
    });
    meta
}

/// The safetensors metadata map holding shaped's entries under one key.
fn encode_metadata(entries: &BTreeMap<String, String>) -> HashMap<String, String> {
    let lines: Vec<String> = entries
        .iter()
        .map(|(k, v)| format!("{k}={}", v.replace('\\', "\\\\").replace('\n', "\\n")))
        .collect();
    HashMap::from([(METADATA_KEY.to_string(), lines.join("\n"))])
}

/// shaped's entries from a file's metadata, when shaped wrote the file.
fn decode_metadata(metadata: Option<&HashMap<String, String>>) -> Option<BTreeMap<String, String>> {
    let text = metadata?.get(METADATA_KEY)?;
    Some(
        text.lines()
            .filter_map(|line| line.split_once('='))
            .map(|(k, v)| (k.to_string(), v.replace("\\n", "\n").replace("\\\\", "\\")))
            .collect(),
    )
}

/// In a file written by shaped, every setting of `model` must be recorded with the same
/// value (a dropout rate, an epsilon, a seed): the weights were trained with them.
fn check_config<M: Params<E>, E: Float>(
    metadata: Option<&BTreeMap<String, String>>,
    model: &M,
    prefix: &str,
) -> Result<(), IoError> {
    let Some(meta) = metadata else {
        return Ok(()); // another tool's file: it records no settings
    };
    let mut result = Ok(());
    model.visit_config(prefix, &mut |name, value| {
        if result.is_err() {
            return;
        }
        let found = meta.get(&format!("{CONFIG_PREFIX}{name}"));
        if found != Some(&value) {
            result = Err(IoError::Config {
                name: name.to_string(),
                expected: value,
                found: found.cloned(),
            });
        }
    });
    result
}

fn serialize_with(
    entries: &Entries,
    metadata: Option<std::collections::HashMap<String, String>>,
) -> Result<Vec<u8>, IoError> {
    let views: Vec<(&str, TensorView<'_>)> = entries
        .iter()
        .map(|(name, (dtype, shape, bytes))| {
            TensorView::new(*dtype, shape.clone(), bytes).map(|v| (name.as_str(), v))
        })
        .collect::<Result<_, _>>()
        .map_err(|e| IoError::Corrupt(e.to_string()))?;
    safetensors::serialize(views, metadata).map_err(|e| IoError::Corrupt(e.to_string()))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), IoError> {
    std::fs::write(path, bytes).map_err(|source| IoError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn read(path: &Path) -> Result<Vec<u8>, IoError> {
    std::fs::read(path).map_err(|source| IoError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The header a file for `tensors` tensors can need: generous room for names, shapes,
/// offsets and metadata. A larger header is refused before it is parsed (parsing costs
/// about 14 times the header's size in memory).
fn header_limit(tensors: usize) -> usize {
    (64usize << 10).saturating_add(tensors.saturating_mul(1 << 10))
}

/// Parses the file after checking its header length against `max_header` bytes.
fn parse(bytes: &[u8], max_header: usize) -> Result<SafeTensors<'_>, IoError> {
    if let Some(len) = bytes.get(..8) {
        let len = u64::from_le_bytes(len.try_into().expect("8 bytes"));
        if len > max_header as u64 {
            return Err(IoError::Corrupt(format!(
                "a header of {len} bytes is larger than a file for this model can need \
                 (at most {max_header})"
            )));
        }
    }
    SafeTensors::deserialize(bytes).map_err(|e| IoError::Corrupt(e.to_string()))
}

/// The number of tensors (parameters and buffers) of `model`.
fn tensor_count<M: Params<E>, E: Float>(model: &M) -> usize {
    let mut n = 0;
    model.visit("", &mut |_, _, _| n += 1);
    model.visit_buffers("", &mut |_, _, _| n += 1);
    n
}

/// Copies every parameter named under `prefix` (and, with `buffers`, every buffer) from
/// the file into `params`, checking names, dtypes and shapes; records the names it used in
/// `used`.
fn read_params<M: Params<E>, E: SafeElement>(
    file: &SafeTensors<'_>,
    prefix: &str,
    params: &mut M,
    used: &mut Vec<String>,
    buffers: bool,
) -> Result<(), IoError> {
    let mut expected = Vec::new();
    params.visit(prefix, &mut |name, _, dims| {
        expected.push((name.to_string(), dims.to_vec()))
    });
    if buffers {
        params.visit_buffers(prefix, &mut |name, _, dims| {
            expected.push((name.to_string(), dims.to_vec()))
        });
    }
    let mut views = Vec::with_capacity(expected.len());
    for (name, dims) in &expected {
        let view = file
            .tensor(name)
            .map_err(|_| IoError::Missing(name.clone()))?;
        if view.dtype() != E::DTYPE {
            return Err(IoError::Dtype {
                name: name.clone(),
                expected: format!("{:?}", E::DTYPE),
                found: format!("{:?}", view.dtype()),
            });
        }
        if view.shape() != dims.as_slice() {
            return Err(IoError::Shape {
                name: name.clone(),
                expected: dims.clone(),
                found: view.shape().to_vec(),
            });
        }
        check_length::<E>(name, &view)?;
        views.push(view);
        used.push(name.clone());
    }
    let mut next = views.into_iter();
    let mut fill = |values: &mut [E]| {
        let view = next
            .next()
            .expect("visits and mutable visits agree on the tensors");
        E::read_le(view.data(), values);
    };
    params.visit_mut(&mut fill);
    if buffers {
        params.visit_buffers_mut(&mut fill);
    }
    Ok(())
}

/// shaped's metadata entries (settings, optimizer) of a file it wrote.
fn file_metadata(bytes: &[u8]) -> Result<Option<BTreeMap<String, String>>, IoError> {
    let (_, meta) =
        SafeTensors::read_metadata(bytes).map_err(|e| IoError::Corrupt(e.to_string()))?;
    Ok(decode_metadata(meta.metadata().as_ref()))
}

/// The data holds exactly one element per shape entry (never trust a header).
fn check_length<E: SafeElement>(name: &str, view: &TensorView<'_>) -> Result<(), IoError> {
    let numel = view
        .shape()
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d));
    match numel.and_then(|n| n.checked_mul(std::mem::size_of::<E>())) {
        Some(len) if len == view.data().len() => Ok(()),
        _ => Err(IoError::Corrupt(format!(
            "tensor `{name}` holds {} bytes for shape {:?}",
            view.data().len(),
            view.shape()
        ))),
    }
}

fn reject_extra(file: &SafeTensors<'_>, used: &[String]) -> Result<(), IoError> {
    let mut extra: Vec<String> = file
        .names()
        .into_iter()
        .filter(|n| !used.iter().any(|u| u == n))
        .map(str::to_string)
        .collect();
    if extra.is_empty() {
        return Ok(());
    }
    extra.sort();
    Err(IoError::Extra(extra))
}

/// The weights of `model` as safetensors bytes.
pub fn weights_to_bytes<M: Params<E>, E: SafeElement>(model: &M) -> Result<Vec<u8>, IoError> {
    let mut entries = Entries::new();
    add_model(&mut entries, "", model);
    serialize_with(&entries, Some(encode_metadata(&model_metadata(model, ""))))
}

/// Saves the weights of `model` to `path`.
///
/// ```
/// use shaped::io::{load_weights, save_weights};
/// use shaped::nn::{Dense, Relu, Softmax};
/// let model = (Dense::<4, 8, Relu>::new(0), Dense::<8, 2, Softmax>::new(1));
/// let path = std::env::temp_dir().join("shaped-doc-weights.safetensors");
/// save_weights(&model, &path).unwrap();
/// let mut restored = (Dense::<4, 8, Relu>::new(7), Dense::<8, 2, Softmax>::new(8));
/// load_weights(&mut restored, &path).unwrap();
/// assert_eq!(restored, model);
/// ```
pub fn save_weights<M: Params<E>, E: SafeElement>(
    model: &M,
    path: impl AsRef<Path>,
) -> Result<(), IoError> {
    write(path.as_ref(), &weights_to_bytes(model)?)
}

/// How loading treats the values it reads.
///
/// ```
/// use shaped::io::{IoError, LoadOptions, load_weights_bytes_with, weights_to_bytes};
/// use shaped::nn::{Dense, Relu};
/// let mut bad = Dense::<2, 2, Relu>::new(0);
/// bad.kernel[[1, 0]] = f32::NAN;
/// let bytes = weights_to_bytes(&bad).unwrap();
/// let mut model = Dense::<2, 2, Relu>::new(1);
/// let strict = LoadOptions { require_finite: true };
/// let err = load_weights_bytes_with(&mut model, &bytes, strict).unwrap_err();
/// assert_eq!(err.to_string(), "tensor `kernel` holds NaN at element 2, and finite values are required");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Refuse a file holding NaN or an infinity (weights from outside, before they reach
    /// a model that would only ever predict NaN). Off by default: a checkpoint of a
    /// diverged run still loads for inspection.
    pub require_finite: bool,
}

/// `Err` naming the first parameter of `model` with a NaN or infinite value.
fn check_finite<M: Params<E>, E: Float>(model: &M) -> Result<(), IoError> {
    match crate::error::first_non_finite_param(model) {
        None => Ok(()),
        Some((name, index, value)) => Err(IoError::NonFinite { name, index, value }),
    }
}

/// Loads weights from safetensors bytes into `model`, checking every tensor.
pub fn load_weights_bytes<M: Params<E>, E: SafeElement>(
    model: &mut M,
    bytes: &[u8],
) -> Result<(), IoError> {
    load_weights_bytes_with(model, bytes, LoadOptions::default())
}

/// [`load_weights_bytes`] with options; on error `model` is unchanged.
pub fn load_weights_bytes_with<M: Params<E>, E: SafeElement>(
    model: &mut M,
    bytes: &[u8],
    options: LoadOptions,
) -> Result<(), IoError> {
    let file = parse(bytes, header_limit(tensor_count(model)))?;
    let mut used = Vec::new();
    let mut staged = model.clone();
    read_params(&file, "", &mut staged, &mut used, true)?;
    check_config(file_metadata(bytes)?.as_ref(), &staged, "")?;
    reject_extra(&file, &used)?;
    if options.require_finite {
        check_finite(&staged)?;
    }
    *model = staged;
    Ok(())
}

/// Loads weights from `path` into `model`; on error `model` is unchanged.
pub fn load_weights<M: Params<E>, E: SafeElement>(
    model: &mut M,
    path: impl AsRef<Path>,
) -> Result<(), IoError> {
    load_weights_with(model, path, LoadOptions::default())
}

/// [`load_weights`] with options, e.g. refusing non-finite values.
pub fn load_weights_with<M: Params<E>, E: SafeElement>(
    model: &mut M,
    path: impl AsRef<Path>,
    options: LoadOptions,
) -> Result<(), IoError> {
    let path = path.as_ref();
    load_weights_bytes_with(model, &read(path)?, options).map_err(|e| e.in_file(path))
}

/// Weights and optimizer state as safetensors bytes.
pub fn checkpoint_to_bytes<M, E, O>(model: &M, optimizer: &mut O) -> Result<Vec<u8>, IoError>
where
    M: Params<E>,
    E: SafeElement,
    O: Optimizer<M, E>,
{
    let mut entries = Entries::new();
    add_model(&mut entries, "model", model);
    let iterations = optimizer.iterations();
    for (slot, state) in optimizer.state_mut(model) {
        add_params(&mut entries, &format!("optimizer.{slot}"), state);
    }
    entries.insert(
        "optimizer.iterations".into(),
        (StDtype::U64, vec![1], iterations.to_le_bytes().to_vec()),
    );
    let mut metadata = model_metadata(model, "model");
    metadata.insert(OPTIMIZER_ENTRY.to_string(), optimizer.describe());
    serialize_with(&entries, Some(encode_metadata(&metadata)))
}

/// Saves weights and optimizer state, so that training can resume bit for bit.
pub fn save_checkpoint<M, E, O>(
    model: &M,
    optimizer: &mut O,
    path: impl AsRef<Path>,
) -> Result<(), IoError>
where
    M: Params<E>,
    E: SafeElement,
    O: Optimizer<M, E>,
{
    write(path.as_ref(), &checkpoint_to_bytes(model, optimizer)?)
}

/// Restores weights and optimizer state from safetensors bytes; on error both are unchanged.
pub fn load_checkpoint_bytes<M, E, O>(
    model: &mut M,
    optimizer: &mut O,
    bytes: &[u8],
) -> Result<(), IoError>
where
    M: Params<E>,
    E: SafeElement,
    O: Optimizer<M, E> + Clone,
{
    let mut staged_opt = optimizer.clone();
    let tensors = tensor_count(model) * (1 + staged_opt.state_mut(model).len()) + 1;
    let (header_len, metadata) = SafeTensors::read_metadata(bytes)
        .map_err(|e| IoError::Corrupt(e.to_string()))
        .and_then(|m| {
            if m.0 > header_limit(tensors) {
                Err(IoError::Corrupt(format!(
                    "a header of {} bytes is larger than a file for this model can need \
                     (at most {})",
                    m.0,
                    header_limit(tensors)
                )))
            } else {
                Ok(m)
            }
        })?;
    let _ = header_len;
    let shaped_entries = decode_metadata(metadata.metadata().as_ref());
    let found = shaped_entries
        .as_ref()
        .and_then(|m| m.get(OPTIMIZER_ENTRY).cloned());
    let expected = optimizer.describe();
    match found {
        Some(found) if found == expected => {}
        Some(found) => return Err(IoError::Optimizer { expected, found }),
        None => {
            return Err(IoError::Optimizer {
                expected,
                found: "(not recorded: not a shaped checkpoint)".into(),
            });
        }
    }
    let file = parse(bytes, header_limit(tensors))?;
    let mut used = Vec::new();
    let mut staged_model = model.clone();
    read_params(&file, "model", &mut staged_model, &mut used, true)?;
    check_config(shaped_entries.as_ref(), &staged_model, "model")?;
    for (slot, state) in staged_opt.state_mut(&staged_model) {
        read_params(&file, &format!("optimizer.{slot}"), state, &mut used, false)?;
    }
    let name = "optimizer.iterations";
    let view = file
        .tensor(name)
        .map_err(|_| IoError::Missing(name.into()))?;
    if view.dtype() != StDtype::U64 {
        return Err(IoError::Dtype {
            name: name.into(),
            expected: "U64".into(),
            found: format!("{:?}", view.dtype()),
        });
    }
    let bytes: [u8; 8] = view.data().try_into().map_err(|_| IoError::Shape {
        name: name.into(),
        expected: vec![1],
        found: view.shape().to_vec(),
    })?;
    staged_opt.set_iterations(u64::from_le_bytes(bytes));
    used.push(name.into());
    reject_extra(&file, &used)?;
    *model = staged_model;
    *optimizer = staged_opt;
    Ok(())
}

/// Restores weights and optimizer state from `path`.
pub fn load_checkpoint<M, E, O>(
    model: &mut M,
    optimizer: &mut O,
    path: impl AsRef<Path>,
) -> Result<(), IoError>
where
    M: Params<E>,
    E: SafeElement,
    O: Optimizer<M, E> + Clone,
{
    let path = path.as_ref();
    load_checkpoint_bytes(model, optimizer, &read(path)?).map_err(|e| e.in_file(path))
}

/// Loads a PyTorch `nn.Linear` saved in a state dict (`{prefix}.weight` of shape
/// `[out, in]`, `{prefix}.bias` of shape `[out]`) into a Dense layer (kernel `[in, out]`).
/// Other tensors in the file are ignored.
pub fn load_torch_dense<const I: usize, const O: usize, A: Activation, E: SafeElement>(
    path: impl AsRef<Path>,
    prefix: &str,
) -> Result<Dense<I, O, A, E>, IoError> {
    let path = path.as_ref();
    let bytes = read(path)?;
    load_torch_dense_bytes(&bytes, prefix).map_err(|e| e.in_file(path))
}

fn load_torch_dense_bytes<const I: usize, const O: usize, A: Activation, E: SafeElement>(
    bytes: &[u8],
    prefix: &str,
) -> Result<Dense<I, O, A, E>, IoError> {
    // Other tensors of a PyTorch state dict are allowed here: a larger header limit.
    let file = parse(bytes, 16 << 20)?;
    let fetch = |suffix: &str, dims: &[usize]| -> Result<Vec<E>, IoError> {
        let name = format!("{prefix}.{suffix}");
        let view = file
            .tensor(&name)
            .map_err(|_| IoError::Missing(name.clone()))?;
        if view.dtype() != E::DTYPE {
            return Err(IoError::Dtype {
                name,
                expected: format!("{:?}", E::DTYPE),
                found: format!("{:?}", view.dtype()),
            });
        }
        if view.shape() != dims {
            return Err(IoError::Shape {
                name,
                expected: dims.to_vec(),
                found: view.shape().to_vec(),
            });
        }
        check_length::<E>(&name, &view)?;
        let mut out = vec![E::zero(); dims.iter().product()];
        E::read_le(view.data(), &mut out);
        Ok(out)
    };
    let weight: Tensor<(crate::Dim<O>, crate::Dim<I>), E> =
        Tensor::from_vec(Default::default(), fetch("weight", &[O, I])?);
    let bias = Tensor::from_vec(Default::default(), fetch("bias", &[O])?);
    Ok(Dense::from_tensors(weight.transpose(), bias))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{Dense, Dropout, Relu};

    #[test]
    fn files_carry_the_version_and_every_setting() {
        let model = (Dense::<2, 3, Relu>::new(0), Dropout::new(0.25, 7));
        let meta = model_metadata(&model, "");
        assert_eq!(
            meta.get("version").map(String::as_str),
            Some(env!("CARGO_PKG_VERSION"))
        );
        let settings: Vec<&String> = meta
            .keys()
            .filter(|k| k.starts_with(CONFIG_PREFIX))
            .collect();
        assert!(!settings.is_empty(), "{meta:?}");
        assert!(
            settings.iter().all(|k| k.starts_with("config.1.")),
            "{meta:?}"
        );
        assert!(meta.values().any(|v| v == "0.25"), "{meta:?}");
        let prefixed = model_metadata(&model, "model");
        assert!(
            prefixed.keys().any(|k| k.starts_with("config.model.1.")),
            "{prefixed:?}"
        );
    }

    #[test]
    fn settings_must_match_the_file() {
        let model = (Dense::<2, 3, Relu>::new(0), Dropout::new(0.25, 7));
        let meta = model_metadata(&model, "");
        assert!(check_config(Some(&meta), &model, "").is_ok());
        assert!(
            check_config(None, &model, "").is_ok(),
            "another tool's file"
        );
        let other = (Dense::<2, 3, Relu>::new(0), Dropout::new(0.5, 7));
        match check_config(Some(&meta), &other, "") {
            Err(IoError::Config {
                expected, found, ..
            }) => {
                assert_eq!((expected.as_str(), found.as_deref()), ("0.5", Some("0.25")));
            }
            r => panic!("expected a config error, got {r:?}"),
        }
        let mut missing = meta.clone();
        missing.retain(|k, _| !k.starts_with(CONFIG_PREFIX));
        assert!(matches!(
            check_config(Some(&missing), &model, ""),
            Err(IoError::Config { found: None, .. })
        ));
    }

    #[test]
    fn the_header_limit_grows_by_a_kibibyte_per_tensor() {
        assert_eq!(header_limit(0), 64 << 10);
        assert_eq!(header_limit(3), (64 << 10) + 3 * 1024);
        assert_eq!(header_limit(100), (64 << 10) + 100 * 1024);
        assert_eq!(header_limit(usize::MAX), usize::MAX);
    }

    #[test]
    fn a_header_may_be_exactly_the_limit() {
        let with_len = |len: u64| {
            let mut bytes = len.to_le_bytes().to_vec();
            bytes.extend_from_slice(b"{}");
            bytes
        };
        let at_limit = parse(&with_len(100), 100)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(!at_limit.contains("larger than"), "{at_limit}");
        let past = parse(&with_len(101), 100).unwrap_err().to_string();
        assert!(past.contains("a header of 101 bytes is larger"), "{past}");
    }

    /// `bytes` (a safetensors file) with its header padded by spaces to `len` bytes.
    fn pad_header(bytes: &[u8], len: usize) -> Vec<u8> {
        let old = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        let mut out = (len as u64).to_le_bytes().to_vec();
        out.extend_from_slice(&bytes[8..8 + old]);
        out.resize(8 + len, b' ');
        out.extend_from_slice(&bytes[8 + old..]);
        out
    }

    #[test]
    fn a_checkpoint_header_may_be_exactly_its_models_limit() {
        use crate::optim::RmsProp;
        type Net = (Dense<2, 2, Relu>, Dense<2, 1, Relu>);
        let net = |seed| (Dense::new(seed), Dense::new(seed + 1));
        let mut opt = RmsProp::<Net>::default();
        let mut model: Net = net(0);
        crate::optim::Optimizer::step(&mut opt, &mut model, &net(1));
        let bytes = checkpoint_to_bytes(&model, &mut opt).unwrap();
        // Counted by hand: two kernels and two biases, their four RMSprop averages, and
        // the step counter: 9 tensors.
        let limit = (64 << 10) + 9 * 1024;
        let (mut restored, mut restored_opt) = (net(9), RmsProp::<Net>::default());
        load_checkpoint_bytes(&mut restored, &mut restored_opt, &pad_header(&bytes, limit))
            .expect("a header exactly at the limit loads");
        assert_eq!(restored, model);
        let err = load_checkpoint_bytes(
            &mut restored,
            &mut restored_opt,
            &pad_header(&bytes, limit + 1),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains(&format!("a header of {} bytes is larger", limit + 1)),
            "{err}"
        );
    }

    #[test]
    fn require_finite_refuses_nan_and_infinity_and_is_off_by_default() {
        for bad_value in [f32::NAN, f32::INFINITY] {
            let mut bad = Dense::<2, 2, Relu>::new(0);
            bad.bias[[1]] = bad_value;
            let bytes = weights_to_bytes(&bad).unwrap();
            let mut model = Dense::<2, 2, Relu>::new(1);
            let strict = LoadOptions {
                require_finite: true,
            };
            match load_weights_bytes_with(&mut model, &bytes, strict) {
                Err(IoError::NonFinite { name, index, .. }) => {
                    assert_eq!((name.as_str(), index), ("bias", 1));
                }
                r => panic!("expected a non-finite error, got {r:?}"),
            }
            assert_eq!(model, Dense::<2, 2, Relu>::new(1), "unchanged on error");
            load_weights_bytes(&mut model, &bytes).expect("loads by default");
            assert!(model.bias[[1]].is_nan() || model.bias[[1]].is_infinite());
        }
    }

    #[test]
    fn tensor_count_counts_parameters_and_buffers() {
        let two = (Dense::<2, 3, Relu>::new(0), Dense::<3, 1, Relu>::new(1));
        assert_eq!(tensor_count(&two), 4);
        assert_eq!(
            tensor_count(&(Dense::<2, 3, Relu>::new(0), Dropout::new(0.1, 0))),
            2
        );
        // gamma and beta, then the moving mean and variance (buffers).
        assert_eq!(
            tensor_count(&(crate::nn::BatchNormalization::<2>::new(),)),
            4
        );
    }

    #[test]
    fn loading_checks_the_settings_recorded_in_the_file() {
        let saved = (Dense::<2, 3, Relu>::new(0), Dropout::new(0.25, 7));
        let bytes = weights_to_bytes(&saved).unwrap();
        let mut same = (Dense::<2, 3, Relu>::new(5), Dropout::new(0.25, 7));
        load_weights_bytes(&mut same, &bytes).unwrap();
        assert_eq!(same.0, saved.0);
        let mut other = (Dense::<2, 3, Relu>::new(5), Dropout::new(0.5, 7));
        let err = load_weights_bytes(&mut other, &bytes).unwrap_err();
        assert!(matches!(err, IoError::Config { .. }), "{err}");
    }

    #[test]
    fn the_parser_refuses_bytes_that_disagree_with_a_shape() {
        // Why `check_length` has no failing case of its own: a header that gives a
        // [2] f32 tensor 4 bytes never gets past safetensors' own validation.
        let header = br#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#;
        let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
        bytes.extend_from_slice(header);
        bytes.extend_from_slice(&[0; 4]);
        assert!(SafeTensors::deserialize(&bytes).is_err());
        assert!(parse(&bytes, 1 << 16).is_err());
    }
}
