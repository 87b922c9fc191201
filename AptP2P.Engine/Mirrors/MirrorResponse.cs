namespace AptP2P.Engine.Mirrors;

/// <summary>Why a mirror could not be used; the web layer turns these into 403/502/504 for apt.</summary>
public enum MirrorFailureKind
{
    /// <summary>The policy refused the target (allow-list, this node's own port, a non-http redirect).</summary>
    Refused,
    /// <summary>DNS, connection refused, reset: apt retries a 502.</summary>
    Unreachable,
    /// <summary>No headers or no body bytes within the stall timeout: apt retries a 504.</summary>
    Timeout,
    /// <summary>More redirects than allowed, or a redirect without a usable Location.</summary>
    BadRedirect,
    /// <summary>The mirror answered, but not with something we can pass on (wrong size, content encoding, bad range).</summary>
    BadResponse,
}

public sealed record MirrorFailure(MirrorFailureKind Kind, string Reason);

/// <summary>A mirror's answer, headers read and body not yet: the caller streams <see cref="Body"/> and disposes it.</summary>
public sealed class MirrorResponse(HttpResponseMessage message, Stream body, Uri finalUri) : IDisposable
{
    public int Status => (int)message.StatusCode;
    public Uri FinalUri => finalUri;
    public Stream Body => body;
    public long? ContentLength => message.Content.Headers.ContentLength;
    public DateTimeOffset? LastModified => message.Content.Headers.LastModified;
    public string? ContentType => message.Content.Headers.ContentType?.ToString();
    public string? ETag => message.Headers.ETag?.ToString();
    public bool HasContentEncoding => message.Content.Headers.ContentEncoding.Any(e => !e.Equals("identity", StringComparison.OrdinalIgnoreCase));
    public long? RangeStart => message.Content.Headers.ContentRange?.From;
    public long? RangeTotal => message.Content.Headers.ContentRange?.Length;
    public bool AcceptsRanges => message.Headers.AcceptRanges.Contains("bytes");

    public void Dispose()
    {
        body.Dispose();
        message.Dispose();
    }
}

/// <summary>Either a response or a failure, never an exception for the expected ways a mirror goes wrong.</summary>
public readonly record struct MirrorResult(MirrorResponse? Response, MirrorFailure? Failure)
{
    public static MirrorResult Fail(MirrorFailureKind kind, string reason) => new(null, new MirrorFailure(kind, reason));
}

/// <summary>A request to a mirror: the file, and optionally a validator or a resume point.</summary>
public sealed record MirrorRequest(MirrorUrl Url)
{
    public DateTimeOffset? IfModifiedSince { get; init; }
    public long? RangeStart { get; init; }
    /// <summary>Last byte wanted (inclusive); null for "to the end".</summary>
    public long? RangeEnd { get; init; }
    public DateTimeOffset? IfRange { get; init; }
}
