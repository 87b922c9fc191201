using System.Net;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using AptP2P.Engine.Dht.Items;
using AptP2P.Engine.Dht.Krpc;
using AptP2P.Engine.Dht.Lookups;

namespace AptP2P.Engine.Dht;

/// <summary>What the rest of the engine asks of the DHT: lookups, announces, BEP 44 get and put. Each one starts under the lock and completes through callbacks.</summary>
public sealed partial class DhtNode
{
    /// <summary>Streams peers for <paramref name="key"/> as answers arrive; ends when the lookup converges. Stopping early cancels it.</summary>
    public async IAsyncEnumerable<IPEndPoint> FindPeersAsync(InfoHash key, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var listener = new PeerStreamListener();
        Lookup lookup;
        lock (_gate)
        {
            // We may be one of the nodes closest to the key ourselves: what others announced to us counts too.
            listener.OnPeers(Peers.Get(key.Id, MaxValuesPerResponse, _random));
            lookup = StartLookup(LookupKind.GetPeers, key.Id, listener);
        }
        try
        {
            // WaitToReadAsync rather than ReadAllAsync: it resumes on the caller's context, which keeps simulations on one thread.
            while (await listener.Peers.WaitToReadAsync(cancellationToken))
            {
                while (listener.Peers.TryRead(out var peer))
                    yield return peer;
            }
        }
        finally
        {
            lock (_gate)
                lookup.Cancel();
        }
    }

    /// <summary>Runs a lookup to its end and returns how it went (the closest responders, with their tokens).</summary>
    public Task<LookupResult> LookupAsync(LookupKind kind, NodeId target, IReadOnlyList<IPEndPoint>? routers = null, CancellationToken cancellationToken = default)
    {
        var listener = new CompletionListener();
        Lookup lookup;
        lock (_gate)
            lookup = StartLookup(kind, target, listener, routers);
        return listener.WaitAsync(() => { lock (_gate) lookup.Cancel(); }, cancellationToken);
    }

    /// <summary>BEP 5 announce: a get_peers lookup, then announce_peer with <paramref name="port"/> to the closest nodes that gave a token. Returns how many stored it.</summary>
    public async Task<int> AnnounceAsync(InfoHash key, int port, CancellationToken cancellationToken = default)
    {
        var lookup = await LookupAsync(LookupKind.GetPeers, key.Id, cancellationToken: cancellationToken);
        return await StoreAsync(lookup, new KrpcQuery([], KrpcMethod.AnnouncePeer, Id) { Target = key.Id, Port = port }, cancellationToken);
    }

    /// <summary>BEP 44 put of a signed mutable item to the nodes closest to its target. Returns how many stored it.</summary>
    public async Task<int> PutMutableAsync(MutableItem item, CancellationToken cancellationToken = default)
    {
        var lookup = await LookupAsync(LookupKind.GetItem, item.Target, cancellationToken: cancellationToken);
        var put = new PutArguments(item.Value, item.Key, item.Signature, item.Salt, item.Seq, null);
        return await StoreAsync(lookup, new KrpcQuery([], KrpcMethod.Put, Id) { Target = item.Target, Put = put }, cancellationToken);
    }

    /// <summary>BEP 44 put of an immutable item (target = SHA-1 of the bencoded value).</summary>
    /// <exception cref="ArgumentException">The value is not one strict bencoded value of at most 1000 bytes.</exception>
    public async Task<int> PutImmutableAsync(byte[] value, CancellationToken cancellationToken = default)
    {
        if (value.Length > KrpcDecoder.MaxValueLength || !Bencode.BencodeDocument.IsValid(value))
            throw new ArgumentException("A BEP 44 value is one bencoded value of at most 1000 bytes.", nameof(value));
        var target = NodeId.Sha1(value);
        var lookup = await LookupAsync(LookupKind.GetItem, target, cancellationToken: cancellationToken);
        var put = new PutArguments(value, null, null, [], 0, null);
        return await StoreAsync(lookup, new KrpcQuery([], KrpcMethod.Put, Id) { Target = target, Put = put }, cancellationToken);
    }

