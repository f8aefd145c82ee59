shaped_embed::include_net! {
    static NET: (Int8Dense<3, 2, Relu>, Int8Dense<2, 2>) = "../../fixtures/tiny.safetensors";
}

fn main() {}
