//! Derive macros for [shaped](https://docs.rs/shaped). See `shaped::nn::Params`.

use proc_macro::TokenStream;
use proc_macro2::TokenStream as Tokens;
use quote::{format_ident, quote};
use syn::{Data, DeriveInput, Fields, Index, Member, parse_macro_input, spanned::Spanned};

/// How a field takes part in `Params`.
#[derive(Clone, Copy, PartialEq)]
enum Role {
    /// Trainable parameters (the default): visited, updated by optimizers, saved.
    Param,
    /// Non-trainable buffers (running statistics): saved and loaded, never updated by an
    /// optimizer.
    Buffer,
    /// A setting that changes the computation (a rate, an epsilon, a seed): saved as text
    /// in the file's metadata and checked on load.
    Config,
    /// Not visited at all.
    Skip,
}

fn role(field: &syn::Field) -> syn::Result<Role> {
    let mut role = Role::Param;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("params")) {
        attr.parse_nested_meta(|meta| {
            role = if meta.path.is_ident("skip") {
                Role::Skip
            } else if meta.path.is_ident("buffer") {
                Role::Buffer
            } else if meta.path.is_ident("config") {
                Role::Config
            } else {
                return Err(meta.error("expected `skip`, `buffer` or `config`"));
            };
            Ok(())
        })?;
    }
    Ok(role)
}

