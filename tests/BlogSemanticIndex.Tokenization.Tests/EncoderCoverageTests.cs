namespace BlogSemanticIndex.Tokenization.Tests;

/// <summary>What share of a text MiniLM (English) and bge-small-zh (Chinese) can read, from their own vocabularies.</summary>
public class EncoderCoverageTests
{
    private static readonly EncoderCoverage MiniLm = new(ReferenceTokenizers.OurMiniLm());

    [Fact]
    public void MiniLm_IsTrainedOnLatinOnly()
    {
        Assert.Equal([Script.Latin], MiniLm.TrainedScripts.Order());
    }

    [Fact]
    public void English_IsFullyRead()
    {
        var report = MiniLm.Measure("Debugging connection timeouts in PostgreSQL, v2.14.3 (ERR_CONN_4402).");
        var latin = Assert.Single(report.Scripts);
        Assert.Equal(Script.Latin, latin.Script);
        Assert.Equal(latin.Characters, latin.ReadCharacters);
        Assert.Equal(1.0, report.Coverage);
    }

    [Fact]
    public void Chinese_IsNotReadByTheEnglishModel_ThoughSomeCharactersAreInItsVocabulary()
    {
        // 人, 大, 中 and the like are in bert-base-uncased's vocabulary, so they are not [UNK]; they still count as unread.
        var text = "本文介绍一种基于统计的新词发现方法，并讨论分词中常用的算法，例如互信息和左右熵。中国人大";
        var report = MiniLm.Measure(text);
        var han = Assert.Single(report.Scripts);
        Assert.Equal(Script.Han, han.Script);
        Assert.Equal(text.Count(c => c >= 0x4E00 && c <= 0x9FFF), han.Characters);
        Assert.Equal(0, han.ReadCharacters);
        Assert.Equal(0.0, report.Coverage);
    }

    [Fact]
    public void Mixed_CountsEachScriptApart()
    {
        var report = MiniLm.Measure("Python 装饰器 decorator 用法");
        Assert.Equal(new ScriptCount(Script.Latin, 15, 15), report.Scripts.Single(s => s.Script == Script.Latin));
        Assert.Equal(new ScriptCount(Script.Han, 5, 0), report.Scripts.Single(s => s.Script == Script.Han));
        Assert.Equal(15.0 / 20, report.Coverage, 6);
    }

    [Fact]
    public void Emoji_AreSymbolsNoVocabularyReads_AndDigitsAndPunctuationDoNotCount()
    {
        var report = MiniLm.Measure("great 😀🎉 2024!!");
        Assert.Equal(new ScriptCount(Script.Latin, 5, 5), report.Scripts.Single(s => s.Script == Script.Latin));
        Assert.Equal(new ScriptCount(Script.Symbol, 2, 0), report.Scripts.Single(s => s.Script == Script.Symbol));
        Assert.Equal(1.0, MiniLm.Measure("3.14 + 2 = 5.14 …").Coverage);
    }

    [SkippableFact]
    public void ChineseModel_ReadsChinese()
    {
        var bge = new EncoderCoverage(WordPieceTokenizer.FromModelFolder(SharedData.Require(ReferenceTokenizers.BgeFolder)));
        Assert.Contains(Script.Han, bge.TrainedScripts);
        var report = bge.Measure("本文介绍一种基于统计的新词发现方法，并讨论分词中常用的算法。");
        Assert.Equal(1.0, report.Coverage);
        // A character outside its vocabulary is [UNK] and so unread, even in a trained script.
        var rare = bge.Measure("𠀀𠀁算法");
        Assert.Equal(new ScriptCount(Script.Han, 4, 2), rare.Scripts.Single());
    }
}
