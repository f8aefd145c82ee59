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
            fn zip_update<const K: usize>(
                &mut self,
                grads: &Self,
                mut states: [&mut Self; K],
                f: &mut dyn FnMut(&mut [#e], &[#e], [&mut [#e]; K]),
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
