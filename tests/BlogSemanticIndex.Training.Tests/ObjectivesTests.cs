using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BlogSemanticIndex.Training.Tests;

public sealed class ObjectivesTests
{
    [Fact]
    public void CoSent_matches_a_hand_computation_on_a_tiny_batch()
    {
        // Labels 2 > 1 > 0 with cosines 0.9, 0.5, 0.6: the ordered pairs (i, j) with label_i > label_j are
        // (0,1), (0,2), (1,2), with terms exp(20·(s_j − s_i)) = exp(−8), exp(−6), exp(2).
        using var cosines = tensor(new[] { 0.9f, 0.5f, 0.6f });
        using var labels = tensor(new[] { 2f, 1f, 0f });
        using var loss = Objectives.CoSent(cosines, labels);

        var expected = Math.Log(1 + Math.Exp(-8) + Math.Exp(-6) + Math.Exp(2));
        Assert.Equal(expected, loss.item<float>(), 5);
    }

    [Fact]
    public void CoSent_stays_finite_where_the_naive_formula_overflows()
    {
        // λ·Δs = 20·2 = 40 per term is fine, but a scale of 100 makes exp(200) overflow float32; log-sum-exp does not.
        using var cosines = tensor(new[] { -1f, 1f });
        using var labels = tensor(new[] { 1f, 0f });
        using var loss = Objectives.CoSent(cosines, labels, scale: 100);

        Assert.Equal(200 + Math.Log(1 + Math.Exp(-200)), loss.item<float>(), 3);
    }

    [Fact]
    public void CoSent_is_zero_with_no_ordered_pairs()
    {
        using var cosines = tensor(new[] { 0.1f, 0.7f, -0.3f }, requires_grad: true);
        using var labels = tensor(new[] { 1f, 1f, 1f });
        using var loss = Objectives.CoSent(cosines, labels);
        loss.backward();

        Assert.Equal(0f, loss.item<float>());
        Assert.All(cosines.grad!.data<float>().ToArray(), g => Assert.Equal(0f, g));
    }

    [Fact]
    public void CoSent_gradient_raises_the_cosine_of_the_higher_labelled_pair_and_lowers_the_other()
    {
        using var cosines = tensor(new[] { 0.2f, 0.4f }, requires_grad: true);
        using var labels = tensor(new[] { 1f, 0f });
        using var loss = Objectives.CoSent(cosines, labels);
        loss.backward();

        var gradient = cosines.grad!.data<float>().ToArray();
        // Gradient descent moves against the gradient: s_0 (label 1) up, s_1 (label 0) down.
        Assert.True(gradient[0] < 0, $"d loss / d s_0 = {gradient[0]}");
        Assert.True(gradient[1] > 0, $"d loss / d s_1 = {gradient[1]}");
        // d/ds_0 log(1 + e^{20(s_1 − s_0)}) = −20·σ(20(s_1 − s_0)), and the opposite for s_1.
        var expected = 20 / (1 + Math.Exp(-20 * (0.4 - 0.2)));
        Assert.Equal(-expected, gradient[0], 3);
        Assert.Equal(expected, gradient[1], 3);
    }

    [Fact]
    public void Cosine_mse_compares_the_cosine_with_the_label_scaled_to_one()
    {
        using var cosines = tensor(new[] { 0.8f, 0.1f });
        using var labels = tensor(new[] { 5f, 0f });
        using var loss = Objectives.CosineMse(cosines, labels, labelScale: 5);

        Assert.Equal(((0.8 - 1) * (0.8 - 1) + 0.1 * 0.1) / 2, loss.item<float>(), 5);
    }

    // A head over 2-wide vectors (features 6 wide) with 3 classes, its weights set by hand.
    private static readonly float[] HeadWeights =
    [
        0.5f, -1f, 0f, 0.25f, 1f, 0f,
        0f, 0.5f, -0.5f, 0f, 0f, 2f,
        -0.25f, 0f, 1f, 1f, -1f, 0.5f,
    ];

    private static readonly float[] HeadBias = [0.1f, -0.2f, 0.3f];

    private static Linear HandSetHead()
    {
        var head = nn.Linear(6, 3);
        using var noGrad = no_grad();
        using var weights = tensor(HeadWeights, [3, 6]);
        using var bias = tensor(HeadBias);
        head.weight!.copy_(weights);
        head.bias!.copy_(bias);
        return head;
    }

    [Fact]
    public void Softmax_cross_entropy_matches_a_hand_computation_on_a_tiny_batch()
    {
        float[][] u = [[1f, 2f], [0.5f, -1f]];
        float[][] v = [[3f, 1f], [0.5f, 2f]];
        long[] classes = [2, 0];
        using var head = HandSetHead();
        using var first = tensor(u.SelectMany(x => x).ToArray(), [2, 2]);
        using var second = tensor(v.SelectMany(x => x).ToArray(), [2, 2]);
        using var target = tensor(classes);
        using var loss = Objectives.SoftmaxCrossEntropy(head, first, second, target);

        // Per pair: features (u, v, |u − v|), logits W·f + b, loss −log softmax(logits)[class]; the batch's mean.
        var expected = Enumerable.Range(0, 2).Average(pair =>
        {
            double[] features = [.. u[pair], .. v[pair], .. u[pair].Zip(v[pair], (a, b) => (double)Math.Abs(a - b))];
            var logits = Enumerable.Range(0, 3).Select(c => HeadBias[c] + features.Select((f, k) => f * HeadWeights[c * 6 + k]).Sum()).ToArray();
            return Math.Log(logits.Sum(Math.Exp)) - logits[classes[pair]];
        });
        Assert.Equal(expected, loss.item<float>(), 5);
    }

    [Fact]
    public void Softmax_gradient_raises_the_true_class_logit_and_lowers_the_others()
    {
        using var head = HandSetHead();
        using var first = tensor(new[] { 1f, 2f }, [1, 2]);
        using var second = tensor(new[] { 3f, 1f }, [1, 2]);
        using var target = tensor(new long[] { 1 });
        using var loss = Objectives.SoftmaxCrossEntropy(head, first, second, target);
        loss.backward();

        // d loss / d b_c = softmax_c − [c = class]: negative for the true class, positive for the others, summing to 0.
        using var gradient = head.bias!.grad!;
        var bias = gradient.data<float>().ToArray();
        Assert.True(bias[1] < 0, $"d loss / d b_1 = {bias[1]}");
        Assert.True(bias[0] > 0 && bias[2] > 0, $"d loss / d b = [{string.Join(", ", bias)}]");
        Assert.Equal(0, bias.Sum(), 5);
    }

    [Fact]
    public void Softmax_classes_are_the_labels_rounded_to_the_nearest_integer_halves_up()
    {
        double[] labels = [0, 0.4, 1, 2.5, 3.8, 4.49, 5];
        using var tensorLabels = tensor(labels.Select(l => (float)l).ToArray());
        using var classes = Objectives.ClassesOf(tensorLabels);

        Assert.Equal([0L, 0, 1, 3, 4, 4, 5], classes.data<long>().ToArray());
        Assert.Equal([0, 0, 1, 3, 4, 4, 5], labels.Select(SoftmaxClassifierHead.ClassOf));
        Assert.Equal(6, SoftmaxClassifierHead.ClassCount(labels.Select(l => new SentencePair("a", "b", l))));
        Assert.Equal(2, SoftmaxClassifierHead.ClassCount([new SentencePair("a", "b", 0), new SentencePair("c", "d", 1)]));
    }
}
