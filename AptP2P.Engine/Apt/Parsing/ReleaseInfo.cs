namespace AptP2P.Engine.Apt.Parsing;

/// <summary>The header fields of a Release/InRelease file the engine cares about.</summary>
/// <param name="Date">When the archive generated the Release; null if missing or unparseable.</param>
/// <param name="ValidUntil">After this apt rejects the Release as expired; null if absent.</param>
/// <param name="Suite">e.g. <c>stable</c>.</param>
/// <param name="Codename">e.g. <c>bookworm</c>.</param>
/// <param name="AcquireByHash">The archive serves its indexes under <c>by-hash/SHA256/</c>.</param>
public sealed record ReleaseInfo(
    DateTimeOffset? Date,
    DateTimeOffset? ValidUntil,
    string? Suite,
    string? Codename,
    bool AcquireByHash);
