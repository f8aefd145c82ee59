//! `include_net!`: declares a fixed-size net whose weights come from a safetensors file read
//! when the program is built, checked against the declared layers. Re-exported by
//! `shaped-embed`; see its documentation for the syntax.

use std::path::{Path, PathBuf};

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use safetensors::{Dtype, SafeTensors};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{
    Attribute, Expr, GenericArgument, Ident, LitStr, PathArguments, Token, Type, Visibility,
};

/// See `shaped_embed::include_net!`.
#[proc_macro]
pub fn include_net(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    let caller_file = proc_macro::Span::call_site().local_file();
    let decl = syn::parse_macro_input!(input as NetDecl);
    match expand(decl, caller_file) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// `[type Alias = (layers);] static NAME: (layers) | Alias = "file" | env!("VAR");`
struct NetDecl {
    alias: Option<(Vec<Attribute>, Visibility, Ident, Type)>,
    attrs: Vec<Attribute>,
    vis: Visibility,
    name: Ident,
    ty: Type,
    source: Source,
}

/// Where the weights are: a path literal (relative to the calling file, like
/// `include_bytes!`), or `env!("VAR")` / `concat!` of literals and `env!`s (absolute, or
/// relative to the crate's manifest directory).
enum Source {
    File(LitStr),
    Parts(Span, Vec<Part>),
}

enum Part {
    Lit(LitStr),
    Env(LitStr),
}

fn parse_part(mac: &syn::Macro) -> syn::Result<Vec<Part>> {
    if mac.path.is_ident("env") {
        return Ok(vec![Part::Env(mac.parse_body()?)]);
    }
    if mac.path.is_ident("concat") {
        let items =
            mac.parse_body_with(syn::punctuated::Punctuated::<Expr, Token![,]>::parse_terminated)?;
        let mut parts = Vec::new();
        for item in items {
            match item {
                Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => parts.push(Part::Lit(s)),
                Expr::Macro(m) if m.mac.path.is_ident("env") => parts.extend(parse_part(&m.mac)?),
                other => {
                    return Err(syn::Error::new(
                        other.span(),
                        "concat! here takes string literals and env!(\"VAR\")",
                    ));
                }
            }
        }
        return Ok(parts);
    }
    Err(syn::Error::new(
        mac.span(),
        "the weights come from a path literal, \"file.safetensors\", env!(\"VAR\") or concat!(env!(\"VAR\"), \"/file\")",
    ))
}

impl Parse for NetDecl {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut attrs = input.call(Attribute::parse_outer)?;
        let mut vis: Visibility = input.parse()?;
        let mut alias = None;
        if input.peek(Token![type]) {
            input.parse::<Token![type]>()?;
            let ident: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            let ty: Type = input.parse()?;
            input.parse::<Token![;]>()?;
            alias = Some((attrs, vis, ident, ty));
            attrs = input.call(Attribute::parse_outer)?;
            vis = input.parse()?;
        }
        input.parse::<Token![static]>()?;
        let name: Ident = input.parse()?;
        input.parse::<Token![:]>()?;
        let ty: Type = input.parse()?;
        input.parse::<Token![=]>()?;
        let source = if input.peek(LitStr) {
            Source::File(input.parse()?)
        } else {
            let mac: syn::Macro = input.parse()?;
            Source::Parts(mac.span(), parse_part(&mac)?)
        };
        input.parse::<Token![;]>()?;
        if !input.is_empty() {
            return Err(input.error("include_net! declares one net (and optionally its type)"));
        }
        Ok(NetDecl {
            alias,
            attrs,
            vis,
            name,
            ty,
            source,
        })
    }
}

/// What a layer reads or writes: a vector or a channels-last image.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Vector(usize),
    Image(usize, usize, usize),
}

impl Shape {
    fn describe(self) -> String {
        match self {
            Shape::Vector(n) => format!("{n} values"),
            Shape::Image(h, w, c) => format!("{h}x{w}x{c} images"),
        }
    }
}

/// One tensor a layer needs from the file.
struct Need {
    name: String,
    shape: Vec<usize>,
    dtype: Dtype,
}

impl Need {
    fn new(name: String, shape: Vec<usize>, dtype: Dtype) -> Self {
        Need { name, shape, dtype }
    }
}

