using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace AptP2P.Engine.Discovery;

/// <summary>
/// Local discovery over UDP multicast, IPv4 and IPv6, with BEP 14's groups and a hop limit of 1 (the datagrams never leave the
/// segment). Per family, one socket bound to the discovery port hears the group and one on a port of its own sends, so that
/// replies reach the node that asked even when several nodes share a machine (and so the discovery port). A node bound to one
/// address announces itself only on the interface that has it: elsewhere nobody could reach it.
/// </summary>
public sealed partial class UdpLanChannel : ILanChannel
{
    public static readonly IPAddress Group4 = IPAddress.Parse("239.192.152.143");
    public static readonly IPAddress Group6 = IPAddress.Parse("ff15::efc0:988f");

    private readonly int _port;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Family> _families = [];
    private readonly List<Task> _receivers = [];
    private LanDatagramHandler? _handler;

    public UdpLanChannel(int port, IPAddress? bindAddress, ILogger logger)
    {
        var only = bindAddress is null || bindAddress.Equals(IPAddress.Any) || bindAddress.Equals(IPAddress.IPv6Any) ? null : bindAddress;
        _port = port;
        _logger = logger;
        foreach (var (family, group) in new[] { (AddressFamily.InterNetwork, Group4), (AddressFamily.InterNetworkV6, Group6) })
        {
            // A node bound to an IPv4 address has nothing to offer over IPv6, and the reverse.
            if (only is not null && only.AddressFamily != family)
                continue;
            if (Family.TryOpen(family, group, port, only, logger) is { } opened)
                _families.Add(opened);
        }
    }

    public IReadOnlyList<string> Interfaces => [.. _families.SelectMany(f => f.Joined).Distinct().Order(StringComparer.Ordinal)];

    public void Start(LanDatagramHandler handler)
    {
        _handler = handler;
        foreach (var family in _families)
        {
            family.JoinInterfaces();
            _receivers.Add(ReceiveAsync(family.Group, _stop.Token));
            _receivers.Add(ReceiveAsync(family.Sender, _stop.Token));
        }
        if (_families.Count == 0)
            LogNoSockets(_port);
    }

    public int SendToGroup(ReadOnlySpan<byte> datagram)
    {
        var sent = 0;
        foreach (var family in _families)
        {
            // Interfaces come and go (a laptop on a new network): each announcement joins the group on the new ones.
            family.JoinInterfaces();
            sent += family.SendToGroup(datagram, _port);
        }
        return sent;
    }

    public void SendTo(ReadOnlySpan<byte> datagram, IPEndPoint destination)
    {
        var family = _families.FirstOrDefault(f => f.AddressFamily == destination.AddressFamily);
        try
        {
            family?.Sender.SendTo(datagram, SocketFlags.None, destination);
        }
        catch (SocketException ex)
        {
            LogSendFailed(destination, ex.SocketErrorCode);
        }
    }