    /// <summary>
    /// BEP 44 get of a mutable item: only items whose key, salt and signature check out are considered; the highest seq wins.
    /// With <paramref name="firstValid"/> the lookup stops at the first valid item (for items whose seq never changes).
    /// </summary>
    public async Task<MutableItem?> GetMutableAsync(byte[] publicKey, byte[] salt, bool firstValid = false, CancellationToken cancellationToken = default)
    {
        var target = MutableItem.TargetOf(publicKey, salt);
        var listener = new ItemListener(target, publicKey, salt, firstValid);
        Lookup lookup;
        lock (_gate)
        {
            listener.Offer(Items.Find(target));
            lookup = StartLookup(LookupKind.GetItem, target, listener);
        }
        await listener.WaitAsync(() => { lock (_gate) lookup.Cancel(); }, cancellationToken);
        return listener.Best;
    }

    /// <summary>BEP 44 get of an immutable item: the first value whose SHA-1 is the target.</summary>
    public async Task<byte[]?> GetImmutableAsync(NodeId target, CancellationToken cancellationToken = default)
    {
        var listener = new ItemListener(target, null, [], firstValid: true);
        Lookup lookup;
        lock (_gate)
        {
            listener.Offer(Items.Find(target));
            lookup = StartLookup(LookupKind.GetItem, target, listener);
        }
        await listener.WaitAsync(() => { lock (_gate) lookup.Cancel(); }, cancellationToken);
        return listener.Immutable;
    }

    /// <summary>Pings an endpoint; the node's id when it answered in time, else null.</summary>
    public Task<NodeId?> PingAsync(IPEndPoint endPoint, CancellationToken cancellationToken = default)
    {
        var observer = new SingleQueryObserver(cancellationToken);
        lock (_gate)
            SendQuery(new KrpcQuery([], KrpcMethod.Ping, Id), endPoint, null, observer);
        return observer.Task;
    }

    /// <summary>Sends announce_peer or put to each responder that gave a token, and counts the ones that accepted.</summary>
    private Task<int> StoreAsync(LookupResult lookup, KrpcQuery template, CancellationToken cancellationToken)
    {
        var targets = lookup.Closest.Where(r => r.Token is not null).ToList();
        if (targets.Count == 0)
            return Task.FromResult(0);
        var observer = new StoreObserver(targets.Count, cancellationToken);
        lock (_gate)
        {
            foreach (var responder in targets)
                SendQuery(template with { Token = responder.Token }, responder.Contact.EndPoint, responder.Contact.Id, observer);
        }
        return observer.Task;
    }

    private sealed class PeerStreamListener : ILookupListener
    {
        private readonly Channel<IPEndPoint> _channel = Channel.CreateUnbounded<IPEndPoint>(new UnboundedChannelOptions { SingleReader = true });
        public ChannelReader<IPEndPoint> Peers => _channel.Reader;

        public void OnPeers(IReadOnlyList<IPEndPoint> peers)
        {
            foreach (var peer in peers)
                _channel.Writer.TryWrite(peer);
        }

        public void OnItem(KrpcResponse response, NodeContact from)
        {
        }

        public void OnCompleted(LookupResult result) => _channel.Writer.TryComplete();
    }

    private class CompletionListener : ILookupListener
    {
        private readonly TaskCompletionSource<LookupResult> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public virtual void OnPeers(IReadOnlyList<IPEndPoint> peers)
        {
        }

        public virtual void OnItem(KrpcResponse response, NodeContact from)
        {
        }

        public void OnCompleted(LookupResult result) => _done.TrySetResult(result);

        public async Task<LookupResult> WaitAsync(Action cancel, CancellationToken cancellationToken)
        {
            using var registration = cancellationToken.Register(cancel);
            var result = await _done.Task;
            cancellationToken.ThrowIfCancellationRequested();
            return result;
        }
    }
}
