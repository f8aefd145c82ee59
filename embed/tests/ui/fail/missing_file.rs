shaped_embed::include_net! {
    static NET: Dense<3, 2, Relu> = "../../fixtures/no_such_file.safetensors";
}

fn main() {}
