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
}
