using System.Net;
using System.Net.Sockets;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Dht.Storage;
using Microsoft.Extensions.Logging;

namespace AptP2P.Engine.Discovery;

/// <summary>
/// Local discovery on one channel (docs/PROTOCOL-LAN.md): announces this node at start (three hellos asking for replies, at 0,
/// 1 and 3 s) and then every <see cref="DiscoveryOptions.AnnounceIntervalSeconds"/> ±20 %, answers joining nodes directly,
/// and records every node it hears in the <see cref="LanDirectory"/>. What it accepts and what it answers are capped, so a
/// flood costs a bounded amount of work and makes the node reflect a bounded number of replies.
/// </summary>
public sealed partial class LanDiscovery : IAsyncDisposable
{
    /// <summary>Hellos taken per minute from everyone together (a LAN of 1,000 nodes announces 200 per minute).</summary>
    public const double MaxAcceptedPerMinute = 1_200;

    /// <summary>Replies sent per minute: what a flood of spoofed joining hellos can make this node send.</summary>
    public const double MaxRepliesPerMinute = 120;

    private static readonly TimeSpan[] JoinDelays = [TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)];
    private static readonly TimeSpan ReplyEvery = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ExpiryCheck = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan NotListeningYet = TimeSpan.FromMilliseconds(250);

    private readonly ILanChannel _channel;
    private readonly LanDirectory _directory;
    private readonly DiscoveryOptions _options;
    private readonly SwarmKey? _key;
    private readonly Func<NodeId> _self;
    private readonly Func<int> _port;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action<LanPeer> _discovered;
    private readonly Random _random;
    private readonly Lock _gate = new();
    private readonly RateBudget _accepting;
    private readonly RateBudget _replying;
    private readonly SourceRateLimiter _perSource;
    private readonly Dictionary<(NodeId Id, AddressFamily Family), DateTimeOffset> _repliedTo = [];
    private ITimer? _helloTimer;
    private ITimer? _expiryTimer;
    private int _hellos;
    private long _sent, _replies, _received, _accepted, _malformed, _unknownVersion, _otherSwarm, _flooded, _own;
    private DateTimeOffset? _lastSent, _lastHeard;
    private bool _disposed;

    public LanDiscovery(ILanChannel channel, LanDirectory directory, DiscoveryOptions options, Func<NodeId> self, Func<int> port,
        TimeProvider time, ILogger logger, Action<LanPeer> discovered, Random? random = null)
    {
        _channel = channel;
        _directory = directory;
        _options = options;
        _key = SwarmKey.From(options.SwarmKey);
        _self = self;
        _port = port;
        _time = time;
        _logger = logger;
        _discovered = discovered;
        _random = random ?? new Random();
        _accepting = new RateBudget(time, MaxAcceptedPerMinute, MaxAcceptedPerMinute);
        _replying = new RateBudget(time, MaxRepliesPerMinute, MaxRepliesPerMinute / 4);
        // A node sends three hellos in its first 3 s and one every few minutes after: ten at once is already a flood.
        _perSource = new SourceRateLimiter(time, perSecond: 1, burst: 10);
    }

    public IReadOnlyList<string> Interfaces => _channel.Interfaces;

    public void Start()
    {
        _channel.Start(OnDatagram);
        _helloTimer = _time.CreateTimer(_ => Announce(), null, TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        _expiryTimer = _time.CreateTimer(_ => _directory.Expire(TimeSpan.FromMinutes(_options.PeerExpiryMinutes)), null, ExpiryCheck, ExpiryCheck);
    }

    public LanDiscoveryCounters Counters
    {
        get
        {
            lock (_gate)
                return new(_sent, _replies, _received, _accepted, _malformed, _unknownVersion, _otherSwarm, _flooded, _own, _lastSent, _lastHeard);
        }
    }

    private void Announce()
    {
        TimeSpan next;
        lock (_gate)
        {
            if (_disposed)
                return;
            var port = _port();
            if (port == 0)
            {
                // The HTTP listener is not up yet: a hello now would send others to a port that answers nothing.
                next = NotListeningYet;
            }
            else
            {
                var joining = _hellos < JoinDelays.Length;
                var hello = new LanHello(_self(), port, _time.GetUtcNow().ToUnixTimeSeconds(), IsReply: false, Joining: joining);
                var copies = _channel.SendToGroup(hello.Encode(_key));
                _sent += copies;
                if (copies > 0)
                    _lastSent = _time.GetUtcNow();
                _hellos++;
                next = _hellos < JoinDelays.Length
                    ? JoinDelays[_hellos]
                    : TimeSpan.FromSeconds(_options.AnnounceIntervalSeconds * (0.8 + (0.4 * _random.NextDouble())));
            }
            _helloTimer?.Change(next, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnDatagram(ReadOnlySpan<byte> datagram, IPEndPoint source)
    {
        LanPeer? discovered = null;
        lock (_gate)
        {
            if (_disposed)
                return;
            _received++;
            // The caps come before any work on the content (the HMAC): a flood costs a counter increment per datagram.
            if (!_perSource.Allow(source.Address) || !_accepting.TryTake())
            {
                _flooded++;
                return;
            }
            var now = _time.GetUtcNow();
            switch (LanHello.TryDecode(datagram, _key, now, out var hello))
            {
                case HelloProblem.Malformed:
                    _malformed++;
                    return;
                case HelloProblem.UnknownVersion:
                    _unknownVersion++;
                    return;
                case HelloProblem.OtherSwarm:
                    _otherSwarm++;
                    return;
            }
            if (hello!.Id == _self())
            {
                _own++;
                return;
            }
            _accepted++;
            _lastHeard = now;
            var address = source.Address.IsIPv4MappedToIPv6 ? source.Address.MapToIPv4() : source.Address;
            var endPoint = new IPEndPoint(address, hello.Port);
            if (_directory.Heard(hello.Id, endPoint, _options.MaxPeers))
                discovered = new LanPeer(hello.Id, endPoint, now, now);
            if (hello.Joining && ShouldReply((hello.Id, address.AddressFamily), now))
                Reply(source, now);
        }
        if (discovered is not null)
        {
            LogDiscovered(discovered.EndPoint, discovered.Id);
            _discovered(discovered);
        }
    }

    /// <summary>
    /// A joining node sends three hellos in 3 s: it gets one reply from each node per address family it joined on (a
    /// dual-stack joiner hears every node over IPv4 too, the endpoint the directory prefers), within the global cap.
    /// </summary>
    private bool ShouldReply((NodeId Id, AddressFamily Family) id, DateTimeOffset now)
    {
        if (_repliedTo.TryGetValue(id, out var last) && now - last < ReplyEvery)
            return false;
        if (!_replying.TryTake())
        {
            _flooded++;
            return false;
        }
        if (_repliedTo.Count >= 1_000)
        {
            foreach (var old in _repliedTo.Where(r => now - r.Value >= ReplyEvery).Select(r => r.Key).ToList())
                _repliedTo.Remove(old);
        }
        _repliedTo[id] = now;
        return true;
    }

    private void Reply(IPEndPoint to, DateTimeOffset now)
    {
        var port = _port();
        if (port == 0)
            return;
        var reply = new LanHello(_self(), port, now.ToUnixTimeSeconds(), IsReply: true, Joining: false);
        _channel.SendTo(reply.Encode(_key), to);
        _replies++;
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
            _disposed = true;
        if (_helloTimer is not null)
            await _helloTimer.DisposeAsync();
        if (_expiryTimer is not null)
            await _expiryTimer.DisposeAsync();
        await _channel.DisposeAsync();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "LAN peer {EndPoint} ({Id}) heard")]
    private partial void LogDiscovered(IPEndPoint endPoint, NodeId id);
}
