namespace AptP2P.Web.Files;

/// <summary>The headers of a response about to be served, before conditionals and ranges are applied.</summary>
internal sealed record ResponsePlan(long? Length, DateTimeOffset? LastModified, string ContentType, string? ETag)
{
    /// <summary>False after a bad copy of this file was cut off: apt's partial may hold bad bytes, so it gets the whole file.</summary>
    public bool RangesAllowed { get; init; } = true;
}

/// <summary>Where the body bytes come from: a cache file or a transfer still being written.</summary>
internal interface IBodySource
{
    /// <summary>Reads at an offset; 0 means the end of the body.</summary>
    ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken);
}

internal sealed class CacheLeaseSource(AptP2P.Engine.Cache.CacheLease lease) : IBodySource
{
    public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken) =>
        lease.ReadAsync(offset, buffer, cancellationToken);
}

internal sealed class TransferSource(AptP2P.Engine.Transfers.TransferReader reader) : IBodySource
{
    public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken) =>
        reader.ReadAsync(offset, buffer, cancellationToken);
}
