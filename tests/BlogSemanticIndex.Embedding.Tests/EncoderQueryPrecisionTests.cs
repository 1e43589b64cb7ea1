using BlogSemanticIndex.Embedding.Builtin;
using BlogSemanticIndex.TestSupport.Encoding;

namespace BlogSemanticIndex.Embedding.Tests;

/// <summary><c>Encoder:QueryPrecision</c>: what the query encoder runs in, and its validation.</summary>
public sealed class EncoderQueryPrecisionTests
{
    [Fact]
    public void Auto_means_the_encoder_precision()
    {
        var options = new EncoderOptions { Device = "cpu", Precision = "fp32" };
        Assert.Equal("fp32", options.ForQueries().Precision);
        Assert.Equal("bf16", new EncoderOptions { Precision = "bf16" }.ForQueries().Precision);
    }

    [Fact]
    public void Auto_on_both_measures_the_query_precision_on_a_bf16_cpu_and_keeps_fp32_for_the_indexer()
    {
        var options = new EncoderOptions { Device = "cpu" };
        var (indexer, _) = TestEncoders.LoadBuiltin(BuiltinModel.MiniLm, options);
        var (queries, _) = TestEncoders.LoadBuiltin(BuiltinModel.MiniLm, options.ForQueries());
        using (indexer)
        using (queries)
        {
            Assert.Equal("fp32", indexer.Info.Precision);
            Assert.Null(indexer.PrecisionProbe);
            if (!DeviceSelection.CpuSupportsBf16)
            {
                Assert.Equal("fp32", queries.Info.Precision);
                Assert.Null(queries.PrecisionProbe);
                return;
            }
            // Both precisions ran the probe queries; the encoder kept is the one that ran them faster.
            var probe = Assert.IsType<PrecisionProbe>(queries.PrecisionProbe);
            Assert.InRange(probe.Fp32Ms, 0.01, 10_000);
            Assert.InRange(probe.Bf16Ms, 0.01, 10_000);
            Assert.Equal(probe.Bf16Ms < probe.Fp32Ms ? "bf16" : "fp32", queries.Info.Precision);
            Assert.Equal(1, queries.Info.Threads);
            // The kept instance embeds as one loaded in that precision directly.
            var (direct, _) = TestEncoders.LoadBuiltin(BuiltinModel.MiniLm, options.ForQueries().WithPrecision(queries.Info.Precision));
            using (direct)
            {
                Assert.Null(direct.PrecisionProbe);
                Assert.Equal(direct.EncodeQuery("新词发现算法"), queries.EncodeQuery("新词发现算法"));
            }
        }
    }

    [Fact]
    public void A_configured_precision_is_not_measured()
    {
        var (queries, _) = TestEncoders.LoadBuiltin(BuiltinModel.MiniLm, new EncoderOptions { Device = "cpu", Precision = "fp32" }.ForQueries());
        using (queries)
        {
            Assert.Equal("fp32", queries.Info.Precision);
            Assert.Null(queries.PrecisionProbe);
        }
    }

    [Fact]
    public void An_explicit_query_precision_wins_and_the_rest_is_kept()
    {
        var options = new EncoderOptions { Device = "cpu", Precision = "auto", QueryPrecision = "fp32", Model = "builtin:arctic-xs", Threads = 2 };
        var queries = options.ForQueries();
        Assert.Equal("fp32", queries.Precision);
        Assert.Equal(("builtin:arctic-xs", 1), (queries.Model, queries.Threads));
    }

    [Fact]
    public void Queries_run_on_query_threads_and_zero_means_as_the_indexer()
    {
        Assert.Equal(3, new EncoderOptions { Threads = 2, QueryThreads = 3 }.ForQueries().Threads);
        Assert.Equal(2, new EncoderOptions { Threads = 2, QueryThreads = 0 }.ForQueries().Threads);
        Assert.Equal("Encoder:QueryThreads -1 is not valid; use 0 (as Threads) or a thread count from 1 to 1024.",
            Assert.Single(new EncoderOptions { QueryThreads = -1 }.Validate()));
    }

    [Fact]
    public void Each_encoder_runs_its_forward_passes_on_its_own_thread_count_whichever_thread_calls_it()
    {
        var (indexer, _) = TestEncoders.LoadBuiltinMiniLm();
        var (queries, _) = TestEncoders.LoadBuiltin(BuiltinModel.MiniLm, TestEncoders.CpuFp32.ForQueries());
        using (indexer)
        using (queries)
        {
            Assert.Equal(1, queries.Info.Threads);
            var libtorchDefault = indexer.Info.Threads;
            // Alternate on one thread and on fresh ones: a pass must not inherit the other encoder's setting.
            foreach (var (encoder, expected) in new[] { (queries, 1), (indexer, libtorchDefault), (queries, 1), (indexer, libtorchDefault) })
            {
                encoder.Encode(["a short query"]);
                Assert.Equal(expected, TorchSharp.torch.get_num_threads());
                var seenOnFreshThread = 0;
                var thread = new Thread(() =>
                {
                    encoder.Encode(["another short query"]);
                    seenOnFreshThread = TorchSharp.torch.get_num_threads();
                });
                thread.Start();
                thread.Join();
                Assert.Equal(expected, seenOnFreshThread);
            }
        }
    }

    [Fact]
    public void An_unknown_query_precision_is_refused_with_the_allowed_values()
    {
        var error = Assert.Single(new EncoderOptions { QueryPrecision = "int8" }.Validate());
        Assert.Equal("Encoder:QueryPrecision 'int8' is not valid; allowed values: auto, fp32, fp16, bf16.", error);
    }
}
