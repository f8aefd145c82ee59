shaped_embed::include_net! {
    static NET: (
        Conv2D<4, 4, 1, 2, 2, 2, 2, Relu>,
        MaxPooling2D<2, 2, 2, 1, 1, 2>,
        Flatten<2>,
        Dense<2, 2>,
    ) = "../../fixtures/tiny_conv.safetensors";
}

fn main() {}