/// Derives `shaped::nn::Params` for a struct whose fields are tensors, layers or other
/// `Params` values, visited in field order under the field's name (`hidden.kernel`).
///
/// Field attributes: `#[params(buffer)]` (saved, never trained), `#[params(config)]`
/// (a `Debug` setting saved in the metadata and checked on load), `#[params(skip)]`.
/// A struct without fields (a layer without parameters) gets an impl that visits nothing.
#[proc_macro_derive(Params, attributes(params))]
pub fn derive_params(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match params(&input) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

fn params(input: &DeriveInput) -> syn::Result<Tokens> {
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new(
            input.span(),
            "#[derive(Params)] works on structs",
        ));
    };
    let members: Vec<(Member, String, &syn::Type, Role)> = match &data.fields {
        Fields::Named(f) => f
            .named
            .iter()
            .map(|field| {
                let ident = field.ident.clone().expect("named field");
                let name = ident.to_string();
                Ok((Member::Named(ident), name, &field.ty, role(field)?))
            })
            .collect::<syn::Result<_>>()?,
        Fields::Unnamed(f) => f
            .unnamed
            .iter()
            .enumerate()
            .map(|(i, field)| {
                Ok((
                    Member::Unnamed(Index::from(i)),
                    i.to_string(),
                    &field.ty,
                    role(field)?,
                ))
            })
            .collect::<syn::Result<_>>()?,
        Fields::Unit => Vec::new(),
    };
    let e = format_ident!("__ShapedElem");
    let name = &input.ident;
    let (_, ty_generics, _) = input.generics.split_for_impl();
    let mut generics = input.generics.clone();
    generics
        .params
        .insert(0, syn::parse_quote!(#e: ::shaped::tensor::Float));
    let where_clause = generics.make_where_clause();
    where_clause
        .predicates
        .push(syn::parse_quote!(#name #ty_generics: ::core::clone::Clone));
    for (_, _, ty, role) in &members {
        if matches!(role, Role::Param | Role::Buffer) {
            where_clause
                .predicates
                .push(syn::parse_quote!(#ty: ::shaped::nn::Params<#e>));
        }
        if *role == Role::Config {
            where_clause
                .predicates
                .push(syn::parse_quote!(#ty: ::core::fmt::Debug));
        }
    }
    let (impl_generics, _, where_clause) = generics.split_for_impl();
    let of = |wanted: Role| members.iter().filter(move |m| m.3 == wanted);
    let visit = of(Role::Param).map(|(m, n, _, _)| {
        quote!(::shaped::nn::Params::<#e>::visit(&self.#m, &::shaped::nn::join(prefix, #n), f);)
    });
    let visit_mut = of(Role::Param)
        .map(|(m, _, _, _)| quote!(::shaped::nn::Params::<#e>::visit_mut(&mut self.#m, f);));
    let zip = of(Role::Param).map(|(m, _, _, _)| {
        quote!(::shaped::nn::Params::<#e>::zip_update(
            &mut self.#m, &grads.#m, states.each_mut().map(|s| &mut s.#m), f);)
    });
    // A param field's own buffers and settings, then buffer fields (visited whole).
    let buffers = of(Role::Param)
        .map(|(m, n, _, _)| {
            quote!(::shaped::nn::Params::<#e>::visit_buffers(&self.#m, &::shaped::nn::join(prefix, #n), f);)
        })
        .chain(of(Role::Buffer).map(|(m, n, _, _)| {
            quote!(::shaped::nn::Params::<#e>::visit(&self.#m, &::shaped::nn::join(prefix, #n), f);)
        }))
        .collect::<Vec<_>>();
    let buffers_mut = of(Role::Param)
        .map(|(m, _, _, _)| quote!(::shaped::nn::Params::<#e>::visit_buffers_mut(&mut self.#m, f);))
        .chain(
            of(Role::Buffer).map(
                |(m, _, _, _)| quote!(::shaped::nn::Params::<#e>::visit_mut(&mut self.#m, f);),
            ),
        )
        .collect::<Vec<_>>();
    let config = of(Role::Param)
        .map(|(m, n, _, _)| {
            quote!(::shaped::nn::Params::<#e>::visit_config(&self.#m, &::shaped::nn::join(prefix, #n), f);)
        })
        .chain(of(Role::Config).map(|(m, n, _, _)| {
            quote!(f(&::shaped::nn::join(prefix, #n), ::std::format!("{:?}", self.#m));)
        }))
        .collect::<Vec<_>>();
    Ok(quote! {
        #[allow(unused_variables, unused_mut)]
        impl #impl_generics ::shaped::nn::Params<#e> for #name #ty_generics #where_clause {
            fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &[#e], &[usize])) {
                #(#visit)*
            }
            fn visit_mut(&mut self, f: &mut dyn FnMut(&mut [#e])) {
                #(#visit_mut)*
            }
            // A name no user struct has for its own generics (a `const K` is common).
            fn zip_update<const __SHAPED_STATES: usize>(
                &mut self,
                grads: &Self,
                mut states: [&mut Self; __SHAPED_STATES],
                f: &mut dyn FnMut(&mut [#e], &[#e], [&mut [#e]; __SHAPED_STATES]),
            ) {
                #(#zip)*
            }
            fn visit_buffers(&self, prefix: &str, f: &mut dyn FnMut(&str, &[#e], &[usize])) {
                #(#buffers)*
            }
            fn visit_buffers_mut(&mut self, f: &mut dyn FnMut(&mut [#e])) {
                #(#buffers_mut)*
            }
            fn visit_config(&self, prefix: &str, f: &mut dyn FnMut(&str, String)) {
                #(#config)*
            }
        }
    })
}

/// Derives `shaped::nn::Layer` and `shaped::nn::Train` for a struct whose fields are
/// layers, run in field order on the input type named by `#[model(input = ...)]`: a struct
/// model, usable wherever a tuple model is (`fit`, `value_and_grad`, save and load with
/// `#[derive(Params)]`, whose names follow the fields: `hidden.kernel`).
///
/// Each link is checked where its field is written: a field that cannot take the previous
/// field's output is a compile error at that field.
#[proc_macro_derive(Model, attributes(model))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match model(&input) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

fn model_input(input: &DeriveInput) -> syn::Result<syn::Type> {
    let mut ty = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("model")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("input") {
                ty = Some(meta.value()?.parse::<syn::Type>()?);
                Ok(())
            } else {
                Err(meta.error("expected `input = <tensor type>`"))
            }
        })?;
    }
    ty.ok_or_else(|| {
        syn::Error::new(
            input.ident.span(),
            "#[derive(Model)] needs the input type: #[model(input = Tensor<(usize, Dim<784>)>)]",
        )
    })
}

fn model(input: &DeriveInput) -> syn::Result<Tokens> {
    let x = model_input(input)?;
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new(
            input.span(),
            "#[derive(Model)] works on structs",
        ));
    };
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new(
            input.generics.span(),
            "#[derive(Model)] works on structs without generic parameters",
        ));
    }
    let fields: Vec<(Member, &syn::Type)> = match &data.fields {
        Fields::Named(f) => f
            .named
            .iter()
            .map(|field| {
                (
                    Member::Named(field.ident.clone().expect("named")),
                    &field.ty,
                )
            })
            .collect(),
        Fields::Unnamed(f) => f
            .unnamed
            .iter()
            .enumerate()
            .map(|(i, field)| (Member::Unnamed(Index::from(i)), &field.ty))
            .collect(),
        Fields::Unit => Vec::new(),
    };
    if fields.is_empty() {
        return Err(syn::Error::new(
            input.span(),
            "a model needs at least one layer",
        ));
    }
    let name = &input.ident;
    let n = fields.len();
    // The input type of each layer, from an input type `base`.
    let inputs = |base: Tokens| {
        let mut ys: Vec<Tokens> = vec![base];
        for (_, ty) in &fields[..n - 1] {
            let prev = ys.last().expect("one input at least").clone();
            ys.push(quote!(<#ty as ::shaped::nn::Layer<#prev>>::Output));
        }
        ys
    };
    // The links are checked on the declared input, one error at each field that breaks
    // one; the impls are generic over the input (`__X`) and bounded by the same links, so
    // a broken link adds no second error at the derive.
    let declared = inputs(quote!(#x));
    let ys = inputs(quote!(__X));
    let layer_bounds = fields
        .iter()
        .zip(&ys)
        .map(|((_, ty), y)| quote!(#ty: ::shaped::nn::Layer<#y>));
    let last_ty = fields[n - 1].1;
    let last_in = &ys[n - 1];
    let train_bounds: Vec<Tokens> = fields
        .iter()
        .zip(&ys)
        .map(|((_, ty), y)| quote!(#y: ::shaped::nn::HasElem, #ty: ::shaped::nn::Train<#y>))
        .collect();
    let links = fields.iter().zip(&declared).map(|((_, ty), y)| {
        quote::quote_spanned! {ty.span()=>
            // The link, then the layer's own input-dependent check on the declared input:
            // both reported by `cargo check` at the field (a broken link gives one error).
            const _: () = {
                const fn link<L: ::shaped::nn::Layer<#y>>() {
                    L::CHECK
                }
                link::<#ty>()
            };
        }
    });
    // Each layer's input-dependent shape check (`Layer::CHECK`), evaluated by the
    // model's own forward passes.
    let checks = fields
        .iter()
        .zip(&ys)
        .map(|((_, ty), y)| quote!(<#ty as ::shaped::nn::Layer<#y>>::CHECK));
    let forward = fields.iter().zip(&ys).enumerate().map(|(i, ((m, ty), y))| {
        let arg = if i == 0 { quote!(x) } else { quote!(&x) };
        quote!(let x = <#ty as ::shaped::nn::Layer<#y>>::forward(&self.#m, #arg);)
    });
    let idx: Vec<Index> = (0..n).map(Index::from).collect();
    let caches = fields
        .iter()
        .zip(&ys)
        .map(|((_, ty), y)| quote!(<#ty as ::shaped::nn::Train<#y>>::Cache));
    let buffers = ys[1..].iter().map(|y| quote!(::core::option::Option<#y>));
    let forward_train = fields.iter().zip(&ys).zip(&idx).map(|(((m, ty), y), i)| {
        quote!(let x = <#ty as ::shaped::nn::Train<#y>>::forward_train(&mut self.#m, x, &mut c.#i);)
    });
    let backward = (0..n).rev().map(|i| {
        let (m, ty) = &fields[i];
        let y = &ys[i];
        let ci = &idx[i];
        let input = if i == 0 {
            quote!(x)
        } else {
            let (pty, py, pi) = (fields[i - 1].1, &ys[i - 1], &idx[i - 1]);
            quote!(<#pty as ::shaped::nn::Train<#py>>::output(&c.#pi))
        };
        let grad = if i == n - 1 {
            quote!(grad)
        } else {
            quote!(::shaped::nn::Grad::Output(g.#ci.as_ref().expect("filled by the next layer")))
        };
        let input_grad = if i == 0 {
            quote!(input_grad)
        } else {
            let pi = &idx[i - 1];
            quote!(::core::option::Option::Some(::shaped::nn::reuse(&mut g.#pi, input)))
        };
        quote! {{
            let input = #input;
            <#ty as ::shaped::nn::Train<#y>>::backward(&self.#m, input, &mut c.#ci, #grad, &mut grads.#m, #input_grad);
        }}
    });
    let last_idx = &idx[n - 1];
    Ok(quote! {
        #(#links)*

        impl<__X> ::shaped::nn::Layer<__X> for #name
        where
            #(#layer_bounds,)*
        {
            type Output = <#last_ty as ::shaped::nn::Layer<#last_in>>::Output;
            const CHECK: () = { #(let () = #checks;)* };
            fn forward(&self, x: &__X) -> Self::Output {
                let () = <Self as ::shaped::nn::Layer<__X>>::CHECK;
                #(#forward)*
                x
            }
        }

        #[allow(unused_variables, clippy::let_and_return)]
        impl<__X> ::shaped::nn::Train<__X> for #name
        where
            #(#train_bounds,)*
        {
            type Cache = ((#(#caches,)*), (#(#buffers,)*));
            const SOFTMAX_OUTPUT: bool = <#last_ty as ::shaped::nn::Train<#last_in>>::SOFTMAX_OUTPUT;
            fn forward_train<'c>(&mut self, x: &__X, cache: &'c mut Self::Cache) -> &'c Self::Output {
                let () = <Self as ::shaped::nn::Layer<__X>>::CHECK;
                let (c, _) = cache;
                #(#forward_train)*
                x
            }
            fn output(cache: &Self::Cache) -> &Self::Output {
                <#last_ty as ::shaped::nn::Train<#last_in>>::output(&cache.0.#last_idx)
            }
            fn backward(
                &self,
                x: &__X,
                cache: &mut Self::Cache,
                grad: ::shaped::nn::Grad<&Self::Output>,
                grads: &mut Self,
                input_grad: ::core::option::Option<&mut __X>,
            ) {
                let (c, g) = cache;
                #(#backward)*
            }
        }
    })
}
