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
}
