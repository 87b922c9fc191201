using AptP2P.Engine;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Mirrors;
using AptP2P.Engine.Transfers;

namespace AptP2P.Tests.Transfers;

/// <summary>The shared growing file in isolation: what readers may see, and when.</summary>
public sealed class TransferTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("aptp2p-transfer-").FullName;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_reader_opening_while_the_file_moves_into_the_cache_is_sent_to_the_cache()
    {
        var transfer = NewTransfer(expectedHash: null, size: null);
        Task<TransferReader?>? racing = null;

        transfer.Complete(() =>
        {
            File.Delete(transfer.PartialPath); // the move: the partial path is gone from here on
            racing = Task.Run(transfer.TryOpenReader, Ct);
#pragma warning disable xUnit1031 // the callback runs under the transfer's lock by design; blocking here is the point
            Assert.False(racing.Wait(200, Ct), "a reader got in while the file was being moved");
#pragma warning restore xUnit1031
            return new CacheEntry(default, 0, false, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, 0);
        });

        Assert.Null(await racing!);
    }

    [Fact]
    public async Task The_tail_of_a_hashed_file_is_held_back_until_it_is_verified()
    {
        const int size = 200_000;
        var transfer = NewTransfer(ContentHash.Compute(new byte[size]), size);
        await File.WriteAllBytesAsync(transfer.PartialPath, new byte[size], Ct);
        transfer.Advance(size);
        using var reader = transfer.TryOpenReader()!;
        var buffer = new byte[size];

        var first = await reader.ReadAsync(0, buffer, Ct);
        var waiting = reader.ReadAsync(first, buffer, Ct).AsTask();

        Assert.Equal(size - Transfer.HoldBackBytes, first);
        Assert.False(waiting.IsCompleted, "the held-back tail was readable before the file was verified");
        transfer.End(TransferResult.HashMismatch, "hash mismatch");
        // Only the failure ends the wait: had the tail been handed out at any time before, the read would have returned it.
        await Assert.ThrowsAsync<TransferFailedException>(() => waiting);
    }

    [Fact]
    public async Task A_file_without_a_known_hash_is_readable_as_it_is_written()
    {
        var transfer = NewTransfer(expectedHash: null, size: null);
        await File.WriteAllBytesAsync(transfer.PartialPath, new byte[1000], Ct);
        transfer.Advance(1000);
        using var reader = transfer.TryOpenReader()!;

        Assert.Equal(1000, await reader.ReadAsync(0, new byte[4096], Ct));
    }

    private Transfer NewTransfer(ContentHash? expectedHash, long? size)
    {
        var partial = Path.Combine(_directory, Guid.NewGuid().ToString("N"));
        File.Create(partial).Dispose();
        return new Transfer("key", new MirrorUrl("h.example", 80, "x"), expectedHash, size, partial, DateTimeOffset.UtcNow);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