/// A parsed layer: its tokens in shaped-embed's types, what it reads and writes, the tensors
/// it needs and how its constructor is called with them.
struct Layer {
    span: Span,
    written: String,
    input: Shape,
    output: Shape,
    ty: TokenStream,
    needs: Vec<Need>,
    /// Builds the constructor call from the statics' values (`NAME`, or `NAME.0` for a
    /// kernel in its cache-line wrapper).
    build: Box<dyn Fn(&[TokenStream]) -> TokenStream>,
}

fn dims(
    args: &[GenericArgument],
    at: usize,
    count: usize,
    written: &str,
    span: Span,
) -> syn::Result<Vec<usize>> {
    (at..at + count)
        .map(|i| match args.get(i) {
            Some(GenericArgument::Const(Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(n), .. }))) => n.base10_parse::<usize>(),
            Some(other) => Err(syn::Error::new(
                other.span(),
                format!("`{written}`: layer sizes must be integer literals here (include_net! reads them to check the file)"),
            )),
            None => Err(syn::Error::new(span, format!("`{written}` needs {} sizes", at + count))),
        })
        .collect()
}

/// A type argument after the sizes (activation or padding), or its default.
fn type_arg(args: &[GenericArgument], at: usize, default: TokenStream) -> TokenStream {
    match args.get(at) {
        Some(GenericArgument::Type(t)) => quote!(#t),
        _ => default,
    }
}

/// Keras's output size of a window (as shaped's layers check it).
fn window_out(n: usize, k: usize, s: usize, same: bool) -> usize {
    if s == 0 {
        0
    } else if same {
        n.div_ceil(s)
    } else if n >= k {
        (n - k) / s + 1
    } else {
        0
    }
}

fn is_same(padding: &TokenStream) -> bool {
    padding.to_string().trim().ends_with("Same")
}

fn parse_layer(ty: &Type, index: usize, previous: Option<Shape>) -> syn::Result<Layer> {
    let span = ty.span();
    let written = quote!(#ty)
        .to_string()
        .replace(" < ", "<")
        .replace(" >", ">")
        .replace(" ,", ",");
    let Type::Path(path) = ty else {
        return Err(syn::Error::new(
            span,
            format!("`{written}` is not a layer type"),
        ));
    };
    let segment = path.path.segments.last().expect("a path has a segment");
    let args: Vec<GenericArgument> = match &segment.arguments {
        PathArguments::AngleBracketed(a) => a
            .args
            .iter()
            .filter(|a| !matches!(a, GenericArgument::Lifetime(_)))
            .cloned()
            .collect(),
        _ => Vec::new(),
    };
    let e = quote!(::shaped_embed);
    let linear = quote!(#e::Linear);
    let valid = quote!(#e::Valid);
    let p = |s: &str| format!("{index}.{s}");
    let kind = segment.ident.to_string();
    let layer = match kind.as_str() {
        "Dense" | "FixedDense" | "Bf16Dense" => {
            // Both read an `[in, out]` kernel and an f32 bias; a bf16 layer's kernel is BF16.
            let (layer_ty, kernel_dtype) = if kind == "Bf16Dense" {
                (quote!(#e::Bf16Dense), Dtype::BF16)
            } else {
                (quote!(#e::FixedDense), Dtype::F32)
            };
            let d = dims(&args, 0, 2, &written, span)?;
            let (i, o) = (d[0], d[1]);
            let a = type_arg(&args, 2, linear);
            Layer {
                span,
                written: written.clone(),
                input: Shape::Vector(i),
                output: Shape::Vector(o),
                ty: quote!(#layer_ty<'static, #i, #o, #a>),
                needs: vec![
                    Need::new(p("kernel"), vec![i, o], kernel_dtype),
                    Need::new(p("bias"), vec![o], Dtype::F32),
                ],
                build: Box::new(move |s| {
                    let (k, b) = (&s[0], &s[1]);
                    quote!(#layer_ty::new(&#k, &#b))
                }),
            }
        }
        "Int8Dense" => {
            let d = dims(&args, 0, 2, &written, span)?;
            let (i, o) = (d[0], d[1]);
            let a = type_arg(&args, 2, linear);
            Layer {
                span,
                written: written.clone(),
                input: Shape::Vector(i),
                output: Shape::Vector(o),
                ty: quote!(#e::Int8Dense<'static, #i, #o, #a>),
                needs: vec![
                    Need::new(p("kernel"), vec![i, o], Dtype::I8),
                    Need::new(p("kernel_scale"), vec![o], Dtype::F32),
                    Need::new(p("bias"), vec![o], Dtype::F32),
                    Need::new(p("input_scale"), vec![1], Dtype::F32),
                ],
                build: Box::new(move |s| {
                    let (k, sc, b, is) = (&s[0], &s[1], &s[2], &s[3]);
                    quote!(#e::Int8Dense::new(&#k, &#sc, &#b, #is[0]))
                }),
            }
        }
        "Conv2D" | "FixedConv2D" => {
            let d = dims(&args, 0, 7, &written, span)?;
            let (ih, iw, ic, oh, ow, oc, k) = (d[0], d[1], d[2], d[3], d[4], d[5], d[6]);
            let a = type_arg(&args, 7, linear);
            let stride = if args.len() > 8 {
                dims(&args, 8, 1, &written, span)?[0]
            } else {
                1
            };
            let padding = type_arg(&args, 9, valid);
            let same = is_same(&padding);
            let (eh, ew) = (
                window_out(ih, k, stride, same),
                window_out(iw, k, stride, same),
            );
            if (eh, ew) != (oh, ow) {
                return Err(syn::Error::new(
                    span,
                    format!(
                        "Conv2D {k}x{k}, stride {stride}, {}, on {ih}x{iw} gives {eh}x{ew}, not {oh}x{ow}",
                        if same { "same" } else { "valid" }
                    ),
                ));
            }
            Layer {
                span,
                written: written.clone(),
                input: Shape::Image(ih, iw, ic),
                output: Shape::Image(oh, ow, oc),
                ty: quote!(#e::FixedConv2D<'static, #ih, #iw, #ic, #oh, #ow, #oc, #k, #a, #stride, #padding>),
                needs: vec![
                    Need::new(p("kernel"), vec![k, k, ic, oc], Dtype::F32),
                    Need::new(p("bias"), vec![oc], Dtype::F32),
                ],
                build: Box::new(move |s| {
                    let (kk, b) = (&s[0], &s[1]);
                    quote!(#e::FixedConv2D::new(&#kk, &#b))
                }),
            }
        }
        "MaxPooling2D" | "AveragePooling2D" | "FixedMaxPooling2D" | "FixedAveragePooling2D" => {
            let d = dims(&args, 0, 6, &written, span)?;
            let (ih, iw, c, oh, ow, pool) = (d[0], d[1], d[2], d[3], d[4], d[5]);
            let padding = type_arg(&args, 6, valid);
            let same = is_same(&padding);
            let (eh, ew) = (
                window_out(ih, pool, pool, same),
                window_out(iw, pool, pool, same),
            );
            let name = kind.trim_start_matches("Fixed").to_string();
            if (eh, ew) != (oh, ow) {
                return Err(syn::Error::new(
                    span,
                    format!(
                        "{name} {pool}x{pool}, {}, on {ih}x{iw} gives {eh}x{ew}, not {oh}x{ow}",
                        if same { "same" } else { "valid" }
                    ),
                ));
            }
            let ty = if name == "MaxPooling2D" {
                quote!(#e::FixedMaxPooling2D<#ih, #iw, #c, #oh, #ow, #pool, #padding>)
            } else {
                quote!(#e::FixedAveragePooling2D<#ih, #iw, #c, #oh, #ow, #pool, #padding>)
            };
            let build_ty = ty.clone();
            Layer {
                span,
                written: written.clone(),
                input: Shape::Image(ih, iw, c),
                output: Shape::Image(oh, ow, c),
                ty,
                needs: Vec::new(),
                build: Box::new(move |_| quote!(<#build_ty>::new())),
            }
        }
        "Flatten" | "FixedFlatten" => {
            let n = dims(&args, args.len().saturating_sub(1), 1, &written, span)?[0];
            let Some(Shape::Image(h, w, c)) = previous else {
                return Err(syn::Error::new(
                    span,
                    format!(
                        "`{written}` flattens images: it must follow a Conv2D or pooling layer"
                    ),
                ));
            };
            if h * w * c != n {
                return Err(syn::Error::new(
                    span,
                    format!(
                        "Flatten<{n}> after {h}x{w}x{c} images: N must be {}",
                        h * w * c
                    ),
                ));
            }
            let ty = quote!(#e::FixedFlatten<#h, #w, #c, #n>);
            let build_ty = ty.clone();
            Layer {
                span,
                written: written.clone(),
                input: Shape::Image(h, w, c),
                output: Shape::Vector(n),
                ty,
                needs: Vec::new(),
                build: Box::new(move |_| quote!(<#build_ty>::new())),
            }
        }
        other => {
            return Err(syn::Error::new(
                span,
                format!(
                    "include_net! knows Dense, Bf16Dense, Int8Dense, Conv2D, MaxPooling2D, AveragePooling2D and Flatten, not `{other}`"
                ),
            ));
        }
    };
    if let Some(prev) = previous
        && prev != layer.input
    {
        return Err(syn::Error::new(
            span,
            format!(
                "layer {index} `{}` takes {}, layer {} gives {}",
                layer.written,
                layer.input.describe(),
                index - 1,
                prev.describe()
            ),
        ));
    }
    Ok(layer)
}

/// The file's path and how it was named (for messages), plus tokens that make the build
/// depend on the variable.
fn resolve(source: &Source, caller_file: Option<PathBuf>) -> syn::Result<(PathBuf, TokenStream)> {
    match source {
        Source::File(lit) => {
            let written = PathBuf::from(lit.value());
            let path = if written.is_absolute() {
                written
            } else {
                let Some(dir) = caller_file.as_deref().and_then(Path::parent) else {
                    return Err(syn::Error::new(
                        lit.span(),
                        "cannot tell which file calls include_net!: use an absolute path or env!(\"VAR\")",
                    ));
                };
                dir.join(written)
            };
            Ok((path, TokenStream::new()))
        }
        Source::Parts(_, parts) => {
            let mut value = String::new();
            let mut tracking = TokenStream::new();
            for part in parts {
                match part {
                    Part::Lit(s) => value.push_str(&s.value()),
                    Part::Env(var) => {
                        let name = var.value();
                        let v = std::env::var(&name).map_err(|_| {
                            syn::Error::new(var.span(), format!("set {name} to the weights file (a safetensors file saved by shaped)"))
                        })?;
                        value.push_str(&v);
                        // Rebuild when the variable changes.
                        tracking.extend(quote!(
                            const _: &str = env!(#var);
                        ));
                    }
                }
            }
            let mut path = PathBuf::from(value);
            if path.is_relative()
                && let Ok(dir) = std::env::var("CARGO_MANIFEST_DIR")
            {
                path = Path::new(&dir).join(path);
            }
            Ok((path, tracking))
        }
    }
}

fn expand(decl: NetDecl, caller_file: Option<PathBuf>) -> syn::Result<TokenStream> {
    let source_span = match &decl.source {
        Source::File(l) => l.span(),
        Source::Parts(span, _) => *span,
    };
    let layers_ty = match (&decl.alias, &decl.ty) {
        (Some((_, _, alias, ty)), Type::Path(p)) if p.path.is_ident(alias) => ty.clone(),
        (Some((_, _, alias, _)), other) => {
            return Err(syn::Error::new(
                other.span(),
                format!("the static's type must be `{alias}`, the type declared above"),
            ));
        }
        (None, ty) => ty.clone(),
    };
    let layer_types: Vec<Type> = match &layers_ty {
        Type::Tuple(t) => t.elems.iter().cloned().collect(),
        Type::Paren(p) => vec![(*p.elem).clone()],
        other => vec![other.clone()],
    };
    if layer_types.is_empty() {
        return Err(syn::Error::new(
            layers_ty.span(),
            "a net needs at least one layer",
        ));
    }
    let mut layers: Vec<Layer> = Vec::new();
    for (i, ty) in layer_types.iter().enumerate() {
        let previous = layers.last().map(|l| l.output);
        layers.push(parse_layer(ty, i, previous)?);
    }

    let (path, tracking) = resolve(&decl.source, caller_file)?;
    let shown = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let bytes = std::fs::read(&path)
        .map_err(|e| syn::Error::new(source_span, format!("{}: {e}", path.display())))?;
    let file = SafeTensors::deserialize(&bytes).map_err(|e| {
        syn::Error::new(source_span, format!("{shown}: not a safetensors file: {e}"))
    })?;

    let e = quote!(::shaped_embed);
    let path_str = path.to_string_lossy().into_owned();
    let mut statics = TokenStream::new();
    let mut builds = Vec::new();
    let mut known = Vec::new();
    for (index, layer) in layers.iter().enumerate() {
        let mut idents = Vec::new();
        for need in &layer.needs {
            known.push(need.name.clone());
            let tensor = file.tensor(&need.name).map_err(|_| {
                syn::Error::new(
                    layer.span,
                    format!(
                        "tensor `{}` {:?} of layer {index} `{}` is missing from {shown}",
                        need.name, need.shape, layer.written
                    ),
                )
            })?;
            if tensor.shape() != need.shape.as_slice() {
                return Err(syn::Error::new(
                    layer.span,
                    format!(
                        "tensor `{}` is {:?} in {shown}, {:?} in the model (layer {index} `{}`)",
                        need.name,
                        tensor.shape(),
                        need.shape,
                        layer.written
                    ),
                ));
            }
            if tensor.dtype() != need.dtype {
                return Err(syn::Error::new(
                    layer.span,
                    format!(
                        "tensor `{}` is {:?} in {shown}, layer {index} `{}` needs {:?}",
                        need.name,
                        tensor.dtype(),
                        layer.written,
                        need.dtype
                    ),
                ));
            }
            let start = tensor.data().as_ptr() as usize - bytes.as_ptr() as usize;
            let ident = format_ident!(
                "__L{}_{}",
                index,
                need.name.rsplit('.').next().unwrap_or("w").to_uppercase()
            );
            let dims = &need.shape;
            let (ty, init) = match (need.dtype, dims.as_slice()) {
                (Dtype::BF16, [r, c]) => (
                    quote!([[#e::Bf16; #c]; #r]),
                    quote!(#e::__private::matrix_bf16::<#r, #c>(BYTES, #start)),
                ),
                (Dtype::I8, [r, c]) => (
                    quote!([[i8; #c]; #r]),
                    quote!(#e::__private::matrix_i8::<#r, #c>(BYTES, #start)),
                ),
                (_, [n]) => (
                    quote!([f32; #n]),
                    quote!(#e::__private::vector_f32::<#n>(BYTES, #start)),
                ),
                (_, [r, c]) => (
                    quote!([[f32; #c]; #r]),
                    quote!(#e::__private::matrix_f32::<#r, #c>(BYTES, #start)),
                ),
                (_, [a, b, c, d]) => (
                    quote!([[[[f32; #d]; #c]; #b]; #a]),
                    quote!(#e::__private::kernel_f32::<#a, #b, #c, #d>(BYTES, #start)),
                ),
                _ => unreachable!("layers need vectors, matrices and conv kernels"),
            };
            // Matrices and conv kernels start on a cache line, as shaped's run-time weights
            // do: a SIMD load of a row then reads one line, not two.
            if dims.len() > 1 {
                statics.extend(quote_spanned!(layer.span=>
                    static #ident: #e::__private::CacheLine<#ty> = #e::__private::CacheLine(#init);
                ));
                idents.push(quote!(#ident.0));
            } else {
                statics.extend(quote_spanned!(layer.span=> static #ident: #ty = #init;));
                idents.push(quote!(#ident));
            }
        }
        builds.push((layer.build)(&idents));
    }
    let mut names = file.names();
    names.sort();
    if let Some(extra) = names.into_iter().find(|n| !known.iter().any(|k| k == *n)) {
        return Err(syn::Error::new(
            source_span,
            format!("tensor `{extra}` is in {shown} but not in the model"),
        ));
    }

    let types: Vec<&TokenStream> = layers.iter().map(|l| &l.ty).collect();
    let net_ty = if types.len() == 1 {
        quote!(#(#types)*)
    } else {
        quote!((#(#types,)*))
    };
    let value = if builds.len() == 1 {
        quote!(#(#builds)*)
    } else {
        quote!((#(#builds,)*))
    };
    let NetDecl {
        alias,
        attrs,
        vis,
        name,
        ..
    } = decl;
    let (alias_item, static_ty) = match alias {
        Some((a_attrs, a_vis, a_name, _)) => (
            quote!(#(#a_attrs)* #a_vis type #a_name = #net_ty;),
            quote!(#a_name),
        ),
        None => (TokenStream::new(), net_ty),
    };
    Ok(quote! {
        #alias_item
        #(#attrs)*
        #vis static #name: #static_ty = {
            #tracking
            // The file's bytes, decoded into typed arrays at compile time (and a rebuild
            // whenever the file changes).
            const BYTES: &[u8] = include_bytes!(#path_str);
            #statics
            #value
        };
    })
}
