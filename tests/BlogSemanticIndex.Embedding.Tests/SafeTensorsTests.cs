using System.Text;
using BlogSemanticIndex.Embedding.Checkpoints;
using static TorchSharp.torch;

namespace BlogSemanticIndex.Embedding.Tests;

public sealed class SafeTensorsTests
{
    [Fact]
    public void Write_then_read_returns_the_same_tensors_in_every_supported_dtype()
    {
        var path = TinyBert.TempFolder("roundtrip") + ".safetensors";
        using var scope = NewDisposeScope();
        random.manual_seed(1);
        var tensors = new Dictionary<string, Tensor>
        {
            ["f32"] = randn(3, 5),
            ["f16"] = randn(4, 2).to(ScalarType.Float16),
            ["bf16"] = randn(7).to(ScalarType.BFloat16),
            ["f64"] = randn(2, 2, 2, dtype: ScalarType.Float64),
            ["i64"] = arange(10).reshape(2, 5),
            ["i32"] = arange(6, dtype: ScalarType.Int32),
            ["u8"] = arange(4, dtype: ScalarType.Byte),
            ["scalar"] = tensor(3.5f),
            ["empty"] = zeros(0, 4),
        };
        try
        {
            SafeTensors.Save(path, tensors, new Dictionary<string, string> { ["format"] = "pt" });
            var loaded = SafeTensors.Load(path);
            foreach (var t in loaded.Values)
            {
                t.MoveToOuterDisposeScope();
            }
            Assert.Equal(tensors.Keys.Order(), loaded.Keys.Order());
            foreach (var (name, expected) in tensors)
            {
                var actual = loaded[name];
                Assert.Equal(expected.dtype, actual.dtype);
                Assert.Equal(expected.shape, actual.shape);
                Assert.True(expected.eq(actual).all().item<bool>(), name);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void File_layout_follows_the_format_header_length_json_then_aligned_data()
    {
        var path = TinyBert.TempFolder("layout") + ".safetensors";
        using var scope = NewDisposeScope();
        try
        {
            SafeTensors.Save(path, new Dictionary<string, Tensor> { ["b"] = tensor(new[] { 1f, 2f }), ["a"] = tensor(new[] { 3f }) });
            var bytes = File.ReadAllBytes(path);
            var headerLength = (int)BitConverter.ToUInt64(bytes, 0);
            var header = Encoding.UTF8.GetString(bytes, 8, headerLength);

            Assert.Equal(0, headerLength % 8);
            Assert.Contains("\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}", header);
            Assert.Contains("\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}", header);
            Assert.Equal(8 + headerLength + 12, bytes.Length);
            Assert.Equal(3f, BitConverter.ToSingle(bytes, 8 + headerLength));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Offsets_that_do_not_match_the_shape_are_rejected_with_the_tensor_name()
    {
        var path = TinyBert.TempFolder("corrupt") + ".safetensors";
        var header = Encoding.UTF8.GetBytes("""{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}}""");
        var bytes = BitConverter.GetBytes((ulong)header.Length).Concat(header).Concat(new byte[16]).ToArray();
        File.WriteAllBytes(path, bytes);
        try
        {
            var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));
            Assert.Contains("'w'", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// Why the checkpoint code keeps its own safetensors reader and writer instead of TorchSharp.PyBridge's
    /// (<c>Safetensors.LoadStateDict</c>/<c>SaveStateDict</c>), which the product uses for PyTorch pickles. PyBridge writes no
    /// <c>__metadata__</c>, and Hugging Face transformers refuses a safetensors file whose metadata lacks
    /// <c>"format": "pt"</c>, so a fine-tuned or imported model written through it would not load in Python; and its reader
    /// does not check a tensor's offsets against its shape and dtype, so a truncated or hostile file is not refused by name.
    /// If a PyBridge release does both, this test fails and the hand-written code should go.
    /// </summary>
    [Fact]
    public void PyBridge_cannot_write_the_metadata_transformers_requires_nor_refuse_inconsistent_offsets()
    {
        var folder = TinyBert.TempFolder("pybridge");
        Directory.CreateDirectory(folder);
        using var scope = NewDisposeScope();
        try
        {
            var written = Path.Combine(folder, "pybridge.safetensors");
            using (var stream = File.Create(written))
            {
                TorchSharp.PyBridge.Safetensors.SaveStateDict(stream, new Dictionary<string, Tensor> { ["w"] = ones(2, 2) });
            }
            var bytes = File.ReadAllBytes(written);
            var header = Encoding.UTF8.GetString(bytes, 8, (int)BitConverter.ToUInt64(bytes, 0));
            var pyBridgeWritesMetadata = header.Contains("__metadata__", StringComparison.Ordinal);

            var ours = Path.Combine(folder, "ours.safetensors");
            SafeTensors.Save(ours, new Dictionary<string, Tensor> { ["w"] = ones(2, 2) }, new Dictionary<string, string> { ["format"] = "pt" });
            var oursBytes = File.ReadAllBytes(ours);
            Assert.Contains("\"__metadata__\":{\"format\":\"pt\"}", Encoding.UTF8.GetString(oursBytes, 8, (int)BitConverter.ToUInt64(oursBytes, 0)));

            var corrupt = Path.Combine(folder, "corrupt.safetensors");
            var corruptHeader = Encoding.UTF8.GetBytes("""{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}}""");
            File.WriteAllBytes(corrupt, BitConverter.GetBytes((ulong)corruptHeader.Length).Concat(corruptHeader).Concat(new byte[16]).ToArray());
            bool pyBridgeRefusesCorrupt;
            try
            {
                TorchSharp.PyBridge.Safetensors.LoadStateDict(corrupt);
                pyBridgeRefusesCorrupt = false;
            }
            catch (Exception e) when (e.Message.Contains("'w'", StringComparison.Ordinal))
            {
                pyBridgeRefusesCorrupt = true;
            }
            catch (Exception)
            {
                pyBridgeRefusesCorrupt = false; // refused, but without saying which tensor is wrong
            }

            Assert.False(pyBridgeWritesMetadata && pyBridgeRefusesCorrupt,
                "TorchSharp.PyBridge now writes metadata and refuses inconsistent offsets by name: replace Checkpoints/SafeTensors.cs with it");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
