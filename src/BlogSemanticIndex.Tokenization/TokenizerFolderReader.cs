using System.Text;
using System.Text.Json;

namespace BlogSemanticIndex.Tokenization;

/// <summary>Reads the tokenizer files of a Hugging Face model folder.</summary>
internal static class TokenizerFolderReader
{
    // Hugging Face writes this (int(1e30)) when a tokenizer sets no limit of its own.
    private const double NoLimitSentinel = 1e18;

    public static WordPieceTokenizer Read(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"The model folder '{folder}' does not exist.");
        }

        var tokenizerConfig = ReadJsonOrNull(Path.Combine(folder, "tokenizer_config.json"));
        var maxLength = ReadMaxLength(folder, tokenizerConfig);
        var tokenizerJson = Path.Combine(folder, "tokenizer.json");
        if (File.Exists(tokenizerJson))
        {
            return ReadTokenizerJson(tokenizerJson, maxLength, tokenizerConfig);
        }

        var vocabPath = Path.Combine(folder, "vocab.txt");
        if (!File.Exists(vocabPath))
        {
            throw new FileNotFoundException(
                $"The model folder '{folder}' has neither tokenizer.json nor vocab.txt; one of them is needed to tokenise.", vocabPath);
        }

        var options = new BertTokenizerOptions { MaxLength = maxLength };
        if (tokenizerConfig is { } config)
        {
            var tokenizerClass = GetString(config, "tokenizer_class");
            if (tokenizerClass is not null && !tokenizerClass.StartsWith("Bert", StringComparison.Ordinal))
            {
                throw new NotSupportedException(
                    $"tokenizer_config.json names tokenizer_class '{tokenizerClass}'; only BertTokenizer (WordPiece) is supported without a tokenizer.json.");
            }

            options = options with
            {
                LowerCase = GetBool(config, "do_lower_case") ?? true,
                TokenizeChineseChars = GetBool(config, "tokenize_chinese_chars") ?? true,
                StripAccents = GetBool(config, "strip_accents"),
                UnknownToken = GetToken(config, "unk_token") ?? options.UnknownToken,
                ClsToken = GetToken(config, "cls_token") ?? options.ClsToken,
                SepToken = GetToken(config, "sep_token") ?? options.SepToken,
                PadToken = GetToken(config, "pad_token") ?? options.PadToken,
                MaskToken = GetToken(config, "mask_token") ?? options.MaskToken,
            };
        }

        using var stream = File.OpenRead(vocabPath);
        return new WordPieceTokenizer(ReadVocabularyLines(stream), options);
    }

    public static List<string> ReadVocabularyLines(Stream stream)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, leaveOpen: true);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }

        return lines;
    }

    private static WordPieceTokenizer ReadTokenizerJson(string path, int maxLength, JsonElement? tokenizerConfig)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = document.RootElement;
        var model = root.GetProperty("model");
        var modelType = GetString(model, "type");
        if (modelType != "WordPiece")
        {
            throw new NotSupportedException($"{path}: model type '{modelType}' is not supported; only WordPiece (BERT) is.");
        }

        var options = new BertTokenizerOptions
        {
            MaxLength = maxLength,
            UnknownToken = GetString(model, "unk_token") ?? "[UNK]",
            ContinuingSubwordPrefix = GetString(model, "continuing_subword_prefix") ?? "##",
            MaxInputCharsPerWord = model.TryGetProperty("max_input_chars_per_word", out var maxChars) ? maxChars.GetInt32() : 100,
        };

        if (root.TryGetProperty("normalizer", out var normalizer) && normalizer.ValueKind != JsonValueKind.Null)
        {
            var type = GetString(normalizer, "type");
            if (type != "BertNormalizer")
            {
                throw new NotSupportedException($"{path}: normalizer '{type}' is not supported; only BertNormalizer is.");
            }

            options = options with
            {
                CleanText = GetBool(normalizer, "clean_text") ?? true,
                TokenizeChineseChars = GetBool(normalizer, "handle_chinese_chars") ?? true,
                StripAccents = GetBool(normalizer, "strip_accents"),
                LowerCase = GetBool(normalizer, "lowercase") ?? true,
            };
        }
        else
        {
            throw new NotSupportedException($"{path}: a tokenizer without a normalizer is not supported; BertNormalizer is expected.");
        }

        if (root.TryGetProperty("pre_tokenizer", out var preTokenizer) && GetString(preTokenizer, "type") is var preType
            && preType != "BertPreTokenizer")
        {
            throw new NotSupportedException($"{path}: pre_tokenizer '{preType}' is not supported; only BertPreTokenizer is.");
        }

        if (root.TryGetProperty("post_processor", out var post) && post.ValueKind == JsonValueKind.Object)
        {
            (options, var postType) = ReadPostProcessor(post, options);
            if (postType is not ("TemplateProcessing" or "BertProcessing"))
            {
                throw new NotSupportedException($"{path}: post_processor '{postType}' is not supported; TemplateProcessing or BertProcessing is expected.");
            }
        }

        var vocabulary = new SortedDictionary<int, string>();
        foreach (var entry in model.GetProperty("vocab").EnumerateObject())
        {
            vocabulary[entry.Value.GetInt32()] = entry.Name;
        }

        var specials = new List<(string, int)>();
        if (root.TryGetProperty("added_tokens", out var added))
        {
            foreach (var token in added.EnumerateArray())
            {
                var content = token.GetProperty("content").GetString()!;
                var id = token.GetProperty("id").GetInt32();
                if (GetBool(token, "lstrip") == true || GetBool(token, "rstrip") == true || GetBool(token, "single_word") == true)
                {
                    throw new NotSupportedException($"{path}: added token '{content}' uses lstrip, rstrip or single_word, which this tokenizer does not implement.");
                }

                // Matched in the raw text. Exact for "normalized": false (every BERT special token); a normalized added
                // token would in the reference also match its lower-cased form.
                specials.Add((content, id));
                vocabulary.TryAdd(id, content);
            }
        }

        var ids = vocabulary.Keys.ToArray();
        if (ids.Length == 0 || ids[0] != 0 || ids[^1] != ids.Length - 1)
        {
            throw new InvalidDataException($"{path}: the vocabulary ids are not the contiguous range 0…n-1.");
        }

        // tokenizer.json does not name the padding token; tokenizer_config.json does.
        if (tokenizerConfig is { } config)
        {
            options = options with
            {
                PadToken = GetToken(config, "pad_token") ?? options.PadToken,
                MaskToken = GetToken(config, "mask_token") ?? options.MaskToken,
            };
        }

        return new WordPieceTokenizer([.. vocabulary.Values], options, specials);
    }

    private static (BertTokenizerOptions, string?) ReadPostProcessor(JsonElement post, BertTokenizerOptions options)
    {
        var type = GetString(post, "type");
        if (type == "BertProcessing")
        {
            // "cls": ["[CLS]", 101], "sep": ["[SEP]", 102]
            return (options with
            {
                ClsToken = post.GetProperty("cls")[0].GetString()!,
                SepToken = post.GetProperty("sep")[0].GetString()!,
            }, type);
        }

        if (type == "TemplateProcessing")
        {
            var single = post.GetProperty("single").EnumerateArray().ToArray();
            string? SpecialAt(int index) =>
                index < single.Length && single[index].TryGetProperty("SpecialToken", out var special)
                    ? special.GetProperty("id").GetString()
                    : null;

            var first = SpecialAt(0);
            var last = SpecialAt(single.Length - 1);
            if (single.Length != 3 || first is null || last is null || !single[1].TryGetProperty("Sequence", out _))
            {
                throw new NotSupportedException("Only the single-sequence template \"[CLS] $A [SEP]\" is supported.");
            }

            return (options with { ClsToken = first, SepToken = last }, type);
        }

        return (options, type);
    }

    private static int ReadMaxLength(string folder, JsonElement? tokenizerConfig)
    {
        // sentence-transformers truncates at max_seq_length when the model says so; that is what its vectors mean.
        if (ReadJsonOrNull(Path.Combine(folder, "sentence_bert_config.json")) is { } sentenceBert
            && sentenceBert.TryGetProperty("max_seq_length", out var maxSeq) && maxSeq.ValueKind == JsonValueKind.Number)
        {
            return maxSeq.GetInt32();
        }

        var limit = int.MaxValue;
        if (tokenizerConfig is { } config && config.TryGetProperty("model_max_length", out var modelMax)
            && modelMax.ValueKind == JsonValueKind.Number && modelMax.GetDouble() < NoLimitSentinel)
        {
            limit = (int)modelMax.GetDouble();
        }

        if (ReadJsonOrNull(Path.Combine(folder, "config.json")) is { } modelConfig
            && modelConfig.TryGetProperty("max_position_embeddings", out var positions) && positions.ValueKind == JsonValueKind.Number)
        {
            limit = Math.Min(limit, positions.GetInt32());
        }

        return limit == int.MaxValue ? 512 : limit;
    }

    private static JsonElement? ReadJsonOrNull(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        return document.RootElement.Clone();
    }

    private static string? GetString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool? GetBool(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? value.GetBoolean()
            : null;

    /// <summary>A special token, written either as a string or as an AddedToken object with "content".</summary>
    private static string? GetToken(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Object => GetString(value, "content"),
            _ => null,
        };
    }
}
