using AptP2P.Engine.Transfers;

namespace AptP2P.Engine.Stats;

/// <summary>Where a transfer stands, in the words the dashboard shows.</summary>
public enum TransferState
{
    /// <summary>Waiting for a download slot or for the source's answer.</summary>
    Starting,
    Downloading,
    /// <summary>Verified and in the cache.</summary>
    Stored,
    /// <summary>The mirror said the copy we have is still current.</summary>
    NotModified,
    /// <summary>The mirror answered with an error status (404 and the like), passed on to apt.</summary>
    UpstreamStatus,
    Failed,
    HashMismatch,
}

/// <summary>One transfer as the dashboard and <c>GET /api/transfers</c> show it.</summary>
public sealed record TransferStatus(
    string Key,
    string Url,
    string FileName,
    string? Sha256,
    long? Length,
    long BytesWritten,
    double BytesPerSecond,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    int Readers,
    IReadOnlyDictionary<string, long> Sources,
    TransferState State,
    string? FailureReason)
{
    /// <summary>The name of the mirror among the sources; every other source is a peer's <c>ip:port</c>.</summary>
    public const string MirrorSource = "mirror";

    /// <summary>0 to 1, or null while the length is unknown.</summary>
    public double? Progress => Length is > 0 and var length ? Math.Min(1, (double)BytesWritten / length) : Length == 0 ? 1 : null;

    public int PeerCount => Sources.Keys.Count(s => s != MirrorSource);

    public bool FromMirror => Sources.ContainsKey(MirrorSource);

    /// <summary>How long it ran (or has been running, at <paramref name="now"/>).</summary>
    public TimeSpan Duration(DateTimeOffset now) => (EndedAt ?? now) - StartedAt;

    /// <param name="path">The file's path as people know it (a by-hash URL's metadata file), when it differs from the URL's.</param>
    public static TransferStatus From(Transfer transfer, double bytesPerSecond, string? path = null)
    {
        var url = transfer.Url;
        path ??= url.Path;
        var slash = path.LastIndexOf('/');
        return new TransferStatus(
            transfer.Key,
            url.Key,
            slash < 0 ? path : path[(slash + 1)..],
            transfer.ExpectedHash?.ToString(),
            transfer.Length,
            transfer.BytesWritten,
            bytesPerSecond,
            transfer.StartedAt,
            transfer.EndedAt,
            transfer.Readers,
            transfer.BytesBySource,
            StateOf(transfer),
            transfer.FailureReason);
    }

    private static TransferState StateOf(Transfer transfer)
    {
        var completion = transfer.Completion;
        if (!completion.IsCompleted)
            return transfer.BytesWritten > 0 ? TransferState.Downloading : TransferState.Starting;
        if (!completion.IsCompletedSuccessfully)
            return TransferState.Failed;
        return completion.Result switch
        {
            TransferResult.Stored => TransferState.Stored,
            TransferResult.NotModified => TransferState.NotModified,
            TransferResult.UpstreamStatus => TransferState.UpstreamStatus,
            TransferResult.HashMismatch => TransferState.HashMismatch,
            _ => TransferState.Failed,
        };
    }
}