    private async Task ReceiveAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[2048];
        EndPoint any = socket.AddressFamily == AddressFamily.InterNetwork ? new IPEndPoint(IPAddress.Any, 0) : new IPEndPoint(IPAddress.IPv6Any, 0);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var result = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, cancellationToken);
                _handler?.Invoke(buffer.AsSpan(0, result.ReceivedBytes), (IPEndPoint)result.RemoteEndPoint);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                // ICMP port unreachable after a reply to a node that has gone: nothing to do but go on.
                LogReceiveFailed(ex.SocketErrorCode);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var family in _families)
            family.Dispose();
        await Task.WhenAll(_receivers).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    /// <summary>The two sockets of one address family and the interfaces the group is joined on.</summary>
    private sealed class Family : IDisposable
    {
        private readonly IPAddress _group;
        private readonly ILogger _logger;
        private readonly Lock _sending = new();
        private readonly Dictionary<int, (string Name, IPAddress? Address)> _joined = [];

        private readonly IPAddress? _only;

        private Family(Socket group, Socket sender, IPAddress groupAddress, IPAddress? only, ILogger logger)
        {
            _only = only;
            Group = group;
            Sender = sender;
            _group = groupAddress;
            _logger = logger;
        }

        public Socket Group { get; }
        public Socket Sender { get; }
        public AddressFamily AddressFamily => _group.AddressFamily;

        public IEnumerable<string> Joined
        {
            get
            {
                lock (_sending)
                    return [.. _joined.Values.Select(j => j.Name)];
            }
        }

        public static Family? TryOpen(AddressFamily family, IPAddress group, int port, IPAddress? only, ILogger logger)
        {
            Socket? listening = null, sending = null;
            try
            {
                var any = family == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any;
                listening = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
                // Several nodes on one machine (or apt-p2p-like tools on BEP 14's port) share the port.
                listening.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                if (family == AddressFamily.InterNetworkV6)
                    listening.DualMode = false;
                listening.Bind(new IPEndPoint(any, port));
                sending = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
                if (family == AddressFamily.InterNetworkV6)
                    sending.DualMode = false;
                sending.Bind(new IPEndPoint(any, 0));
                var level = family == AddressFamily.InterNetwork ? SocketOptionLevel.IP : SocketOptionLevel.IPv6;
                sending.SetSocketOption(level, SocketOptionName.MulticastTimeToLive, 1);
                sending.SetSocketOption(level, SocketOptionName.MulticastLoopback, true);
                return new Family(listening, sending, group, only, logger);
            }
            catch (SocketException ex)
            {
                LogFamilyUnavailable(logger, family, port, ex.SocketErrorCode);
                listening?.Dispose();
                sending?.Dispose();
                return null;
            }
        }

        /// <summary>Joins the group on every interface that is up and can multicast, and was not joined yet.</summary>
        public void JoinInterfaces()
        {
            NetworkInterface[] interfaces;
            try
            {
                interfaces = NetworkInterface.GetAllNetworkInterfaces();
            }
            catch (NetworkInformationException)
            {
                return;
            }
            lock (_sending)
            {
                foreach (var nic in interfaces)
                {
                    if (nic.OperationalStatus is not (OperationalStatus.Up or OperationalStatus.Unknown) || !nic.SupportsMulticast)
                        continue;
                    var properties = nic.GetIPProperties();
                    if (_only is not null && !properties.UnicastAddresses.Any(u => u.Address.Equals(_only)))
                        continue;
                    try
                    {
                        if (AddressFamily == AddressFamily.InterNetwork)
                            JoinIPv4(nic, properties);
                        else
                            JoinIPv6(nic, properties);
                    }
                    catch (Exception ex) when (ex is SocketException or NetworkInformationException)
                    {
                        LogJoinFailed(_logger, _group, nic.Name, ex.Message);
                    }
                }
            }
        }

        private void JoinIPv4(NetworkInterface nic, IPInterfaceProperties properties)
        {
            var address = _only ?? properties.UnicastAddresses.Select(u => u.Address).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork);
            if (address is null || !nic.Supports(NetworkInterfaceComponent.IPv4))
                return;
            var index = properties.GetIPv4Properties().Index;
            if (_joined.ContainsKey(index))
                return;
            Group.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(_group, index));
            _joined[index] = (nic.Name, address);
        }

        private void JoinIPv6(NetworkInterface nic, IPInterfaceProperties properties)
        {
            if (!nic.Supports(NetworkInterfaceComponent.IPv6) || !properties.UnicastAddresses.Any(u => u.Address.AddressFamily == AddressFamily.InterNetworkV6))
                return;
            var index = properties.GetIPv6Properties().Index;
            if (_joined.ContainsKey(index))
                return;
            Group.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.AddMembership, new IPv6MulticastOption(_group, index));
            _joined[index] = (nic.Name, null);
        }

        public int SendToGroup(ReadOnlySpan<byte> datagram, int port)
        {
            var destination = new IPEndPoint(_group, port);
            var sent = 0;
            lock (_sending)
            {
                foreach (var (index, joined) in _joined)
                {
                    try
                    {
                        if (AddressFamily == AddressFamily.InterNetwork)
                            Sender.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, joined.Address!.GetAddressBytes());
                        else
                            Sender.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastInterface, index);
                        Sender.SendTo(datagram, SocketFlags.None, destination);
                        sent++;
                    }
                    catch (SocketException ex)
                    {
                        LogGroupSendFailed(_logger, _group, joined.Name, ex.SocketErrorCode);
                    }
                }
            }
            return sent;
        }

        public void Dispose()
        {
            Group.Dispose();
            Sender.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Local discovery has no socket on udp port {Port} (neither IPv4 nor IPv6): nodes on this LAN are found only through the DHT")]
    private partial void LogNoSockets(int port);

    [LoggerMessage(Level = LogLevel.Information, Message = "Local discovery over {Family} is off: udp port {Port} cannot be bound ({Error})")]
    private static partial void LogFamilyUnavailable(ILogger logger, AddressFamily family, int port, SocketError error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Local discovery cannot join {Group} on {Interface}: {Reason}")]
    private static partial void LogJoinFailed(ILogger logger, IPAddress group, string @interface, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Local discovery could not send to {Group} on {Interface}: {Error}")]
    private static partial void LogGroupSendFailed(ILogger logger, IPAddress group, string @interface, SocketError error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Local discovery could not reply to {Destination}: {Error}")]
    private partial void LogSendFailed(IPEndPoint destination, SocketError error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Local discovery receive failed: {Error}")]
    private partial void LogReceiveFailed(SocketError error);
}
