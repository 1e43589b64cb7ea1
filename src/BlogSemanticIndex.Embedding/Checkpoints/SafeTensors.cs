using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace BlogSemanticIndex.Embedding.Checkpoints;

/// <summary>
/// Reads and writes the safetensors format: an 8-byte little-endian header length, a JSON header mapping each tensor
/// name to its dtype, shape and <c>data_offsets</c> (relative to the end of the header), then the raw tensor bytes.
/// </summary>
public static class SafeTensors
{
    private static readonly Dictionary<string, ScalarType> DTypes = new()
    {
        ["F64"] = ScalarType.Float64,
        ["F32"] = ScalarType.Float32,
        ["F16"] = ScalarType.Float16,
        ["BF16"] = ScalarType.BFloat16,
        ["I64"] = ScalarType.Int64,
        ["I32"] = ScalarType.Int32,
        ["I16"] = ScalarType.Int16,
        ["I8"] = ScalarType.Int8,
        ["U8"] = ScalarType.Byte,
        ["BOOL"] = ScalarType.Bool,
    };

    // A header larger than this is a corrupt or hostile file, not a model.
    private const long MaxHeaderBytes = 100L * 1024 * 1024;

    /// <summary>
    /// Loads every tensor of <paramref name="path"/> onto the CPU in its stored dtype. The caller owns the tensors
    /// (dispose them, or let a dispose scope do it).
    /// </summary>
    public static Dictionary<string, Tensor> Load(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var (entries, dataStart) = ReadHeader(stream, path);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var entry in entries.OrderBy(e => e.Begin))
            {
                var tensor = empty(entry.Shape, entry.DType).DetachFromDisposeScope();
                tensors.Add(entry.Name, tensor);
                if (entry.End > entry.Begin)
                {
                    stream.Position = dataStart + entry.Begin;
                    stream.ReadExactly(tensor.bytes);
                }
            }
        }
        catch
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }
            throw;
        }
        return tensors;
    }

    /// <summary>Names, dtypes and shapes without reading the data.</summary>
    public static IReadOnlyList<SafeTensorInfo> ReadInfo(string path)
    {
        using var stream = File.OpenRead(path);
        return ReadHeader(stream, path).Entries.Select(e => new SafeTensorInfo(e.Name, e.DType, e.Shape)).ToList();
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> (any device; copied to the CPU as needed) in name order, with optional string
    /// metadata (<c>__metadata__</c>). Writes to a temporary file first so a reader never sees a half-written file.
    /// </summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        EnsureLittleEndian();
        var names = tensors.Keys.Order(StringComparer.Ordinal).ToList();
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (var (key, value) in metadata)
            {
                meta[key] = value;
            }
            header["__metadata__"] = meta;
        }
        long offset = 0;
        foreach (var name in names)
        {
            var tensor = tensors[name];
            var size = tensor.NumberOfElements * tensor.ElementSize;
            header[name] = new JsonObject
            {
                ["dtype"] = DTypeName(tensor.dtype, name),
                ["shape"] = new JsonArray(tensor.shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + size),
            };
            offset += size;
        }
        var headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        // The format pads the header with spaces to a multiple of 8 so the data is aligned.
        var padded = (headerBytes.Length + 7) / 8 * 8;

        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = path + ".tmp-" + Environment.ProcessId;
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
            stream.Write(length);
            stream.Write(headerBytes);
            for (var i = headerBytes.Length; i < padded; i++)
            {
                stream.WriteByte((byte)' ');
            }
            foreach (var name in names)
            {
                using var scope = NewDisposeScope();
                var cpu = tensors[name].detach().cpu().contiguous();
                if (cpu.NumberOfElements > 0)
                {
                    stream.Write(cpu.bytes);
                }
            }
        }
        File.Move(temporary, path, overwrite: true);
    }

    private static string DTypeName(ScalarType type, string name)
    {
        foreach (var (key, value) in DTypes)
        {
            if (value == type)
            {
                return key;
            }
        }
        throw new NotSupportedException($"Tensor '{name}' has dtype {type}, which safetensors cannot store here; allowed: {string.Join(", ", DTypes.Values)}.");
    }

    private static (List<Entry> Entries, long DataStart) ReadHeader(Stream stream, string path)
    {
        EnsureLittleEndian();
        Span<byte> lengthBytes = stackalloc byte[8];
        if (stream.ReadAtLeast(lengthBytes, 8, throwOnEndOfStream: false) < 8)
        {
            throw new InvalidDataException($"{path} is not a safetensors file: shorter than its 8-byte header length.");
        }
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength == 0 || headerLength > MaxHeaderBytes || (long)headerLength > stream.Length - 8)
        {
            throw new InvalidDataException($"{path} is not a safetensors file: header length {headerLength} does not fit the file ({stream.Length} bytes).");
        }
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        JsonObject header;
        try
        {
            header = JsonNode.Parse(headerBytes) as JsonObject ?? throw new InvalidDataException($"{path}: the safetensors header is not a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: the safetensors header is not valid JSON ({e.Message}).", e);
        }

        var dataStart = 8 + (long)headerLength;
        var dataLength = stream.Length - dataStart;
        var entries = new List<Entry>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__")
            {
                continue;
            }
            if (node is not JsonObject info
                || info["dtype"]?.GetValue<string>() is not { } dtypeName
                || info["shape"] is not JsonArray shapeArray
                || info["data_offsets"] is not JsonArray { Count: 2 } offsets)
            {
                throw new InvalidDataException($"{path}: tensor '{name}' lacks dtype, shape or data_offsets.");
            }
            if (!DTypes.TryGetValue(dtypeName, out var dtype))
            {
                throw new NotSupportedException($"{path}: tensor '{name}' has dtype {dtypeName}; supported: {string.Join(", ", DTypes.Keys)}.");
            }
            var shape = shapeArray.Select(d => d!.GetValue<long>()).ToArray();
            var begin = offsets[0]!.GetValue<long>();
            var end = offsets[1]!.GetValue<long>();
            var elementSize = ElementSize(dtype);
            var expected = shape.Aggregate(1L, (a, b) => a * b) * elementSize;
            if (begin < 0 || end < begin || end > dataLength || end - begin != expected)
            {
                throw new InvalidDataException(
                    $"{path}: tensor '{name}' ({dtypeName} [{string.Join(", ", shape)}]) has data_offsets [{begin}, {end}], " +
                    $"which do not hold {expected} bytes inside the {dataLength}-byte data section.");
            }
            entries.Add(new Entry(name, dtype, shape, begin, end));
        }
        return (entries, dataStart);
    }

    private static int ElementSize(ScalarType type) => type switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        _ => 1,
    };

    private static void EnsureLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("safetensors data is little-endian; this reader runs only on little-endian machines.");
        }
    }

    private sealed record Entry(string Name, ScalarType DType, long[] Shape, long Begin, long End);
}

public sealed record SafeTensorInfo(string Name, ScalarType DType, long[] Shape);
