using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace AptP2P.Engine.Stats;

/// <summary>
/// Hands the latest value to every watcher. Each watcher has a one-slot channel that keeps only the newest value, so a slow
/// watcher (a busy browser tab, a remote hub client) never holds memory or the publisher back.
/// </summary>
public sealed class LatestValueBroadcast<T>(T initial) where T : class
{
    private readonly Lock _lock = new();
    private readonly List<Channel<T>> _watchers = [];
    private T _current = initial;

    public T Current => Volatile.Read(ref _current);

    public int WatcherCount
    {
        get
        {
            lock (_lock)
                return _watchers.Count;
        }
    }

    public void Publish(T value)
    {
        lock (_lock)
        {
            Volatile.Write(ref _current, value);
            foreach (var watcher in _watchers)
                watcher.Writer.TryWrite(value);
        }
    }

    /// <summary>The current value, then each published one; registered before the current value is read, so none is missed.</summary>
    public async IAsyncEnumerable<T> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<T>(new BoundedChannelOptions(1)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
            SingleWriter = false,
        });
        T first;
        lock (_lock)
        {
            _watchers.Add(channel);
            first = _current;
        }
        try
        {
            yield return first;
            var last = first;
            while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out var value))
                {
                    if (ReferenceEquals(value, last))
                        continue;
                    last = value;
                    yield return value;
                }
            }
        }
        finally
        {
            lock (_lock)
                _watchers.Remove(channel);
        }
    }
}
