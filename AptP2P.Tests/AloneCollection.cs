namespace AptP2P.Tests;

/// <summary>
/// Tests that measure the whole process (its managed heap, say) and so must not share it with other tests: xunit runs this
/// collection by itself, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneCollection
{
    public const string Name = "alone";
}
