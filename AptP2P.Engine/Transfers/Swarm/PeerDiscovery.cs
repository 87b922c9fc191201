using System.Net;
using System.Threading.Channels;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Node;
using AptP2P.Engine.Peers;

namespace AptP2P.Engine.Transfers.Swarm;

/// <summary>
/// The DHT lookup for one file, run in the background: usable peers (not this node, not banned) are handed over the moment
/// they arrive; the first one's arrival time feeds the adaptive grace before the mirror is brought in.
/// </summary>
internal sealed class PeerDiscovery
{
    private readonly List<IPEndPoint> _found = [];
    private readonly List<Channel<IPEndPoint>> _subscribers = [];
    private readonly TaskCompletionSource<IPEndPoint?> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _ended;

    private PeerDiscovery()
    {
    }

    /// <summary>Every usable peer found so far and every one still to come, to each subscriber.</summary>
    public ChannelReader<IPEndPoint> Subscribe()
    {
        var channel = Channel.CreateUnbounded<IPEndPoint>();
        lock (_subscribers)
        {
            foreach (var peer in _found)
                channel.Writer.TryWrite(peer);
            if (_ended)
                channel.Writer.TryComplete();
            else
                _subscribers.Add(channel);
        }
        return channel.Reader;
    }

    public bool Ended
    {
        get
        {
            lock (_subscribers)
                return _ended;
        }
    }

    /// <summary>The first usable peer, or null when the lookup ended without one.</summary>
    public Task<IPEndPoint?> First => _first.Task;

    public static PeerDiscovery Start(IDht dht, ContentHash file, NodeEndpoints node, PeerScoreBoard scores, TimeProvider time,
        Action<TimeSpan> firstPeerAfter, Action<Exception> failed, CancellationToken cancellationToken)
    {
        var discovery = new PeerDiscovery();
        _ = discovery.RunAsync(dht, file, node, scores, time, firstPeerAfter, failed, cancellationToken);
        return discovery;
    }

    private async Task RunAsync(IDht dht, ContentHash file, NodeEndpoints node, PeerScoreBoard scores, TimeProvider time,
        Action<TimeSpan> firstPeerAfter, Action<Exception> failed, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var seen = new HashSet<IPEndPoint>();
        try
        {
            await foreach (var peer in dht.FindPeersAsync(InfoHash.FromFile(file), cancellationToken))
            {
                if (node.IsThisNode(peer.Address, peer.Port) || scores.IsBanned(peer) || !seen.Add(peer))
                    continue;
                if (_first.TrySetResult(peer))
                    firstPeerAfter(time.GetElapsedTime(started));
                lock (_subscribers)
                {
                    _found.Add(peer);
                    foreach (var subscriber in _subscribers)
                        subscriber.Writer.TryWrite(peer);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            // A failed lookup is not a failed download: the mirror takes over.
            failed(ex);
        }
        finally
        {
            _first.TrySetResult(null);
            lock (_subscribers)
            {
                _ended = true;
                foreach (var subscriber in _subscribers)
                    subscriber.Writer.TryComplete();
            }
        }
    }
}
