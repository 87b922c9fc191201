namespace AptP2P.Engine.Transfers;

/// <summary>How the source answered, before any body byte.</summary>
public enum HeadKind
{
    /// <summary>A body follows (200).</summary>
    Body,
    /// <summary>The mirror confirmed our cached copy is current (304 to our revalidation).</summary>
    NotModified,
    /// <summary>The mirror answered with a status to pass on (404, 403, 500 …).</summary>
    UpstreamStatus,
    /// <summary>The mirror could not be used at all (unreachable, refused, timeout, wrong size).</summary>
    Failed,
}

/// <summary>The head of a transfer: the status the source gave and the headers apt will see.</summary>
public sealed record TransferHead(HeadKind Kind, long? Length, DateTimeOffset? LastModified, string? ContentType, string? ETag)
{
    public int UpstreamStatus { get; init; }
    public Mirrors.MirrorFailureKind? Failure { get; init; }
    public string? Reason { get; init; }

    public static TransferHead Failed(Mirrors.MirrorFailure failure) =>
        new(HeadKind.Failed, null, null, null, null) { Failure = failure.Kind, Reason = failure.Reason };
}

/// <summary>How a transfer ended.</summary>
public enum TransferResult
{
    Stored,
    NotModified,
    UpstreamStatus,
    Failed,
    HashMismatch,
}

/// <summary>Raised when a transfer ends in any way other than storing the file.</summary>
public sealed class TransferFailedException(string message) : Exception(message);
