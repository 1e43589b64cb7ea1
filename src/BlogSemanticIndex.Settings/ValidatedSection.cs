using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace BlogSemanticIndex.Settings;

/// <summary>
/// An options class bound from one configuration section that checks itself: <see cref="Validate"/> returns one sentence
/// per problem, each naming the setting, its value and what is allowed, so an operator gets one clear line per mistake.
/// </summary>
public interface IValidatedSection<TSelf> where TSelf : class, IValidatedSection<TSelf>, new()
{
    static abstract string SectionName { get; }

    IReadOnlyList<string> Validate();
}

public static class ValidatedSectionExtensions
{
    /// <summary>
    /// Binds <typeparamref name="T"/> from its section and validates it when the host starts (<c>ValidateOnStart</c>), so a
    /// bad setting stops the service before it serves or indexes anything.
    /// </summary>
    public static OptionsBuilder<T> AddValidatedSection<T>(this IServiceCollection services, IConfiguration configuration)
        where T : class, IValidatedSection<T>, new()
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<T>, SectionValidator<T>>());
        return services.AddOptions<T>().Bind(configuration.GetSection(T.SectionName)).ValidateOnStart();
    }

    /// <summary>The same binding and checks, now: for commands that run without a host.</summary>
    /// <exception cref="OptionsValidationException">The section has problems (the failures name them).</exception>
    public static T GetValidatedSection<T>(this IConfiguration configuration)
        where T : class, IValidatedSection<T>, new()
    {
        var options = configuration.GetSection(T.SectionName).Get<T>() ?? new T();
        var errors = options.Validate();
        return errors.Count == 0 ? options : throw new OptionsValidationException(T.SectionName, typeof(T), errors);
    }

    private sealed class SectionValidator<T> : IValidateOptions<T> where T : class, IValidatedSection<T>, new()
    {
        public ValidateOptionsResult Validate(string? name, T options) =>
            options.Validate() is { Count: > 0 } errors ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
    }
}
