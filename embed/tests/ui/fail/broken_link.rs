shaped_embed::include_net! {
    static NET: (Dense<3, 2, Relu>, Dense<4, 2>) = "../../fixtures/tiny.safetensors";
}

fn main() {}
