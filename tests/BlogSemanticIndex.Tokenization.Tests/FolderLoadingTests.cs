namespace BlogSemanticIndex.Tokenization.Tests;

public class FolderLoadingTests
{
    [SkippableFact]
    public void VocabTxtAndTokenizerConfig_GiveTheSameIdsAsTokenizerJson()
    {
        var folder = SharedData.Require(ReferenceTokenizers.BgeFolder);
        var copy = Directory.CreateTempSubdirectory("bsi-tokenizer-").FullName;
        try
        {
            foreach (var name in new[] { "vocab.txt", "tokenizer_config.json", "config.json", "special_tokens_map.json" })
            {
                File.Copy(Path.Combine(folder, name), Path.Combine(copy, name));
            }

            var fromJson = WordPieceTokenizer.FromModelFolder(folder);
            var fromVocab = WordPieceTokenizer.FromModelFolder(copy);

            Assert.False(fromVocab.Options.LowerCase);
            Assert.Equal(512, fromVocab.MaxLength);
            foreach (var text in SampleTexts.Mixed)
            {
                Assert.Equal(fromJson.Encode(text, 512).Ids, fromVocab.Encode(text, 512).Ids);
            }
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [SkippableFact]
    public void BgeFolder_ReadsSpecialIdsAndLimit()
    {
        var tokenizer = WordPieceTokenizer.FromModelFolder(SharedData.Require(ReferenceTokenizers.BgeFolder));

        Assert.Equal((0, 101, 102, 100), (tokenizer.PadId, tokenizer.ClsId, tokenizer.SepId, tokenizer.UnknownId));
        Assert.Equal(512, tokenizer.MaxLength);
        Assert.Equal(21_128, tokenizer.VocabularySize);
    }

    [Fact]
    public void MaxLength_IsSentenceTransformersMaxSeqLength_WhenGiven()
    {
        var folder = Directory.CreateTempSubdirectory("bsi-tokenizer-").FullName;
        try
        {
            File.WriteAllLines(Path.Combine(folder, "vocab.txt"), ReferenceTokenizers.MiniLm);
            File.WriteAllText(Path.Combine(folder, "config.json"), """{ "max_position_embeddings": 512 }""");
            File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), """{ "do_lower_case": true, "model_max_length": 1000000000000000019884624838656 }""");
            Assert.Equal(512, WordPieceTokenizer.FromModelFolder(folder).MaxLength);

            File.WriteAllText(Path.Combine(folder, "sentence_bert_config.json"), """{ "max_seq_length": 256, "do_lower_case": false }""");
            Assert.Equal(256, WordPieceTokenizer.FromModelFolder(folder).MaxLength);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void FolderWithoutTokenizerFiles_FailsNamingThem()
    {
        var folder = Directory.CreateTempSubdirectory("bsi-tokenizer-").FullName;
        try
        {
            var error = Assert.Throws<FileNotFoundException>(() => WordPieceTokenizer.FromModelFolder(folder));

            Assert.Contains("tokenizer.json", error.Message);
            Assert.Contains("vocab.txt", error.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void LoneSurrogates_AreDroppedLikeTheReplacementCharacter()
    {
        var tokenizer = ReferenceTokenizers.OurMiniLm();

        var encoded = tokenizer.Encode("lone \uD800surrogate\uDC00s", 512);

        Assert.Equal(tokenizer.Encode("lone surrogates", 512).Ids, encoded.Ids);
    }
}
