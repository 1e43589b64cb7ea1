namespace BlogSemanticIndex.ModelHub.Tests;

public class HubFileFilterTests
{
    [Fact]
    public void Default_TakesConfigsTokenizerAndSafetensors_SkipsOtherFormats()
    {
        string[] files =
        [
            "config.json", "vocab.txt", "tokenizer.json", "modules.json", "1_Pooling/config.json", "2_Dense/config.json",
            "2_Dense/model.safetensors", "2_Dense/pytorch_model.bin", "model.safetensors", "pytorch_model.bin",
            "onnx/model.onnx", "onnx/config.json", "openvino/openvino_model.xml", "tf_model.h5", "flax_model.msgpack",
            "rust_model.ot", "README.md", ".gitattributes",
        ];

        var selected = HubFileFilter.SelectDefault(files);

        Assert.Equal(
            ["1_Pooling/config.json", "2_Dense/config.json", "2_Dense/model.safetensors", "config.json", "model.safetensors", "modules.json", "tokenizer.json", "vocab.txt"],
            selected);
    }

    [Fact]
    public void Default_FallsBackToPytorchBin_WhenAFolderHasNoSafetensors()
    {
        string[] files = ["config.json", "pytorch_model.bin", "tf_model.h5"];

        Assert.Equal(["config.json", "pytorch_model.bin"], HubFileFilter.SelectDefault(files));
    }

    [Fact]
    public void Default_KeepsShardedSafetensorsWithTheirIndex()
    {
        string[] files = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json", "pytorch_model.bin.index.json"];

        Assert.Equal(
            ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json"],
            HubFileFilter.SelectDefault(files));
    }
}
