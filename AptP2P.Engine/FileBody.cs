namespace AptP2P.Engine;

/// <summary>The bytes of a file being served: a cache file, or a transfer still being written.</summary>
public interface IFileBody
{
    /// <summary>Reads at an offset; 0 means the end of the file.</summary>
    ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken);
}

/// <summary>The headers that go with a file's bytes, before the client's conditionals and ranges are applied.</summary>
public sealed record BodyHeaders(long? Length, DateTimeOffset? LastModified, string ContentType, string? ETag)
{
    public const string OctetStream = "application/octet-stream";

    /// <summary>False after a bad copy of this file was cut off: apt's partial may hold bad bytes, so it gets the whole file.</summary>
    public bool RangesAllowed { get; init; } = true;
}
