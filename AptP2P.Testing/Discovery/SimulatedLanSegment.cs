using System.Net;
using AptP2P.Engine.Discovery;

namespace AptP2P.Testing.Discovery;

/// <summary>
/// One Ethernet segment in memory for local discovery: a group datagram reaches every channel on the segment (its sender
/// too, as multicast loopback does), a direct one the channel it is addressed to, each after <see cref="Latency"/> on the
/// given clock. Counts what every channel sent and received, for the 300-node arithmetic of the benchmark.
/// </summary>
public sealed class SimulatedLanSegment(TimeProvider time)
{
    private readonly List<Channel> _channels = [];
    private int _nextPort = 40_000;

    public TimeSpan Latency { get; init; } = TimeSpan.FromMilliseconds(0.2);

    public IReadOnlyList<Channel> Channels => _channels;

    /// <summary>A channel for a machine at <paramref name="address"/>.</summary>
    public Channel Join(IPAddress address)
    {
        var channel = new Channel(this, new IPEndPoint(address, _nextPort++));
        _channels.Add(channel);
        return channel;
    }

    /// <summary>Puts a datagram on the segment as if <paramref name="source"/> had sent it to the group (a hostile or broken sender).</summary>
    public void Inject(byte[] datagram, IPEndPoint source)
    {
        foreach (var channel in _channels.ToList())
            Deliver(channel, datagram, source);
    }

    private void Deliver(Channel to, byte[] datagram, IPEndPoint from)
    {
        ITimer? timer = null;
        timer = time.CreateTimer(_ =>
        {
            timer?.Dispose();
            to.Receive(datagram, from);
        }, null, Latency, Timeout.InfiniteTimeSpan);
    }

    public sealed class Channel(SimulatedLanSegment segment, IPEndPoint endPoint) : ILanChannel
    {
        private LanDatagramHandler? _handler;
        private bool _disposed;

        public IPEndPoint EndPoint => endPoint;
        public long GroupSends { get; private set; }
        public long DirectSends { get; private set; }
        public long Received { get; private set; }

        public IReadOnlyList<string> Interfaces => ["sim0"];

        public void Start(LanDatagramHandler handler) => _handler = handler;

        public int SendToGroup(ReadOnlySpan<byte> datagram)
        {
            if (_disposed)
                return 0;
            GroupSends++;
            var copy = datagram.ToArray();
            foreach (var channel in segment._channels)
                segment.Deliver(channel, copy, endPoint);
            return 1;
        }

        public void SendTo(ReadOnlySpan<byte> datagram, IPEndPoint destination)
        {
            if (_disposed)
                return;
            DirectSends++;
            if (segment._channels.FirstOrDefault(c => c.EndPoint.Equals(destination)) is { } channel)
                segment.Deliver(channel, datagram.ToArray(), endPoint);
        }

        internal void Receive(byte[] datagram, IPEndPoint from)
        {
            if (_disposed || _handler is null)
                return;
            Received++;
            _handler(datagram, from);
        }

        public ValueTask DisposeAsync()
        {
            _disposed = true;
            return ValueTask.CompletedTask;
        }
    }
}
