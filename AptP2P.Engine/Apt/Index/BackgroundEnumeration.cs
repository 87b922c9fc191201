using System.Threading.Channels;

namespace AptP2P.Engine.Apt.Index;

/// <summary>
/// Runs a lazy sequence on another thread, a bounded number of batches ahead of its consumer, so that decompressing and
/// parsing an index overlaps with storing its entries.
/// </summary>
internal static class BackgroundEnumeration
{
    public static IEnumerable<T[]> InBatches<T>(IEnumerable<T> source, int batchSize, int batchesAhead, CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<T[]>(new BoundedChannelOptions(batchesAhead) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = Task.Run(async () =>
        {
            try
            {
                foreach (var chunk in source.Chunk(batchSize))
                    await channel.Writer.WriteAsync(chunk, stop.Token);
                channel.Writer.Complete();
            }
            catch (Exception ex)
            {
                channel.Writer.Complete(ex);
            }
        }, CancellationToken.None);

        try
        {
            while (true)
            {
                T[] batch;
                try
                {
                    if (!channel.Reader.WaitToReadAsync(cancellationToken).AsTask().GetAwaiter().GetResult())
                        break;
                    if (!channel.Reader.TryRead(out batch!))
                        continue;
                }
                catch (ChannelClosedException closed) when (closed.InnerException is not null)
                {
                    throw closed.InnerException;
                }
                yield return batch;
            }
        }
        finally
        {
            // The consumer stopped early (or failed): stop the producer and wait for it, so the source is not read after return.
            stop.Cancel();
            try
            {
                producer.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}
