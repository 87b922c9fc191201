using Microsoft.Extensions.Options;

namespace AptP2P.Tests.Transfers;

/// <summary>Options that never change, for a type constructed by hand.</summary>
internal sealed class FixedOptions<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue => value;
    public T Get(string? name) => value;
    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
