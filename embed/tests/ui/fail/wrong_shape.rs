shaped_embed::include_net! {
    static NET: (Dense<4, 2, Relu>, Dense<2, 2, Softmax>) = "../../fixtures/tiny.safetensors";
}

fn main() {}
