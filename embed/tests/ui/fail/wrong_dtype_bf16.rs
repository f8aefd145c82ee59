shaped_embed::include_net! {
    static NET: (Bf16Dense<3, 2, Relu>, Dense<2, 2>) = "../../fixtures/tiny.safetensors";
}

fn main() {}
