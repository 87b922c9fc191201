using AptP2P.Engine.Dht.Items;

namespace AptP2P.Engine.Dht;

/// <summary>Piece lists as BEP 44 items under keys derived from the file's hash (PROTOCOL.md §2.1).</summary>
public sealed partial class DhtNode
{
    /// <summary>Signs and puts the file's piece list; returns how many nodes stored it.</summary>
    public Task<int> PublishPieceListAsync(ContentHash file, ReadOnlyMemory<byte> bencodedV, CancellationToken cancellationToken = default) =>
        PutMutableAsync(PieceListItem.Create(file, bencodedV.Span), cancellationToken);

    /// <summary>The bencoded <c>v</c> of the first item under the file's key that verifies (seq 1, no salt); null if none.</summary>
    public async Task<byte[]?> FetchPieceListAsync(ContentHash file, CancellationToken cancellationToken = default)
    {
        var item = await GetMutableAsync(PieceListItem.PublicKeyFor(file), [], firstValid: true, cancellationToken);
        return item is not null && PieceListItem.IsAcceptable(file, item) ? item.Value : null;
    }
}
