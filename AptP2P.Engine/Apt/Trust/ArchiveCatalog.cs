using AptP2P.Engine.Apt.Index;
using AptP2P.Engine.Persistence;

namespace AptP2P.Engine.Apt.Trust;

/// <summary>One archive (mirror + directory of its Release) as the API and the dashboard show it.</summary>
/// <param name="Suite">The Release's directory, e.g. <c>dists/bookworm</c> (a flat repository's own directory).</param>
/// <param name="Signature"><c>verified</c>, <c>unknown-key</c>, <c>bad</c> or <c>unsigned</c>.</param>
/// <param name="ValidUntil">The Release's <c>Valid-Until</c>: once it has passed the archive is <c>bad</c>, as apt refuses it.</param>
/// <param name="Files">Files learned from the Release and the Packages/Sources indexes under it.</param>
public sealed record ArchiveStatus(
    string Mirror,
    string Suite,
    string Signature,
    string? SigningKey,
    string? Reason,
    DateTimeOffset? Date,
    DateTimeOffset IngestedAt,
    int Files)
{
    public DateTimeOffset? ValidUntil { get; init; }
}

/// <summary>The archives the node has read a Release of, for the API and the dashboard.</summary>
public interface IArchiveCatalog
{
    Task<IReadOnlyList<ArchiveStatus>> ListAsync(CancellationToken cancellationToken);
}

/// <summary>The archives the node has read a Release of, from the database (the index's rows survive restarts).</summary>
public sealed class ArchiveCatalog(NodeDatabase database, TimeProvider time) : IArchiveCatalog
{
    public async Task<IReadOnlyList<ArchiveStatus>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await database.OpenAsync(cancellationToken);
        var sources = await db.ListAsync(IndexRows.SelectSources, IndexRows.ReadSource, cancellationToken);
        var now = time.GetUtcNow();
        var releases = sources.Where(s => s.Kind == nameof(MetadataKind.Release)).OrderBy(s => s.Mirror, StringComparer.Ordinal).ThenBy(s => s.Path, StringComparer.Ordinal);
        return [.. releases.Select(release =>
        {
            var trust = release.Trust ?? ArchiveTrust.Verified.ToWord();
            var reason = release.TrustReason;
            if (trust != ArchiveTrust.Bad.ToWord() && release.ValidUntil < now)
                (trust, reason) = (ArchiveTrust.Bad.ToWord(), $"its Valid-Until {release.ValidUntil:u} has passed and no newer Release has come");
            return new ArchiveStatus(
                release.Mirror,
                release.Path,
                trust,
                release.SigningKey,
                reason,
                release.Date,
                release.IngestedAt,
                release.EntryCount + sources
                    .Where(s => s.Kind != nameof(MetadataKind.Release) && s.Mirror == release.Mirror && IsUnder(s.Path, release.Path))
                    .Sum(s => s.EntryCount))
            { ValidUntil = release.ValidUntil };
        })];
    }

    /// <summary>A Packages/Sources index belongs to the Release of the directory above it (for a flat repository, its own).</summary>
    private static bool IsUnder(string indexPath, string releaseDirectory) =>
        releaseDirectory.Length == 0 ? !indexPath.Contains("/dists/", StringComparison.Ordinal) : indexPath.StartsWith(releaseDirectory + "/", StringComparison.Ordinal);
}
