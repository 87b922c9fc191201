using AptP2P.Engine.Apt.Trust;

namespace AptP2P.Tests.Dashboard;

/// <summary>The archives a dashboard test shows, set by the test.</summary>
internal sealed class TestArchiveCatalog : IArchiveCatalog
{
    public List<ArchiveStatus> Archives { get; } = [];

    public Task<IReadOnlyList<ArchiveStatus>> ListAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ArchiveStatus>>([.. Archives]);
}
