shaped_embed::include_net! {
    static NET: Dense<3, 2, Relu> = "../../fixtures/tiny.safetensors";
}

fn main() {}
